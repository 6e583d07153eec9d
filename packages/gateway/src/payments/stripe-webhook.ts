import type Stripe from 'stripe';
import * as z from 'zod';
import type { Database, Queryable } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { money, paymentIdKey } from './checkout.ts';
import {
  claimEvent,
  eventSeen,
  getPayment,
  grantPayment,
  type PaymentRow,
  recordRefundTotal,
  setEventOutcome,
  setStatus,
  settleClawback,
} from './payments-store.ts';

export interface WebhookDeps {
  db: Database;
  stripe: Stripe;
  webhookSecret: string;
  logger: { error(object: object, message: string): void };
  /** Seconds a signature stays valid; Stripe's libraries use 300 (https://docs.stripe.com/webhooks#replay-attacks). */
  toleranceSeconds?: number;
}

export type WebhookOutcome =
  | 'granted'
  | 'already_granted'
  | 'duplicate'
  | 'processing'
  | 'not_paid'
  | 'failed'
  | 'expired'
  | 'refunded'
  | 'unmatched_refund'
  | 'mismatch'
  | 'ignored';

const provider = 'stripe';

/** https://docs.stripe.com/api/events/object — only what is read, lenient about the rest. */
const eventSchema = z.looseObject({
  id: z.string().min(1),
  type: z.string().min(1),
  data: z.looseObject({ object: z.unknown() }),
});

const expandable = z.union([z.string(), z.looseObject({ id: z.string() })]).nullish();
const idOf = (value: z.infer<typeof expandable>): string | null =>
  value == null ? null : typeof value === 'string' ? value : value.id;

/** https://docs.stripe.com/api/checkout/sessions/object */
const sessionSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('checkout.session'),
  payment_status: z.string(),
  amount_total: z.number().int().nullish(),
  currency: z.string().nullish(),
  client_reference_id: z.string().nullish(),
  metadata: z.record(z.string(), z.string()).nullish(),
  payment_intent: expandable,
});
type SessionData = z.infer<typeof sessionSchema>;

/** https://docs.stripe.com/api/charges/object */
const chargeSchema = z.looseObject({
  id: z.string().min(1),
  object: z.literal('charge'),
  amount_refunded: z.number().int().nonnegative(),
  payment_intent: expandable,
});

/**
 * Verifies `Stripe-Signature` on the raw body with the SDK
 * (https://docs.stripe.com/webhooks#verify-events), then applies the event exactly once:
 * every effect commits in the transaction that records the event id, so a replayed,
 * duplicated or concurrent delivery (on any replica) finds the id taken and does nothing,
 * and grants are additionally guarded per payment (a second event for the same session —
 * `completed` then `async_payment_succeeded` — grants nothing more).
 */
export async function handleStripeWebhook(
  deps: WebhookDeps,
  rawBody: string,
  signature: string | undefined,
): Promise<{ eventId: string; type: string; outcome: WebhookOutcome }> {
  let verified: unknown;
  try {
    verified = deps.stripe.webhooks.constructEvent(
      rawBody,
      signature ?? '',
      deps.webhookSecret,
      deps.toleranceSeconds ?? 300,
    );
  } catch (error) {
    throw new GatewayError('invalid_signature', {
      message: `Stripe-Signature does not verify: ${(error as Error).message}`,
    });
  }
  const parsedEvent = eventSchema.safeParse(verified);
  if (!parsedEvent.success) {
    throw new GatewayError('invalid_request', { message: 'Not a Stripe event object.' });
  }
  const event = parsedEvent.data;
  const result = (outcome: WebhookOutcome) => ({ eventId: event.id, type: event.type, outcome });
  if (await eventSeen(deps.db, provider, event.id)) return result('duplicate');

  const record = (tx: Queryable, outcome: WebhookOutcome, extra: { paymentId?: string | null } = {}) =>
    claimEvent(tx, { provider, eventId: event.id, type: event.type, outcome, ...extra });
  const onlyRecord = async (outcome: WebhookOutcome) =>
    result((await deps.db.transaction((tx) => record(tx, outcome))) ? outcome : 'duplicate');

  switch (event.type) {
    case 'checkout.session.completed':
    case 'checkout.session.async_payment_succeeded':
    case 'checkout.session.async_payment_failed':
    case 'checkout.session.expired': {
      const session = sessionSchema.safeParse(event.data.object);
      const paymentId = session.success ? session.data.metadata?.[paymentIdKey] : undefined;
      if (!session.success || !paymentId) return onlyRecord('ignored');
      return result(await applySessionEvent(deps, event, session.data, paymentId, record));
    }
    case 'charge.refunded': {
      const charge = chargeSchema.safeParse(event.data.object);
      const intent = charge.success ? idOf(charge.data.payment_intent) : null;
      if (!charge.success || !intent) return onlyRecord('ignored');
      const outcome = await deps.db.transaction(async (tx): Promise<WebhookOutcome> => {
        const payment = await tx.get<{ id: string }>(
          "SELECT id FROM payments WHERE provider = 'stripe' AND payment_intent_id = ?",
          [intent],
        );
        if (!payment) {
          // Refund seen before the payment it belongs to (out-of-order delivery, or not
          // ours): kept, and applied if that payment is granted later.
          const claimed = await claimEvent(tx, {
            provider,
            eventId: event.id,
            type: event.type,
            outcome: 'unmatched_refund',
            objectId: intent,
            amountMinor: charge.data.amount_refunded,
          });
          return claimed ? 'unmatched_refund' : 'duplicate';
        }
        if (!(await record(tx, 'refunded', { paymentId: payment.id }))) return 'duplicate';
        if (await recordRefundTotal(tx, payment.id, charge.data.amount_refunded)) {
          await settleClawback(tx, payment.id);
        }
        return 'refunded';
      });
      return result(outcome);
    }
    default:
      return onlyRecord('ignored');
  }
}

