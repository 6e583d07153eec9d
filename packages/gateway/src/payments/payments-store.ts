import { appendAudit } from '../audit/index.ts';
import { appendEntry } from '../billing/ledger.ts';
import type { Queryable } from '../db/index.ts';
import { newId } from '../ids.ts';

/**
 * One row per checkout: `created` (before Stripe is called) → `open` (session made) →
 * `processing` (completed, delayed method not settled) → `paid` → `partially_refunded` /
 * `refunded`; or `failed`, `expired`, `error` (Stripe refused the session), `mismatch`
 * (the paid session does not match the row; nothing granted, an operator looks).
 */
export type PaymentStatus =
  | 'created'
  | 'open'
  | 'processing'
  | 'paid'
  | 'partially_refunded'
  | 'refunded'
  | 'failed'
  | 'expired'
  | 'error'
  | 'mismatch';

export interface PaymentRow {
  id: string;
  user_id: string;
  provider: string;
  status: PaymentStatus;
  credits_micro: number;
  amount_minor: number;
  currency: string;
  refunded_minor: number;
  clawed_back_micro: number;
  checkout_session_id: string | null;
  payment_intent_id: string | null;
  ledger_entry_id: string | null;
  created_at: number;
  updated_at: number;
  paid_at: number | null;
}

const numeric = [
  'credits_micro',
  'amount_minor',
  'refunded_minor',
  'clawed_back_micro',
  'created_at',
  'updated_at',
] as const;

/** PostgreSQL BIGINTs arrive as strings. */
function normalise(row: PaymentRow): PaymentRow {
  const out = { ...row };
  for (const field of numeric) out[field] = Number(row[field]);
  out.paid_at = row.paid_at === null ? null : Number(row.paid_at);
  return out;
}

