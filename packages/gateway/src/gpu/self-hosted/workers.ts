import { randomBytes } from 'node:crypto';
import { hashesEqual, hashKey } from '../../accounts/index.ts';
import type { Database, Queryable } from '../../db/index.ts';
import { newId } from '../../ids.ts';

/** A registered worker: one box (or one container) pulling tasks for the endpoints it serves. */
export interface WorkerRecord {
  id: string;
  token_id: string;
  name: string;
  image: string | null;
  /** JSON array of endpoint ids: catalogue names (`sdxl`) and `image:<docker image>`. */
  serves: string;
  secret_hash: string;
  state: 'live' | 'dead';
  registered_at: number;
  last_seen_at: number;
}

/** The endpoint id a deployment of `dockerImage` gets on this backend. */
export const imageEndpoint = (dockerImage: string): string => `image:${dockerImage}`;

export function servedEndpoints(worker: Pick<WorkerRecord, 'serves'>): string[] {
  try {
    const parsed: unknown = JSON.parse(worker.serves);
    return Array.isArray(parsed) ? parsed.filter((entry): entry is string => typeof entry === 'string') : [];
  } catch {
    return [];
  }
}

/** Registers a worker under a token; the session secret (raw `Authorization` on every worker call) is returned once. */
export async function registerWorker(
  db: Database,
  input: { tokenId: string; name: string; image: string | null; serves: string[] },
): Promise<{ worker: WorkerRecord; secret: string }> {
  const secret = `gws_${randomBytes(32).toString('base64url')}`;
  const now = Date.now();
  const serves = [...new Set([...input.serves, ...(input.image ? [imageEndpoint(input.image)] : [])])];
  const worker: WorkerRecord = {
    id: newId('gw'),
    token_id: input.tokenId,
    name: input.name,
    image: input.image,
    serves: JSON.stringify(serves),
    secret_hash: hashKey(secret),
    state: 'live',
    registered_at: now,
    last_seen_at: now,
  };
  await db.run(
    `INSERT INTO gpu_workers (id, token_id, name, image, serves, secret_hash, state, registered_at, last_seen_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      worker.id,
      worker.token_id,
      worker.name,
      worker.image,
      worker.serves,
      worker.secret_hash,
      worker.state,
      worker.registered_at,
      worker.last_seen_at,
    ],
  );
  return { worker, secret };
}

/**
 * The worker a request claims to be, when its session secret matches (constant time) and the
 * token that registered it is still live. Seeing it counts as a heartbeat: a worker declared
 * dead that speaks again is live again (its lost task has already been requeued or failed).
 */
export async function authenticateWorker(
  db: Database,
  workerId: string,
  secret: string | undefined,
): Promise<WorkerRecord | undefined> {
  if (!secret) return undefined;
  const worker = await db.get<WorkerRecord & { revoked_at: number | null }>(
    `SELECT w.*, t.revoked_at FROM gpu_workers w JOIN gpu_worker_tokens t ON t.id = w.token_id WHERE w.id = ?`,
    [workerId],
  );
  if (!worker || !hashesEqual(worker.secret_hash, hashKey(secret)) || worker.revoked_at !== null)
    return undefined;
  const now = Date.now();
  await db.run("UPDATE gpu_workers SET last_seen_at = ?, state = 'live' WHERE id = ?", [now, worker.id]);
  return { ...worker, state: 'live', last_seen_at: now };
}

/** Workers heard from within the last 3 ping intervals. */
export function liveWorkers(db: Queryable, now: number, pingIntervalMs: number): Promise<WorkerRecord[]> {
  return db.all<WorkerRecord>("SELECT * FROM gpu_workers WHERE state = 'live' AND last_seen_at >= ?", [
    now - 3 * pingIntervalMs,
  ]);
}