async function applySessionEvent(
  deps: WebhookDeps,
  event: { id: string; type: string },
  session: SessionData,
  paymentId: string,
  record: (tx: Queryable, outcome: WebhookOutcome, extra?: { paymentId?: string | null }) => Promise<boolean>,
): Promise<WebhookOutcome> {
  const { type } = event;
  const intent = idOf(session.payment_intent);
  const inTx = (fn: (tx: Queryable) => Promise<WebhookOutcome>) => deps.db.transaction(fn);

  if (type === 'checkout.session.async_payment_failed' || type === 'checkout.session.expired') {
    const status = type === 'checkout.session.expired' ? 'expired' : 'failed';
    return inTx(async (tx) => {
      if (!(await record(tx, status, { paymentId }))) return 'duplicate';
      await setStatus(tx, paymentId, status, ['created', 'open', 'processing']);
      await rememberIntent(tx, paymentId, intent);
      return status;
    });
  }
  if (type === 'checkout.session.completed' && session.payment_status !== 'paid') {
    // A delayed method (bank debit): wait for async_payment_succeeded / _failed.
    return inTx(async (tx) => {
      if (!(await record(tx, 'processing', { paymentId }))) return 'duplicate';
      await setStatus(tx, paymentId, 'processing', ['created', 'open']);
      await rememberIntent(tx, paymentId, intent);
      return 'processing';
    });
  }

  // Fulfilment reads the Session back from Stripe (https://docs.stripe.com/checkout/fulfillment):
  // the event may be old or out of order; what counts is the Session's state now.
  let fresh: SessionData;
  try {
    fresh = sessionSchema.parse(await deps.stripe.checkout.sessions.retrieve(session.id));
  } catch (error) {
    // Not recorded: Stripe redelivers on a non-2xx answer.
    throw new GatewayError('payment_provider_error', {
      message: `Could not read checkout session ${session.id} back from Stripe: ${(error as Error).message}`,
      cause: error,
    });
  }
  return inTx(async (tx) => {
    if (!(await record(tx, 'granted', { paymentId }))) return 'duplicate';
    const outcomeOf = async (outcome: WebhookOutcome) => {
      await setEventOutcome(tx, provider, event.id, outcome, paymentId);
      return outcome;
    };
    const payment = await getPayment(tx, paymentId);
    if (!payment) return outcomeOf('ignored');
    if (payment.paid_at !== null) return outcomeOf('already_granted');
    if (payment.status === 'mismatch') return outcomeOf('mismatch');
    if (fresh.payment_status !== 'paid') return outcomeOf('not_paid');
    const problem = mismatch(payment, fresh);
    if (problem) {
      await setStatus(tx, payment.id, 'mismatch', [
        'created',
        'open',
        'processing',
        'expired',
        'failed',
        'error',
      ]);
      deps.logger.error(
        { paymentId: payment.id, sessionId: fresh.id, problem },
        'paid Stripe session does not match its payment; no credits granted',
      );
      return outcomeOf('mismatch');
    }
    const paidIntent = idOf(fresh.payment_intent) ?? intent;
    const entryId = await grantPayment(
      tx,
      payment,
      paidIntent,
      `Top-up ${money(payment.amount_minor, payment.currency)} by card (Stripe)`,
    );
    if (!entryId) return outcomeOf('already_granted');
    // A refund that arrived before this grant (out of order, or while a delayed method
    // was settling) is clawed back now.
    if (paidIntent) {
      const early = await tx.get<{ amount: number | null }>(
        "SELECT MAX(amount_minor) AS amount FROM payment_events WHERE provider = 'stripe' AND outcome = 'unmatched_refund' AND object_id = ?",
        [paidIntent],
      );
      if (early?.amount != null) await recordRefundTotal(tx, payment.id, Number(early.amount));
    }
    await settleClawback(tx, payment.id);
    return 'granted';
  });
}

function mismatch(payment: PaymentRow, session: SessionData): string | null {
  if (session.amount_total !== payment.amount_minor) {
    return `amount_total ${session.amount_total} ≠ ${payment.amount_minor}`;
  }
  if ((session.currency ?? '').toLowerCase() !== payment.currency) {
    return `currency ${session.currency} ≠ ${payment.currency}`;
  }
  if (session.client_reference_id != null && session.client_reference_id !== payment.user_id) {
    return `client_reference_id ${session.client_reference_id} ≠ ${payment.user_id}`;
  }
  if (payment.checkout_session_id !== null && payment.checkout_session_id !== session.id) {
    return `session ${session.id} ≠ ${payment.checkout_session_id}`;
  }
  return null;
}

async function rememberIntent(tx: Queryable, paymentId: string, intent: string | null): Promise<void> {
  if (!intent) return;
  await tx.run('UPDATE payments SET payment_intent_id = COALESCE(payment_intent_id, ?) WHERE id = ?', [
    intent,
    paymentId,
  ]);
}
