import type Stripe from 'stripe';
import { creditsToMicro } from '../billing/index.ts';
import type { PaymentsConfig } from '../config/payments-config.ts';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { attachSession, createPayment, setStatus } from './payments-store.ts';

export interface CheckoutDeps {
  db: Database;
  stripe: Stripe;
  config: PaymentsConfig;
}

export interface StartedCheckout {
  paymentId: string;
  sessionId: string;
  /** Stripe's hosted checkout page: the browser goes here. */
  url: string;
}

/** Metadata keys on the Session (and its PaymentIntent) that tie a payment back to us. */
export const paymentIdKey = 'hypereal_payment_id';
export const userIdKey = 'hypereal_user_id';
export const checkoutsPerHour = 20;

/**
 * Opens a Checkout Session in payment mode for `credits` credits
 * (https://docs.stripe.com/api/checkout/sessions/create): one line item priced in the
 * configured currency, 1 credit = 1 minor unit (100 credits = 1.00). The payment row is
 * written first, so the session's metadata can name it, and its id is the idempotency
 * key, so an SDK retry never opens a second session (https://docs.stripe.com/api/idempotent_requests).
 */
export async function startCheckout(
  deps: CheckoutDeps,
  input: { userId: string; email: string; credits: number; baseUrl: string },
): Promise<StartedCheckout> {
  const { config } = deps;
  if (!Number.isInteger(input.credits) || input.credits < config.minimumCredits) {
    throw new GatewayError('invalid_request', {
      message: `A top-up is at least ${config.minimumCredits} credits (${money(config.minimumCredits, config.currency)}).`,
      param: 'amount',
    });
  }
  if (input.credits > config.maximumCredits) {
    throw new GatewayError('invalid_request', {
      message: `A top-up is at most ${config.maximumCredits} credits (${money(config.maximumCredits, config.currency)}).`,
      param: 'amount',
    });
  }
  // Each checkout is a Stripe API call and a row: bound how fast one user can open them.
  const recent = await deps.db.get<{ count: number }>(
    'SELECT COUNT(*) AS count FROM payments WHERE user_id = ? AND created_at > ?',
    [input.userId, Date.now() - 3600_000],
  );
  if (Number(recent?.count ?? 0) >= checkoutsPerHour) {
    throw new GatewayError('rate_limited', {
      message: `At most ${checkoutsPerHour} checkouts an hour; finish or wait for an open one.`,
      headers: { 'retry-after': '600' },
    });
  }
  const payment = await createPayment(deps.db, {
    userId: input.userId,
    creditsMicro: creditsToMicro(input.credits),
    amountMinor: input.credits,
    currency: config.currency,
  });
  const metadata = { [paymentIdKey]: payment.id, [userIdKey]: input.userId };
  let session: Stripe.Checkout.Session;
  try {
    session = await deps.stripe.checkout.sessions.create(
      {
        mode: 'payment',
        client_reference_id: input.userId,
        customer_email: input.email,
        metadata,
        // Stripe emails its own receipt when receipts are on in the account's settings.
        payment_intent_data: { metadata, receipt_email: input.email },
        line_items: [
          {
            quantity: 1,
            price_data: {
              currency: config.currency,
              unit_amount: payment.amount_minor,
              product_data: { name: `${input.credits.toLocaleString('en-US')} Hypereal credits` },
            },
          },
        ],
        success_url: `${input.baseUrl}/credits?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
        cancel_url: `${input.baseUrl}/credits?checkout=cancelled`,
      },
      { idempotencyKey: `topup_${payment.id}` },
    );
  } catch (error) {
    await setStatus(deps.db, payment.id, 'error', ['created']);
    throw new GatewayError('payment_provider_error', {
      message: `Stripe did not open a checkout: ${(error as Error).message}`,
      cause: error,
    });
  }
  if (!session.url) {
    await setStatus(deps.db, payment.id, 'error', ['created']);
    throw new GatewayError('payment_provider_error', { message: 'Stripe returned a session without a URL.' });
  }
  await attachSession(deps.db, payment.id, session.id);
  return { paymentId: payment.id, sessionId: session.id, url: session.url };
}

export function money(minor: number, currency: string): string {
  return `${(minor / 100).toFixed(2)} ${currency.toUpperCase()}`;
}
