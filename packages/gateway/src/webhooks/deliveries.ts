import type { Database, Queryable } from '../db/index.ts';
import { newId } from '../ids.ts';

export interface DeliveryRecord {
  id: string;
  userId: string;
  jobId: string;
  url: string;
  eventType: string;
  payload: string;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: number;
  lastStatus: number | null;
  lastError: string | null;
  createdAt: number;
  deliveredAt: number | null;
}

interface DeliveryRow {
  id: string;
  user_id: string;
  job_id: string;
  url: string;
  event_type: string;
  payload: string;
  state: string;
  attempts: number;
  next_attempt_at: number;
  last_status: number | null;
  last_error: string | null;
  created_at: number;
  delivered_at: number | null;
}

const toDelivery = (row: DeliveryRow): DeliveryRecord => ({
  id: row.id,
  userId: row.user_id,
  jobId: row.job_id,
  url: row.url,
  eventType: row.event_type,
  payload: row.payload,
  state: row.state === 'delivered' || row.state === 'failed' ? row.state : 'pending',
  attempts: Number(row.attempts),
  nextAttemptAt: Number(row.next_attempt_at),
  lastStatus: row.last_status === null ? null : Number(row.last_status),
  lastError: row.last_error,
  createdAt: Number(row.created_at),
  deliveredAt: row.delivered_at === null ? null : Number(row.delivered_at),
});

/** Queues one delivery (inside the transaction that ended the job, so it is never lost). */
export async function enqueueDelivery(
  tx: Queryable,
  input: { userId: string; jobId: string; url: string; eventType: string; payload: string },
): Promise<string> {
  const id = newId('msg');
  const now = Date.now();
  await tx.run(
    `INSERT INTO webhook_deliveries (id, user_id, job_id, url, event_type, payload, state, attempts, next_attempt_at, created_at)
     VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, ?, ?)`,
    [id, input.userId, input.jobId, input.url, input.eventType, input.payload, now, now],
  );
  return id;
}

export async function listDeliveries(
  db: Queryable,
  userId: string,
  filters: { jobId?: string | undefined; limit: number },
): Promise<DeliveryRecord[]> {
  const rows = await db.all<DeliveryRow>(
    `SELECT * FROM webhook_deliveries WHERE user_id = ?${filters.jobId ? ' AND job_id = ?' : ''} ORDER BY id DESC LIMIT ?`,
    [userId, ...(filters.jobId ? [filters.jobId] : []), filters.limit],
  );
  return rows.map(toDelivery);
}

export async function getDelivery(db: Queryable, id: string): Promise<DeliveryRecord | undefined> {
  const row = await db.get<DeliveryRow>('SELECT * FROM webhook_deliveries WHERE id = ?', [id]);
  return row && toDelivery(row);
}

/** Manual redelivery: the same message (same `webhook-id`) is sent again, now. */
export async function redeliver(db: Queryable, id: string): Promise<void> {
  await db.run(
    "UPDATE webhook_deliveries SET state = 'pending', next_attempt_at = ?, lease_until = NULL WHERE id = ?",
    [Date.now(), id],
  );
}

/** Leases due deliveries (SKIP LOCKED on PostgreSQL), as the job engine leases jobs. */
export async function claimDueDeliveries(
  db: Database,
  leaseMs: number,
  limit: number,
  now = Date.now(),
): Promise<DeliveryRecord[]> {
  const lock = db.engine === 'postgres' ? ' FOR UPDATE SKIP LOCKED' : '';
  const rows = await db.transaction((tx) =>
    tx.all<DeliveryRow>(
      `UPDATE webhook_deliveries SET lease_until = ? WHERE id IN (
         SELECT id FROM webhook_deliveries WHERE state = 'pending' AND next_attempt_at <= ?
           AND (lease_until IS NULL OR lease_until < ?) ORDER BY next_attempt_at LIMIT ?${lock})
       RETURNING *`,
      [now + leaseMs, now, now, limit],
    ),
  );
  return rows.map(toDelivery);
}

export async function recordAttempt(
  db: Queryable,
  delivery: DeliveryRecord,
  outcome: { delivered: boolean; status: number | null; error: string | null; nextAttemptAt: number | null },
): Promise<void> {
  const now = Date.now();
  await db.run(
    `UPDATE webhook_deliveries SET attempts = attempts + 1, last_status = ?, last_error = ?, lease_until = NULL,
       state = ?, next_attempt_at = ?, delivered_at = ? WHERE id = ?`,
    [
      outcome.status,
      outcome.error?.slice(0, 500) ?? null,
      outcome.delivered ? 'delivered' : outcome.nextAttemptAt === null ? 'failed' : 'pending',
      outcome.nextAttemptAt ?? now,
      outcome.delivered ? now : null,
      delivery.id,
    ],
  );
}
