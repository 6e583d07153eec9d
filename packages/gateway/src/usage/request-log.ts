import { insertRows, type Queryable, type SqlParam } from '../db/index.ts';

export interface RequestLogEntry {
  id: string;
  userId: string | null;
  keyId: string | null;
  /** The org whose key made the call. */
  orgId?: string | null | undefined;
  endpoint: string;
  model: string | null;
  provider: string | null;
  upstreamModel: string | null;
  status: number;
  stream: boolean;
  latencyMs: number;
  promptTokens: number;
  completionTokens: number;
  cachedTokens: number;
  reasoningTokens: number;
  /** `upstream` when the provider reported usage, `counted` when the gateway tokenised. */
  usageSource: 'upstream' | 'counted' | null;
  costMicro: number;
  errorCode: string | null;
  errorMessage: string | null;
  /** The upstream's id of a stored answer (Responses), so only this user can fetch it. */
  responseId?: string | null;
  /** How the model id was resolved: `catalog`, `alias:<id>` or `pattern:<glob>`. */
  modelRule?: string | null;
  /** Image routes: images returned (billed), and the resolution tier they were priced at. */
  imageCount?: number;
  imageTier?: string | null;
  createdAt: number;
}

export interface RequestLogRow {
  id: string;
  user_id: string | null;
  key_id: string | null;
  endpoint: string;
  model: string | null;
  provider: string | null;
  upstream_model: string | null;
  status: number;
  stream: number;
  latency_ms: number;
  prompt_tokens: number;
  completion_tokens: number;
  cached_tokens: number;
  reasoning_tokens: number;
  usage_source: string | null;
  cost_micro: number;
  error_code: string | null;
  error_message: string | null;
  response_id: string | null;
  model_rule: string | null;
  image_count: number;
  image_tier: string | null;
  created_at: number;
}

/** The columns of a request-log row, in insert order, with their PostgreSQL types (for typed parameters). */
export const requestLogColumns: ReadonlyArray<readonly [string, 'text' | 'bigint' | 'integer']> = [
  ['id', 'text'],
  ['user_id', 'text'],
  ['key_id', 'text'],
  ['endpoint', 'text'],
  ['model', 'text'],
  ['provider', 'text'],
  ['upstream_model', 'text'],
  ['status', 'integer'],
  ['stream', 'integer'],
  ['latency_ms', 'integer'],
  ['prompt_tokens', 'integer'],
  ['completion_tokens', 'integer'],
  ['cached_tokens', 'integer'],
  ['reasoning_tokens', 'integer'],
  ['usage_source', 'text'],
  ['cost_micro', 'bigint'],
  ['error_code', 'text'],
  ['error_message', 'text'],
  ['response_id', 'text'],
  ['model_rule', 'text'],
  ['image_count', 'integer'],
  ['image_tier', 'text'],
  ['created_at', 'bigint'],
  ['org_id', 'text'],
];

/** A row's values in `requestLogColumns` order. */
export function requestLogValues(entry: RequestLogEntry): SqlParam[] {
  return [
    entry.id,
    entry.userId,
    entry.keyId,
    entry.endpoint,
    entry.model,
    entry.provider,
    entry.upstreamModel,
    entry.status,
    entry.stream ? 1 : 0,
    Math.round(entry.latencyMs),
    entry.promptTokens,
    entry.completionTokens,
    entry.cachedTokens,
    entry.reasoningTokens,
    entry.usageSource,
    entry.costMicro,
    entry.errorCode,
    entry.errorMessage?.slice(0, 1000) ?? null,
    entry.responseId ?? null,
    entry.modelRule ?? null,
    entry.imageCount ?? 0,
    entry.imageTier ?? null,
    entry.createdAt,
    entry.orgId ?? null,
  ];
}

const requestLogInsertHead = `INSERT INTO request_logs (${requestLogColumns.map(([name]) => name).join(', ')})`;
const insertRequestLogSql = `${requestLogInsertHead} VALUES (${requestLogColumns.map(() => '?').join(', ')})`;

export async function insertRequestLog(db: Queryable, entry: RequestLogEntry): Promise<void> {
  await db.run(insertRequestLogSql, requestLogValues(entry));
}

/** Log rows given as their values (`requestLogValues`), in multi-row INSERTs. */
export function insertRequestLogRows(db: Queryable, rows: readonly (readonly SqlParam[])[]): Promise<void> {
  return insertRows(db, requestLogInsertHead, requestLogColumns.length, rows);
}

export function listRequestLogs(db: Queryable, userId: string, limit = 100): Promise<RequestLogRow[]> {
  return db.all<RequestLogRow>(
    'SELECT * FROM request_logs WHERE user_id = ? ORDER BY created_at DESC, id DESC LIMIT ?',
    [userId, limit],
  );
}

/** Who created a stored upstream answer, and through which provider (another user's is not found). */
export function findAnswerOwner(
  db: Queryable,
  userId: string,
  responseId: string,
): Promise<{ provider: string | null; upstream_model: string | null } | undefined> {
  return db.get(
    'SELECT provider, upstream_model FROM request_logs WHERE response_id = ? AND user_id = ? LIMIT 1',
    [responseId, userId],
  );
}

export interface AttemptRow {
  request_id: string;
  attempt: number;
  provider: string;
  model: string;
  status: number | null;
  latency_ms: number;
  cause: string;
}

/** Every upstream try of one request (target, status, latency, why it moved on). */
/** One upstream try, as the request's attempts table records it. */
export interface AttemptEntry {
  provider: string;
  model: string;
  status: number | null;
  latencyMs: number;
  cause: string;
}

/** A request's attempts as `request_attempts` rows, in its column order (attempt numbers from 1). */
export function attemptValues(requestId: string, attempts: readonly AttemptEntry[]): SqlParam[][] {
  return attempts.map((attempt, index) => [
    requestId,
    index + 1,
    attempt.provider,
    attempt.model,
    attempt.status,
    attempt.latencyMs,
    attempt.cause,
  ]);
}

const attemptInsertHead =
  'INSERT INTO request_attempts (request_id, attempt, provider, model, status, latency_ms, cause)';

/** Attempt rows given as their values (`attemptValues`), in multi-row INSERTs. */
export function insertAttemptRows(db: Queryable, rows: readonly (readonly SqlParam[])[]): Promise<void> {
  return insertRows(db, attemptInsertHead, 7, rows);
}

export function insertAttempts(
  db: Queryable,
  requestId: string,
  attempts: readonly AttemptEntry[],
): Promise<void> {
  return insertAttemptRows(db, attemptValues(requestId, attempts));
}

export function listAttempts(db: Queryable, requestId: string): Promise<AttemptRow[]> {
  return db.all<AttemptRow>('SELECT * FROM request_attempts WHERE request_id = ? ORDER BY attempt', [
    requestId,
  ]);
}
