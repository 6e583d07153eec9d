import { createHash } from 'node:crypto';
import type { Database, Queryable, SqlParam } from '../db/index.ts';
import { newId } from '../ids.ts';

/** Whose trail a row belongs to: an org's, or a personal account's. */
export type AuditScope = { orgId: string } | { userId: string };

export interface AuditInput {
  scope: AuditScope;
  /** The user who acted (null: the operator, via CLI or the admin API). */
  actorId: string | null;
  /** Dotted verb, e.g. `member.role_changed`, `key.created`, `sso.updated`. */
  action: string;
  targetType?: string | undefined;
  targetId?: string | undefined;
  before?: unknown;
  after?: unknown;
  ip?: string | null | undefined;
  userAgent?: string | null | undefined;
}

export interface AuditEntry {
  seq: number;
  id: string;
  orgId: string | null;
  userId: string | null;
  actorId: string | null;
  actorEmail: string | null;
  action: string;
  targetType: string | null;
  targetId: string | null;
  before: unknown;
  after: unknown;
  ip: string | null;
  userAgent: string | null;
  createdAt: number;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  seq: number;
  id: string;
  org_id: string | null;
  user_id: string | null;
  actor_id: string | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  before_json: string | null;
  after_json: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: number;
  prev_hash: string;
  hash: string;
}

/** The hash before the first row. */
export const genesisHash = '0'.repeat(64);

/**
 * SHA-256 over every column but the hash itself, length-prefixed so no two rows can
 * serialise alike, and over the previous row's hash: editing, deleting or reordering
 * any row breaks every hash after it.
 */
export function rowHash(row: Omit<AuditRow, 'hash'>): string {
  const fields: (string | number | null)[] = [
    Number(row.seq),
    row.id,
    row.org_id,
    row.user_id,
    row.actor_id,
    row.action,
    row.target_type,
    row.target_id,
    row.before_json,
    row.after_json,
    row.ip,
    row.user_agent,
    Number(row.created_at),
    row.prev_hash,
  ];
  const hash = createHash('sha256');
  for (const field of fields) {
    const text = field === null ? '\u0000null' : String(field);
    hash.update(`${Buffer.byteLength(text)}:${text}\n`);
  }
  return hash.digest('hex');
}

const json = (value: unknown) => (value === undefined ? null : JSON.stringify(value));

/**
 * Appends one row to the single, global hash chain. `seq` is the primary key, so two
 * writers racing for the same position cannot both commit: the loser retries on the new tip.
 */
export async function recordAudit(db: Database, input: AuditInput): Promise<AuditEntry> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await db.transaction((tx) => appendAudit(tx, input));
    } catch (error) {
      if (attempt >= 8 || !/unique|duplicate|constraint/i.test(String((error as Error).message))) throw error;
    }
  }
}

