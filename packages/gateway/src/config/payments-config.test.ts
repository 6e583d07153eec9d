import { describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.ts';

const load = (inline: unknown, env: Record<string, string> = {}) => loadConfig({ inline, env, cwd: '/tmp' });

describe('payments config', () => {
  it('is off by default, with the contract minimum of 200 credits and presets inside the limits', () => {
    const { payments } = load({});
    expect(payments).toEqual({
      stripe: undefined,
      currency: 'usd',
      minimumCredits: 200,
      maximumCredits: 100_000,
      presetCredits: [500, 1000, 2500, 10_000],
    });
  });

  it('takes the secrets from the environment over the file, and env references in the file', () => {
    const file = {
      payments: {
        stripe: {
          // biome-ignore lint/suspicious/noTemplateCurlyInString: the config file's own ${VAR} syntax
          secretKey: '${MY_STRIPE_KEY}',
          webhookSecret: 'whsec_file',
          apiBase: 'http://127.0.0.1:12111/',
        },
        currency: 'EUR',
        maximumCredits: 5000,
        presetCredits: [200, 1000, 9000],
      },
    };
    const { payments } = load(file, { MY_STRIPE_KEY: 'sk_test_file', STRIPE_WEBHOOK_SECRET: 'whsec_env' });
    expect(payments.stripe).toEqual({
      secretKey: 'sk_test_file',
      webhookSecret: 'whsec_env',
      apiBase: 'http://127.0.0.1:12111',
    });
    expect(payments.currency).toBe('eur');
    expect(payments.presetCredits).toEqual([200, 1000]);
  });

  it('names what is wrong: half the secrets, a zero-decimal currency, a minimum below $2, a bad API base', () => {
    expect(() => load({}, { STRIPE_WEBHOOK_SECRET: 'whsec_x' })).toThrow(/set both STRIPE_SECRET_KEY/);
    expect(() => load({}, { STRIPE_CURRENCY: 'jpy' })).toThrow(/two-decimal/);
    expect(() => load({ payments: { minimumCredits: 100 } })).toThrow(/at least 200 credits/);
    expect(() =>
      load({}, { STRIPE_SECRET_KEY: 'sk', STRIPE_WEBHOOK_SECRET: 'wh', STRIPE_API_BASE: 'ftp://x/v1' }),
    ).toThrow(/apiBase/);
    expect(() => load({ payments: { minimumCredits: 500, maximumCredits: 300 } })).toThrow(
      /below minimumCredits/,
    );
  });
});
