export { type CheckoutDeps, type StartedCheckout, startCheckout } from './checkout.ts';
export { listPayments, type PaymentRow, type PaymentStatus } from './payments-store.ts';
export { createStripeClient } from './stripe-client.ts';
export { handleStripeWebhook, type WebhookDeps, type WebhookOutcome } from './stripe-webhook.ts';
