import { ConfigError } from './config-error.ts';
import type { PaymentsConfigFile } from './payments-schema.ts';

export interface StripeSettings {
  secretKey: string;
  webhookSecret: string;
  /** Unset: api.stripe.com. */
  apiBase: string | undefined;
}

export interface PaymentsConfig {
  /** Unset when either secret is missing: top-ups are off, redeem codes still work. */
  stripe: StripeSettings | undefined;
  currency: string;
  minimumCredits: number;
  maximumCredits: number;
  presetCredits: readonly number[];
}

/** Zero-decimal currencies (https://docs.stripe.com/currencies#zero-decimal) break 100 credits = 1.00. */
const zeroDecimal = new Set([
  'bif',
  'clp',
  'djf',
  'gnf',
  'jpy',
  'kmf',
  'krw',
  'mga',
  'pyg',
  'rwf',
  'ugx',
  'vnd',
  'vuv',
  'xaf',
  'xof',
  'xpf',
]);

export function buildPaymentsConfig(
  file: PaymentsConfigFile | undefined,
  env: NodeJS.ProcessEnv,
  source: string,
  interpolate: (value: string | undefined, env: NodeJS.ProcessEnv) => string | undefined,
): PaymentsConfig {
  const secretKey = env['STRIPE_SECRET_KEY'] || interpolate(file?.stripe?.secretKey, env) || undefined;
  const webhookSecret =
    env['STRIPE_WEBHOOK_SECRET'] || interpolate(file?.stripe?.webhookSecret, env) || undefined;
  const apiBase = env['STRIPE_API_BASE'] || file?.stripe?.apiBase || undefined;
  if (Boolean(secretKey) !== Boolean(webhookSecret)) {
    throw new ConfigError(
      `${source}: payments.stripe: set both STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET (or neither, to leave top-ups off)`,
    );
  }
  if (apiBase && !/^https?:\/\/[^/]+\/?$/.test(apiBase)) {
    throw new ConfigError(`${source}: payments.stripe.apiBase: expected http(s)://host[:port]`);
  }
  const currency = (env['STRIPE_CURRENCY'] || file?.currency || 'usd').toLowerCase();
  if (!/^[a-z]{3}$/.test(currency) || zeroDecimal.has(currency)) {
    throw new ConfigError(
      `${source}: payments.currency: "${currency}" must be a two-decimal ISO currency (100 credits = 1.00)`,
    );
  }
  const minimumCredits = file?.minimumCredits ?? 200;
  const maximumCredits = file?.maximumCredits ?? 100_000;
  if (maximumCredits < minimumCredits) {
    throw new ConfigError(`${source}: payments.maximumCredits is below minimumCredits`);
  }
  const presets = (file?.presetCredits ?? [500, 1000, 2500, 10_000]).filter(
    (credits) => credits >= minimumCredits && credits <= maximumCredits,
  );
  return {
    stripe:
      secretKey && webhookSecret
        ? { secretKey, webhookSecret, apiBase: apiBase?.replace(/\/$/, '') }
        : undefined,
    currency,
    minimumCredits,
    maximumCredits,
    presetCredits: presets,
  };
}
