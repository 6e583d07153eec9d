import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';

export const keyPrefix = 'ck_';

export interface ApiKeyRecord {
  id: string;
  user_id: string;
  name: string;
  prefix: string;
  key_hash: string;
  created_at: number;
  last_used_at: number | null;
  expires_at: number | null;
  revoked_at: number | null;
}

/** Keys carry 192 random bits, so a fast hash is safe; the secret itself is never stored. */
export function hashKey(secret: string): string {
  return createHash('sha256').update(secret).digest('hex');
}

export function hashesEqual(a: string, b: string): boolean {
  const left = Buffer.from(a, 'hex');
  const right = Buffer.from(b, 'hex');
  return left.length === right.length && timingSafeEqual(left, right);
}

export async function createApiKey(
  db: Database,
  input: { userId: string; name: string; expiresAt?: number | null },
): Promise<{ secret: string; record: ApiKeyRecord }> {
  const secret = keyPrefix + randomBytes(24).toString('base64url');
  const record: ApiKeyRecord = {
    id: newId('key'),
    user_id: input.userId,
    name: input.name,
    prefix: secret.slice(0, keyPrefix.length + 6),
    key_hash: hashKey(secret),
    created_at: Date.now(),
    last_used_at: null,
    expires_at: input.expiresAt ?? null,
    revoked_at: null,
  };
  await db.run(
    `INSERT INTO api_keys (id, user_id, name, prefix, key_hash, created_at, expires_at)
     VALUES (?, ?, ?, ?, ?, ?, ?)`,
    [
      record.id,
      record.user_id,
      record.name,
      record.prefix,
      record.key_hash,
      record.created_at,
      record.expires_at,
    ],
  );
  return { secret, record };
}

export function listApiKeys(db: Database, userId: string): Promise<ApiKeyRecord[]> {
  return db.all<ApiKeyRecord>('SELECT * FROM api_keys WHERE user_id = ? ORDER BY created_at', [userId]);
}

/** Revokes a key of `userId` (another user's key is "not found", never "forbidden"). */
export async function revokeApiKey(
  db: Database,
  userId: string,
  keyIdOrPrefix: string,
): Promise<ApiKeyRecord> {
  const key = await db.get<ApiKeyRecord>(
    'SELECT * FROM api_keys WHERE user_id = ? AND (id = ? OR prefix = ?)',
    [userId, keyIdOrPrefix, keyIdOrPrefix],
  );
  if (!key) throw new GatewayError('not_found', { message: `No such API key: ${keyIdOrPrefix}` });
  await db.run('UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL', [
    Date.now(),
    key.id,
  ]);
  return key;
}

export function findApiKeyByHash(db: Database, keyHash: string): Promise<ApiKeyRecord | undefined> {
  return db.get<ApiKeyRecord>('SELECT * FROM api_keys WHERE key_hash = ?', [keyHash]);
}

export async function touchApiKey(db: Database, keyId: string, at: number): Promise<void> {
  await db.run('UPDATE api_keys SET last_used_at = ? WHERE id = ?', [at, keyId]);
}
