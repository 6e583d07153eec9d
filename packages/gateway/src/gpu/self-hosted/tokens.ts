import { randomBytes } from 'node:crypto';
import { hashesEqual, hashKey } from '../../accounts/index.ts';
import type { Database } from '../../db/index.ts';
import { newId } from '../../ids.ts';

/** Operator-issued tokens a GPU box registers with (`gwt_…`). */
export const workerTokenPrefix = 'gwt_';

export interface WorkerTokenRecord {
  id: string;
  name: string;
  /** The first characters of the secret, to tell tokens apart in lists. */
  prefix: string;
  token_hash: string;
  created_at: number;
  last_used_at: number | null;
  revoked_at: number | null;
}

/** What lists and the admin API show: never the hash, never the secret. */
export interface WorkerTokenView {
  id: string;
  object: 'gpu.worker_token';
  name: string;
  prefix: string;
  createdAt: number;
  lastUsedAt: number | null;
  revokedAt: number | null;
}

export function tokenView(record: WorkerTokenRecord): WorkerTokenView {
  return {
    id: record.id,
    object: 'gpu.worker_token',
    name: record.name,
    prefix: record.prefix,
    createdAt: Number(record.created_at),
    lastUsedAt: record.last_used_at === null ? null : Number(record.last_used_at),
    revokedAt: record.revoked_at === null ? null : Number(record.revoked_at),
  };
}

/** A new token: 192 random bits, stored as a SHA-256 hash like API keys; the secret is returned once. */
export async function createWorkerToken(
  db: Database,
  name: string,
): Promise<{ secret: string; record: WorkerTokenRecord }> {
  const secret = workerTokenPrefix + randomBytes(24).toString('base64url');
  const record: WorkerTokenRecord = {
    id: newId('gwtok'),
    name,
    prefix: secret.slice(0, workerTokenPrefix.length + 6),
    token_hash: hashKey(secret),
    created_at: Date.now(),
    last_used_at: null,
    revoked_at: null,
  };
  await db.run(
    'INSERT INTO gpu_worker_tokens (id, name, prefix, token_hash, created_at) VALUES (?, ?, ?, ?, ?)',
    [record.id, record.name, record.prefix, record.token_hash, record.created_at],
  );
  return { secret, record };
}

export function listWorkerTokens(db: Database): Promise<WorkerTokenRecord[]> {
  return db.all<WorkerTokenRecord>('SELECT * FROM gpu_worker_tokens ORDER BY created_at, id');
}

/**
 * Revokes a token (by id or prefix): it registers no more workers, and the workers it
 * registered lose their sessions. False when no live token matches.
 */
export async function revokeWorkerToken(db: Database, idOrPrefix: string): Promise<boolean> {
  const { changes } = await db.run(
    'UPDATE gpu_worker_tokens SET revoked_at = ? WHERE (id = ? OR prefix = ?) AND revoked_at IS NULL',
    [Date.now(), idOrPrefix, idOrPrefix],
  );
  return changes > 0;
}

/** The live token a presented secret belongs to, compared in constant time. */
export async function findLiveToken(db: Database, secret: string): Promise<WorkerTokenRecord | undefined> {
  if (!secret.startsWith(workerTokenPrefix)) return undefined;
  const hash = hashKey(secret);
  const record = await db.get<WorkerTokenRecord>('SELECT * FROM gpu_worker_tokens WHERE token_hash = ?', [
    hash,
  ]);
  if (!record || !hashesEqual(record.token_hash, hash) || record.revoked_at !== null) return undefined;
  await db.run('UPDATE gpu_worker_tokens SET last_used_at = ? WHERE id = ?', [Date.now(), record.id]);
  return record;
}