/** The same append inside a caller's transaction (so the audit row commits with the change). */
export async function appendAudit(tx: Queryable, input: AuditInput): Promise<AuditEntry> {
  const tip = await tx.get<{ seq: number; hash: string }>(
    'SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1',
  );
  const base: Omit<AuditRow, 'hash'> = {
    seq: tip ? Number(tip.seq) + 1 : 1,
    id: newId('aud'),
    org_id: 'orgId' in input.scope ? input.scope.orgId : null,
    user_id: 'userId' in input.scope ? input.scope.userId : null,
    actor_id: input.actorId,
    action: input.action,
    target_type: input.targetType ?? null,
    target_id: input.targetId ?? null,
    before_json: json(input.before),
    after_json: json(input.after),
    ip: input.ip ?? null,
    user_agent: input.userAgent?.slice(0, 512) ?? null,
    created_at: Date.now(),
    prev_hash: tip?.hash ?? genesisHash,
  };
  const row: AuditRow = { ...base, hash: rowHash(base) };
  await tx.run(
    `INSERT INTO audit_log (seq, id, org_id, user_id, actor_id, action, target_type, target_id, before_json, after_json, ip, user_agent, created_at, prev_hash, hash)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      row.seq,
      row.id,
      row.org_id,
      row.user_id,
      row.actor_id,
      row.action,
      row.target_type,
      row.target_id,
      row.before_json,
      row.after_json,
      row.ip,
      row.user_agent,
      row.created_at,
      row.prev_hash,
      row.hash,
    ],
  );
  return toEntry({ ...row, actor_email: null });
}

const parse = (text: string | null): unknown => {
  if (text === null) return null;
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
};

function toEntry(row: AuditRow & { actor_email: string | null }): AuditEntry {
  return {
    seq: Number(row.seq),
    id: row.id,
    orgId: row.org_id,
    userId: row.user_id,
    actorId: row.actor_id,
    actorEmail: row.actor_email,
    action: row.action,
    targetType: row.target_type,
    targetId: row.target_id,
    before: parse(row.before_json),
    after: parse(row.after_json),
    ip: row.ip,
    userAgent: row.user_agent,
    createdAt: Number(row.created_at),
    prevHash: row.prev_hash,
    hash: row.hash,
  };
}

export interface AuditFilter {
  scope: AuditScope;
  action?: string | undefined;
  actorId?: string | undefined;
  sinceMs?: number | undefined;
  untilMs?: number | undefined;
  /** Page back from this sequence number (exclusive). */
  beforeSeq?: number | undefined;
  limit?: number | undefined;
}

/** Newest first, paged by `beforeSeq`. */
export async function listAudit(db: Queryable, filter: AuditFilter): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: SqlParam[] = [];
  if ('orgId' in filter.scope) {
    where.push('a.org_id = ?');
    params.push(filter.scope.orgId);
  } else {
    where.push('a.user_id = ?');
    params.push(filter.scope.userId);
  }
  if (filter.action) {
    // A prefix filters a family: `member` matches member.invited, member.role_changed…
    where.push('(a.action = ? OR a.action LIKE ?)');
    params.push(filter.action, `${filter.action.replace(/[%_]/g, '')}.%`);
  }
  if (filter.actorId) {
    where.push('a.actor_id = ?');
    params.push(filter.actorId);
  }
  if (filter.sinceMs !== undefined) {
    where.push('a.created_at >= ?');
    params.push(filter.sinceMs);
  }
  if (filter.untilMs !== undefined) {
    where.push('a.created_at < ?');
    params.push(filter.untilMs);
  }
  if (filter.beforeSeq !== undefined) {
    where.push('a.seq < ?');
    params.push(filter.beforeSeq);
  }
  params.push(Math.min(Math.max(filter.limit ?? 50, 1), 10_000));
  const rows = await db.all<AuditRow & { actor_email: string | null }>(
    `SELECT a.*, u.email AS actor_email FROM audit_log a LEFT JOIN users u ON u.id = a.actor_id
     WHERE ${where.join(' AND ')} ORDER BY a.seq DESC LIMIT ?`,
    params,
  );
  return rows.map(toEntry);
}

export interface ChainReport {
  ok: boolean;
  rows: number;
  /** The first row whose hash or link does not verify. */
  brokenAt?: { seq: number; reason: string } | undefined;
}

/** Walks the whole chain in order, a page at a time. */
export async function verifyAuditChain(db: Queryable): Promise<ChainReport> {
  let previous = genesisHash;
  let expectedSeq = 1;
  let rows = 0;
  for (;;) {
    const page = await db.all<AuditRow>('SELECT * FROM audit_log WHERE seq >= ? ORDER BY seq LIMIT 1000', [
      expectedSeq,
    ]);
    for (const row of page) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq)
        return { ok: false, rows, brokenAt: { seq: expectedSeq, reason: 'row missing' } };
      if (row.prev_hash !== previous)
        return { ok: false, rows, brokenAt: { seq, reason: 'link to previous row broken' } };
      const { hash, ...rest } = row;
      if (rowHash(rest) !== hash)
        return { ok: false, rows, brokenAt: { seq, reason: 'row content altered' } };
      previous = hash;
      expectedSeq++;
      rows++;
    }
    if (page.length < 1000) break;
  }
  const count = await db.get<{ n: number }>('SELECT COUNT(*) AS n FROM audit_log');
  if (Number(count?.n ?? 0) !== rows) {
    return { ok: false, rows, brokenAt: { seq: expectedSeq, reason: 'rows out of sequence' } };
  }
  return { ok: true, rows };
}
