import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { findUser } from '../../accounts/index.ts';
import { microToCredits } from '../../billing/index.ts';
import { GatewayError } from '../../errors/index.ts';
import { listPayments, type PaymentRow, startCheckout } from '../../payments/index.ts';
import type { Services } from '../services.ts';
import { validate, validateBody } from '../validate-body.ts';

const checkoutSchema = z.object({ amount: z.number().int().positive() }).strict();
const paymentsQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(20),
  before: z.string().max(64).optional(),
});

/**
 * Card top-ups through Stripe Checkout: what is on offer, opening a checkout, and the
 * signed-in user's payments (the receipts a `topup` ledger line links to).
 */
export function registerTopUpRoutes(app: FastifyInstance, services: Services): void {
  const { db, stripe, config } = services;
  const payments = config.payments;
  const userOf = (request: FastifyRequest) => request.hypereal.session!.userId;

  app.get('/api/credits/topups', async () => ({
    enabled: stripe !== null,
    currency: payments.currency,
    minimum: payments.minimumCredits,
    maximum: payments.maximumCredits,
    presets: payments.presetCredits,
  }));

  app.post('/api/credits/checkout', async (request) => {
    if (!stripe) throw new GatewayError('topups_disabled');
    const input = validateBody(checkoutSchema, request);
    const user = await findUser(db, userOf(request));
    if (!user) throw new GatewayError('not_signed_in');
    const started = await startCheckout(
      { db, stripe, config: payments },
      { userId: user.id, email: user.email, credits: input.amount, baseUrl: baseUrlOf(services, request) },
    );
    return { paymentId: started.paymentId, url: started.url };
  });

  app.get('/api/credits/payments', async (request) => {
    const query = validate(paymentsQuery, request.query);
    const rows = await listPayments(db, userOf(request), query.limit + 1, query.before);
    const page = rows.slice(0, query.limit);
    return {
      data: page.map(paymentView),
      nextBefore: rows.length > query.limit ? page[page.length - 1]!.id : null,
    };
  });
}

function paymentView(row: PaymentRow) {
  return {
    id: row.id,
    provider: row.provider,
    status: row.status,
    credits: microToCredits(row.credits_micro),
    amount: row.amount_minor / 100,
    currency: row.currency,
    refunded: row.refunded_minor / 100,
    creditsClawedBack: microToCredits(row.clawed_back_micro),
    checkoutSessionId: row.checkout_session_id,
    paymentIntentId: row.payment_intent_id,
    ledgerEntryId: row.ledger_entry_id,
    createdAt: row.created_at,
    paidAt: row.paid_at,
  };
}

/** Where Checkout sends the browser back: the public URL, else the host this request came to. */
function baseUrlOf(services: Services, request: FastifyRequest): string {
  const configured = services.config.publicUrl;
  if (configured) return configured.replace(/\/$/, '');
  return `${request.protocol}://${request.headers.host}`;
}
