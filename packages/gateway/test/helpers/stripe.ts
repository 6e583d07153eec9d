import { randomBytes } from 'node:crypto';
import { type FakeStripe, type FakeStripeEvent, startFakeStripe } from '@hypereal/upstream-sim';
import Stripe from 'stripe';
import type { Database } from '../../src/db/index.ts';
import type { Engine } from './databases.ts';
import { type Harness, startHarness } from './harness.ts';

export interface StripeHarness extends Harness {
  fake: FakeStripe;
  webhookSecret: string;
  webhookUrl: string;
  /** Posts an event to the gateway, signed by the SDK's test helper (or as told). */
  deliver(
    event: FakeStripeEvent | string,
    options?: {
      secret?: string;
      timestamp?: number;
      signature?: string | null;
      tamper?: (raw: string) => string;
    },
  ): Promise<{ status: number; body: Record<string, unknown> }>;
}

/** The official SDK, used here only for `webhooks.generateTestHeaderString`. */
const signer = new Stripe('sk_test_signer_only');

export function signStripePayload(payload: string, secret: string, timestamp?: number): string {
  return signer.webhooks.generateTestHeaderString({
    payload,
    secret,
    ...(timestamp === undefined ? {} : { timestamp }),
  });
}

/** A gateway with Stripe top-ups on, its SDK pointed at a fake Stripe on 127.0.0.1. */
export async function startStripeHarness(
  options: {
    engine?: Engine;
    db?: Database;
    env?: Record<string, string>;
    /** Another replica of the same deployment: the same Stripe account and webhook secret. */
    sameStripeAs?: StripeHarness;
  } = {},
): Promise<StripeHarness> {
  const shared = options.sameStripeAs;
  const webhookSecret = shared?.webhookSecret ?? `whsec_${randomBytes(24).toString('base64url')}`;
  const fake =
    shared?.fake ?? (await startFakeStripe({ secretKey: `sk_test_${randomBytes(12).toString('hex')}` }));
  const secretKey = fake.secretKey;
  const harness = await startHarness({
    ...(options.engine ? { engine: options.engine } : {}),
    ...(options.db ? { db: options.db } : {}),
    env: {
      STRIPE_SECRET_KEY: secretKey,
      STRIPE_WEBHOOK_SECRET: webhookSecret,
      STRIPE_API_BASE: fake.url,
      ...options.env,
    },
  });
  const webhookUrl = `${harness.gateway.url}/webhooks/stripe`;
  if (!shared)
    fake.setWebhook({ url: webhookUrl, sign: (payload) => signStripePayload(payload, webhookSecret) });
  return {
    ...harness,
    fake,
    webhookSecret,
    webhookUrl,
    async deliver(event, deliverOptions = {}) {
      const signed = typeof event === 'string' ? event : JSON.stringify(event, null, 2);
      const signature =
        deliverOptions.signature === undefined
          ? signStripePayload(signed, deliverOptions.secret ?? webhookSecret, deliverOptions.timestamp)
          : deliverOptions.signature;
      const sent = deliverOptions.tamper ? deliverOptions.tamper(signed) : signed;
      const response = await fetch(webhookUrl, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          ...(signature === null ? {} : { 'stripe-signature': signature }),
        },
        body: sent,
      });
      const text = await response.text();
      return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
    },
    async close() {
      await harness.close();
      if (!shared) await fake.close();
    },
  };
}
