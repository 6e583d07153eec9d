import { hash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';

export const keyPrefix = 'ck_';

export interface ApiKeyRecord {
  id: string;
  /** The creator; for an org key, the member who created it. */
  user_id: string;
  /** Set for an org key: it spends from the org's wallet. */
  org_id: string | null;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
  spending_limit_micro: number | null;
  auto_disable: number;
  disabled_at: number | null;
  /**
   * `manual`, or `spending_limit` (then only during `disabled_month`). With no reason,
   * `disabled_month` marks a month in which the owner re-enabled the key by hand.
   */
  disabled_reason: string | null;
  disabled_month: string | null;
}

export type KeyState = 'active' | 'disabled' | 'capped' | 'revoked' | 'expired';

/** Calendar month in UTC (`2026-11`): spending limits reset when it changes. */
export function monthOf(at: number): string {
  return new Date(at).toISOString().slice(0, 7);
}

export function keyState(
  key: Pick<ApiKeyRecord, 'revoked_at' | 'expires_at' | 'disabled_reason' | 'disabled_month'>,
  now = Date.now(),
): KeyState {
  if (key.revoked_at !== null) return 'revoked';
  if (key.expires_at !== null && Number(key.expires_at) <= now) return 'expired';
  if (key.disabled_reason === 'manual') return 'disabled';
  if (key.disabled_reason === 'spending_limit' && key.disabled_month === monthOf(now)) return 'capped';
  return 'active';
}

/** Keys carry 192 random bits, so a fast hash is safe; the secret itself is never stored. */
export function hashKey(secret: string): string {
  // One-shot: no Hash object per request (https://nodejs.org/api/crypto.html#cryptohashalgorithm-data-options).
  return hash('sha256', secret, 'hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function createApiKey(
  db: Database,
  input: {
    userId: string;
    orgId?: string | null;
    name: string;
    expiresAt?: number | null;
    spendingLimitMicro?: number | null;
    autoDisable?: boolean;
  },
): Promise<{ secret: string; record: ApiKeyRecord }> {
  const secret = keyPrefix + randomBytes(24).toString('base64url');
  const record: ApiKeyRecord = {
    id: newId('key'),
    user_id: input.userId,
    org_id: input.orgId ?? null,
    name: input.name,
    prefix: secret.slice(0, keyPrefix.length + 6),
    key_hash: hashKey(secret),
    created_at: Date.now(),
    last_used_at: null,
    expires_at: input.expiresAt ?? null,
    revoked_at: null,
    spending_limit_micro: input.spendingLimitMicro ?? null,
    auto_disable: input.autoDisable ? 1 : 0,
    disabled_at: null,
    disabled_reason: null,
    disabled_month: null,
  };
  await db.run(
    `INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at, expires_at, spending_limit_micro, auto_disable, org_id)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      record.id,
      record.user_id,
      record.name,
      record.prefix,
      record.key_hash,
      record.created_at,
      record.expires_at,
      record.spending_limit_micro,
      record.auto_disable,
      record.org_id,
    ],
  );
  return { secret, record };
}

/** The user's personal keys (org keys they created belong to the org). */
export function listApiKeys(db: Database, userId: string): Promise<ApiKeyRecord[]> {
  return db.all<ApiKeyRecord>(
    'SELECT * FROM api_keys WHERE user_id = ? AND org_id IS NULL ORDER BY created_at',
    [userId],
  );
}

export function listOrgApiKeys(db: Database, orgId: string): Promise<ApiKeyRecord[]> {
  return db.all<ApiKeyRecord>('SELECT * FROM api_keys WHERE org_id = ? ORDER BY created_at', [orgId]);
}

/** Whose keys: a user id (their personal keys), or an org's. */
export type KeyOwner = string | { orgId: string };

/**
 * A key of `owner` by id or prefix; another user's or org's key is "not found", never
 * "forbidden". Org keys a user created are the org's, not theirs.
 */
export async function requireApiKey(
  db: Database,
  owner: KeyOwner,
  keyIdOrPrefix: string,
): Promise<ApiKeyRecord> {
  const [where, id] =
    typeof owner === 'string' ? ['user_id = ? AND org_id IS NULL', owner] : ['org_id = ?', owner.orgId];
  const key = await db.get<ApiKeyRecord>(`SELECT * FROM api_keys WHERE ${where} AND (id = ? OR prefix = ?)`, [
    id,
    keyIdOrPrefix,
    keyIdOrPrefix,
  ]);
  if (!key) throw new GatewayError('not_found', { message: `No such API key: ${keyIdOrPrefix}` });
  return key;
}

export async function revokeApiKey(
  db: Database,
  userId: KeyOwner,
  keyIdOrPrefix: string,
): Promise<ApiKeyRecord> {
  const key = await requireApiKey(db, userId, keyIdOrPrefix);
  await db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
    Date.now(),
    key.id,
  ]);
  return requireApiKey(db, userId, key.id);
}

export interface ApiKeyChanges {
  name?: string;
  spendingLimitMicro?: number | null;
  autoDisable?: boolean;
  /** true disables by hand; false re-enables (also a key capped this month). */
  disabled?: boolean;
}

export async function updateApiKey(
  db: Database,
  userId: KeyOwner,
  keyId: string,
  changes: ApiKeyChanges,
): Promise<ApiKeyRecord> {
  const key = await requireApiKey(db, userId, keyId);
  if (key.revoked_at !== null && changes.disabled === false) {
    throw new GatewayError('invalid_request', {
      message: 'A revoked key cannot be re-enabled; create a new one.',
    });
  }
  const sets: string[] = [];
  const params: (string | number | null)[] = [];
  const set = (column: string, value: string | number | null) => {
    sets.push(`${column} = ?`);
    params.push(value);
  };
  if (changes.name !== undefined) set('name', changes.name);
  if (changes.spendingLimitMicro !== undefined) set('spending_limit_micro', changes.spendingLimitMicro);
  if (changes.autoDisable !== undefined) set('auto_disable', changes.autoDisable ? 1 : 0);
  if (changes.disabled === true) {
    set('disabled_at', Date.now());
    set('disabled_reason', 'manual');
    set('disabled_month', null);
  } else if (
    changes.disabled === false ||
    (changes.spendingLimitMicro !== undefined && keyState(key) === 'capped')
  ) {
    // Re-enabled by hand (or given a new limit) this month: auto-disable does not strike again until next month.
    set('disabled_at', null);
    set('disabled_reason', null);
    set('disabled_month', monthOf(Date.now()));
  }
  if (sets.length > 0)
    await db.run(`UPDATE api_keys SET ${sets.join(', ')} WHERE id = ?`, [...params, key.id]);
  return requireApiKey(db, userId, key.id);
}

/** At the hard cap with auto-disable on: the key stops until re-enabled or the month turns. */
export async function capApiKey(db: Database, keyId: string, month: string): Promise<boolean> {
  const { changes } = await db.run(
    `UPDATE api_keys SET disabled_at = ?, disabled_reason = 'spending_limit', disabled_month = ?
     WHERE id = ? AND auto_disable = 1 AND revoked_at IS NULL
       AND ((disabled_reason IS NULL AND (disabled_month IS NULL OR disabled_month <> ?))
         OR (disabled_reason = 'spending_limit' AND disabled_month <> ?))`,
    [Date.now(), month, keyId, month, month],
  );
  return changes > 0;
}

export function findApiKeyByHash(db: Database, keyHash: string): Promise<ApiKeyRecord | undefined> {
  return db.get<ApiKeyRecord>('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
}

export async function touchApiKey(db: Database, keyId: string, at: number): Promise<void> {
  await db.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [at, keyId]);
}
