import type { FastifyInstance } from 'fastify';
import { handleStripeWebhook } from '../../payments/index.ts';
import type { Services } from '../services.ts';

export const stripeWebhookPath = '/webhooks/stripe';

/**
 * Stripe's webhook endpoint (register its URL, `<public URL>/webhooks/stripe`, in the
 * Stripe dashboard for checkout.session.completed, checkout.session.async_payment_succeeded,
 * checkout.session.async_payment_failed, checkout.session.expired and charge.refunded).
 * No session or key: the `Stripe-Signature` header over the raw body is the authentication.
 * Exists only when top-ups are configured.
 */
export function registerStripeWebhookRoute(app: FastifyInstance, services: Services): void {
  const { stripe } = services;
  const settings = services.config.payments.stripe;
  if (!stripe || !settings) return;
  app.post(stripeWebhookPath, async (request) => {
    const body = request.body as { text?: string } | undefined;
    const signature = request.headers['stripe-signature'];
    const outcome = await handleStripeWebhook(
      { db: services.db, stripe, webhookSecret: settings.webhookSecret, logger: services.logger },
      body?.text ?? '',
      Array.isArray(signature) ? signature[0] : signature,
    );
    return { received: true, ...outcome };
  });
}