export async function createPayment(
  db: Queryable,
  input: { userId: string; creditsMicro: number; amountMinor: number; currency: string },
): Promise<PaymentRow> {
  const now = Date.now();
  const row: PaymentRow = {
    id: newId('pay'),
    user_id: input.userId,
    provider: 'stripe',
    status: 'created',
    credits_micro: input.creditsMicro,
    amount_minor: input.amountMinor,
    currency: input.currency,
    refunded_minor: 0,
    clawed_back_micro: 0,
    checkout_session_id: null,
    payment_intent_id: null,
    ledger_entry_id: null,
    created_at: now,
    updated_at: now,
    paid_at: null,
  };
  await db.run(
    `INSERT INTO payments (id, user_id, provider, status, credits_micro, amount_minor, currency, created_at, updated_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [
      row.id,
      row.user_id,
      row.provider,
      row.status,
      row.credits_micro,
      row.amount_minor,
      row.currency,
      now,
      now,
    ],
  );
  return row;
}

export async function attachSession(db: Queryable, paymentId: string, sessionId: string): Promise<void> {
  await db.run(
    "UPDATE payments SET checkout_session_id = ?, status = 'open', updated_at = ? WHERE id = ? AND status = 'created'",
    [sessionId, Date.now(), paymentId],
  );
}

export async function getPayment(db: Queryable, id: string): Promise<PaymentRow | undefined> {
  const row = await db.get<PaymentRow>('SELECT * FROM payments WHERE id = ?', [id]);
  return row && normalise(row);
}

/** Newest first; ids are time-ordered. */
export async function listPayments(
  db: Queryable,
  userId: string,
  limit: number,
  before?: string,
): Promise<PaymentRow[]> {
  const rows = await db.all<PaymentRow>(
    `SELECT * FROM payments WHERE user_id = ? AND status <> 'created'${before ? ' AND id < ?' : ''} ORDER BY id DESC LIMIT ?`,
    [userId, ...(before ? [before] : []), limit],
  );
  return rows.map(normalise);
}

/** Moves a payment on, never out of a state that already granted or closed it. */
export async function setStatus(
  tx: Queryable,
  paymentId: string,
  status: PaymentStatus,
  from: readonly PaymentStatus[],
): Promise<boolean> {
  const { changes } = await tx.run(
    `UPDATE payments SET status = ?, updated_at = ? WHERE id = ? AND status IN (${from.map(() => '?').join(', ')})`,
    [status, Date.now(), paymentId, ...from],
  );
  return changes > 0;
}

export interface EventRecord {
  provider: string;
  eventId: string;
  type: string;
  outcome: string;
  paymentId?: string | null;
  objectId?: string | null;
  amountMinor?: number | null;
}

/**
 * Claims an event id inside the caller's transaction: false when another delivery (on
 * this replica or another) already claimed it. The primary key makes concurrent claims
 * wait for each other; the loser sees the winner's row and does nothing.
 */
export async function claimEvent(tx: Queryable, event: EventRecord): Promise<boolean> {
  const { changes } = await tx.run(
    `INSERT INTO payment_events (provider, event_id, type, outcome, payment_id, object_id, amount_minor, received_at)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`,
    [
      event.provider,
      event.eventId,
      event.type,
      event.outcome,
      event.paymentId ?? null,
      event.objectId ?? null,
      event.amountMinor ?? null,
      Date.now(),
    ],
  );
  return changes > 0;
}

export async function eventSeen(db: Queryable, provider: string, eventId: string): Promise<boolean> {
  const row = await db.get<{ one: number }>(
    'SELECT 1 AS one FROM payment_events WHERE provider = ? AND event_id = ?',
    [provider, eventId],
  );
  return row !== undefined;
}

export async function setEventOutcome(
  tx: Queryable,
  provider: string,
  eventId: string,
  outcome: string,
  paymentId: string | null,
): Promise<void> {
  await tx.run('UPDATE payment_events SET outcome = ?, payment_id = ? WHERE provider = ? AND event_id = ?', [
    outcome,
    paymentId,
    provider,
    eventId,
  ]);
}

/**
 * Grants a paid payment's credits exactly once: the conditional UPDATE (`paid_at IS
 * NULL`) lets one transaction through; the ledger's unique index on a payment's `topup`
 * entry backs it up. Returns the ledger entry id, or null when it was already granted.
 */
export async function grantPayment(
  tx: Queryable,
  payment: PaymentRow,
  paymentIntentId: string | null,
  description: string,
): Promise<string | null> {
  const now = Date.now();
  const { changes } = await tx.run(
    `UPDATE payments SET status = 'paid', paid_at = ?, updated_at = ?, payment_intent_id = COALESCE(?, payment_intent_id)
     WHERE id = ? AND paid_at IS NULL AND status IN ('created', 'open', 'processing', 'expired', 'failed', 'error')`,
    [now, now, paymentIntentId, payment.id],
  );
  if (changes === 0) return null;
  const entry = await appendEntry(tx, {
    userId: payment.user_id,
    amountMicro: payment.credits_micro,
    kind: 'topup',
    paymentId: payment.id,
    description,
  });
  await tx.run('UPDATE payments SET ledger_entry_id = ? WHERE id = ?', [entry.id, payment.id]);
  // In the same transaction: a credited top-up always has its audit row (actor: the payment provider).
  await appendAudit(tx, {
    scope: { userId: payment.user_id },
    actorId: null,
    action: 'credits.topup',
    targetType: 'payment',
    targetId: payment.id,
    after: {
      creditsMicro: Number(payment.credits_micro),
      ledgerEntryId: entry.id,
      provider: payment.provider,
    },
  });
  return entry.id;
}

/**
 * Records a refund total (cumulative, as Stripe reports `amount_refunded`): only a total
 * above the recorded one counts, so replays and out-of-order partial refunds are no-ops.
 * Returns whether it moved.
 */
export async function recordRefundTotal(
  tx: Queryable,
  paymentId: string,
  refundedMinor: number,
): Promise<boolean> {
  const { changes } = await tx.run(
    'UPDATE payments SET refunded_minor = ?, updated_at = ? WHERE id = ? AND refunded_minor < ?',
    [refundedMinor, Date.now(), paymentId, refundedMinor],
  );
  return changes > 0;
}

/**
 * Brings the credits clawed back in line with the refunded share of a granted payment:
 * pro rata of the credits granted (all of them once fully refunded), each micro-credit
 * once, as one `topup_refund` ledger entry. May take the balance below zero. A payment
 * never granted has nothing to claw back (it is granted net of the refund, if ever).
 */
export async function settleClawback(tx: Queryable, paymentId: string): Promise<number> {
  const row = await tx.get<PaymentRow>('SELECT * FROM payments WHERE id = ?', [paymentId]);
  if (!row) return 0;
  const payment = normalise(row);
  if (payment.paid_at === null || payment.refunded_minor === 0) return 0;
  const fully = payment.refunded_minor >= payment.amount_minor;
  const target = fully
    ? payment.credits_micro
    : Math.floor((payment.credits_micro * payment.refunded_minor) / payment.amount_minor);
  const delta = target - payment.clawed_back_micro;
  const status = fully ? 'refunded' : 'partially_refunded';
  await tx.run('UPDATE payments SET status = ?, clawed_back_micro = clawed_back_micro + ? WHERE id = ?', [
    status,
    Math.max(0, delta),
    paymentId,
  ]);
  if (delta <= 0) return 0;
  await appendEntry(tx, {
    userId: payment.user_id,
    amountMicro: -delta,
    kind: 'topup_refund',
    paymentId,
    description: `Refund of top-up ${paymentId}`,
  });
  await appendAudit(tx, {
    scope: { userId: payment.user_id },
    actorId: null,
    action: 'credits.topup_refunded',
    targetType: 'payment',
    targetId: paymentId,
    after: { clawedBackMicro: delta, status },
  });
  return delta;
}
