import type Stripe from 'stripe';
import type { StripeSettings } from '../config/payments-config.ts';

/**
 * The official SDK, pointed at `apiBase` when set (a local fake in tests) through its
 * `host` / `port` / `protocol` options (https://github.com/stripe/stripe-node#configuration).
 * Retries are the SDK's own (with an idempotency key on every POST), twice. The SDK (~35 MB
 * resident) is imported only when payments are configured.
 */
export async function createStripeClient(settings: StripeSettings): Promise<Stripe> {
  const base = settings.apiBase ? new URL(settings.apiBase) : undefined;
  const { default: StripeSdk } = await import('stripe');
  return new StripeSdk(settings.secretKey, {
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'Hypereal' },
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === 'https:' ? 443 : 80),
          protocol: base.protocol === 'https:' ? ('https' as const) : ('http' as const),
        }
      : {}),
  });
}
