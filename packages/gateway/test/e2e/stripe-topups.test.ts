import type { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { creditsToMicro, listLedger, placeHold, settleHold } from '../../src/billing/index.ts';
import { type AccountClient, signedIn } from '../helpers/account-client.ts';
import { engines, sharedDatabase } from '../helpers/databases.ts';
import { startHarness } from '../helpers/harness.ts';
import { type StripeHarness, signStripePayload, startStripeHarness } from '../helpers/stripe.ts';

const password = 'a long enough passphrase';

describe('without Stripe keys', () => {
  it('says top-ups are off, has no checkout or webhook, and codes still work', async () => {
    const harness = await startHarness();
    try {
      const { user } = await harness.newUser(0, { password });
      const client = await signedIn(harness.gateway.url, user.email, password);
      const offer = await client.call('GET', '/api/credits/topups');
      expect(offer.status).toBe(200);
      expect(offer.body['enabled']).toBe(false);
      const checkout = await client.call('POST', '/api/credits/checkout', { amount: 1000 });
      expect(checkout.status).toBe(404);
      expect(checkout.body.error?.code).toBe('topups_disabled');
      const webhook = await fetch(`${harness.gateway.url}/webhooks/stripe`, { method: 'POST', body: '{}' });
      expect(webhook.status).toBe(404);
      await webhook.arrayBuffer();
      expect((await client.call('GET', '/api/credits/payments')).body['data']).toEqual([]);
    } finally {
      await harness.close();
    }
  });

  it('refuses half a configuration at startup', async () => {
    await expect(startHarness({ env: { STRIPE_SECRET_KEY: 'sk_test_only' } })).rejects.toThrow(
      /STRIPE_WEBHOOK_SECRET/,
    );
  });
});

describe.each(engines)('Stripe Checkout top-ups (%s)', (engine) => {
  let harness: StripeHarness;

  beforeAll(async () => {
    harness = await startStripeHarness({ engine });
  });
  afterAll(async () => {
    await harness?.close();
  });

  async function customer(credits = 0) {
    const user = await harness.newUser(credits, { password });
    const client = await signedIn(harness.gateway.url, user.user.email, password);
    return { ...user, account: client };
  }

  async function checkout(account: AccountClient, amount: number) {
    const response = await account.call('POST', '/api/credits/checkout', { amount });
    expect(response.status, response.text).toBe(200);
    const url = response.body['url'] as string;
    const sessionId = url.split('/').pop()!;
    return { paymentId: response.body['paymentId'] as string, sessionId, url };
  }

  const payments = async (account: AccountClient) =>
    (await account.call('GET', '/api/credits/payments')).body['data'] as Array<Record<string, unknown>>;

  it('opens a Checkout Session through the SDK with the user, the amount and the return URLs', async () => {
    const { user, account } = await customer();
    const offer = await account.call('GET', '/api/credits/topups');
    expect(offer.body).toMatchObject({ enabled: true, currency: 'usd', minimum: 200, maximum: 100_000 });

    const started = await checkout(account, 1000);
    expect(started.url).toBe(`${harness.fake.url}/c/pay/${started.sessionId}`);
    const request = harness.fake.requests.at(-1)!;
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/v1/checkout/sessions');
    expect(request.headers['idempotency-key']).toBe(`topup_${started.paymentId}`);
    expect(request.headers['stripe-version']).toMatch(/^\d{4}-\d{2}-\d{2}/);
    expect(request.form).toMatchObject({
      mode: 'payment',
      client_reference_id: user.id,
      customer_email: user.email,
      metadata: { hypereal_payment_id: started.paymentId, hypereal_user_id: user.id },
      payment_intent_data: {
        metadata: { hypereal_payment_id: started.paymentId },
        receipt_email: user.email,
      },
      line_items: [
        {
          quantity: '1',
          price_data: {
            currency: 'usd',
            unit_amount: '1000',
            product_data: { name: '1,000 Hypereal credits' },
          },
        },
      ],
      success_url: `${harness.gateway.url}/credits?checkout=success&session_id={CHECKOUT_SESSION_ID}`,
      cancel_url: `${harness.gateway.url}/credits?checkout=cancelled`,
    });
    const [payment] = await payments(account);
    expect(payment).toMatchObject({
      id: started.paymentId,
      status: 'open',
      credits: 1000,
      amount: 10,
      currency: 'usd',
      checkoutSessionId: started.sessionId,
      paidAt: null,
    });
    // Opening a checkout moves no money.
    expect(await harness.balancedBalance(user.id)).toBe(0);
  });

  it('refuses amounts outside 200–100,000 credits, non-integers, and calls without the CSRF token', async () => {
    const { account } = await customer();
    for (const amount of [199, 100_001, 250.5, -500]) {
      const response = await account.call('POST', '/api/credits/checkout', { amount });
      expect(response.status, String(amount)).toBe(400);
      expect((response.body.error as { param?: string } | undefined)?.param).toBe('amount');
    }
    const noCsrf = await account.call('POST', '/api/credits/checkout', { amount: 500 }, { csrf: null });
    expect(noCsrf.status).toBe(403);
    expect(
      harness.fake.requests.filter((request) => request.form['client_reference_id'] === undefined),
    ).toEqual([]);
  });

  it('opens at most 20 checkouts an hour per user', async () => {
    const { account } = await customer();
    for (let i = 0; i < 20; i++) await checkout(account, 200 + i);
    const refused = await account.call('POST', '/api/credits/checkout', { amount: 500 });
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('600');
    expect(await payments(account)).toHaveLength(20);
  });

  it('a refused session is a 502 naming Stripe, and nothing is left open', async () => {
    const { account } = await customer();
    harness.fake.failNext(401, {
      type: 'invalid_request_error',
      message: 'Invalid API Key provided: sk_test_***',
    });
    const response = await account.call('POST', '/api/credits/checkout', { amount: 500 });
    expect(response.status).toBe(502);
    expect(response.body.error?.message).toContain('Invalid API Key provided');
    expect((await payments(account)).map((payment) => payment['status'])).toEqual(['error']);
  });

  it('a paid session grants its credits once: one topup ledger line linked to the payment', async () => {
    const { user, account } = await customer();
    const started = await checkout(account, 2500);
    const event = harness.fake.complete(started.sessionId);
    const first = await harness.deliver(event);
    expect(first).toMatchObject({
      status: 200,
      body: { received: true, outcome: 'granted', eventId: event.id },
    });
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(2500));

    const ledger = await account.call('GET', '/api/credits/ledger');
    const [line] = ledger.body['data'] as Array<Record<string, unknown>>;
    expect(line).toMatchObject({ kind: 'topup', amount: 2500, paymentId: started.paymentId });
    expect(line!['description']).toBe('Top-up 25.00 USD by card (Stripe)');
    const [payment] = await payments(account);
    expect(payment).toMatchObject({ status: 'paid', ledgerEntryId: line!['id'], credits: 2500 });
    expect(payment!['paymentIntentId']).toMatch(/^pi_test_/);

    // Replayed as is, then redelivered later (a fresh signature), then as a second event for the same session.
    expect((await harness.deliver(event)).body['outcome']).toBe('duplicate');
    expect(
      (await harness.deliver(event, { timestamp: Math.floor(Date.now() / 1000) + 5 })).body['outcome'],
    ).toBe('duplicate');
    const again = harness.fake.asyncPaymentSucceeded(started.sessionId);
    expect((await harness.deliver(again)).body['outcome']).toBe('already_granted');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(2500));
  });

  it('refuses tampered, stale, unsigned and wrongly-keyed deliveries without effect', async () => {
    const { user, account } = await customer();
    const started = await checkout(account, 1000);
    const event = harness.fake.complete(started.sessionId);
    const now = Math.floor(Date.now() / 1000);
    const refusals = [
      await harness.deliver(event, {
        tamper: (raw) => raw.replace('"amount_total": 1000', '"amount_total": 9000'),
      }),
      await harness.deliver(event, { tamper: (raw) => raw.replace(/\n\s*/g, '') }), // re-serialised
      await harness.deliver(event, { timestamp: now - 301 }),
      await harness.deliver(event, { signature: null }),
      await harness.deliver(event, { secret: 'whsec_someone_else' }),
      await harness.deliver(event, { signature: `t=${now},v0=${'0'.repeat(64)}` }),
      await harness.deliver(event, { signature: 'garbage' }),
    ];
    for (const refusal of refusals) {
      expect(refusal.status).toBe(400);
      expect((refusal.body['error'] as { code: string }).code).toBe('invalid_signature');
    }
    expect((refusals[2]!.body['error'] as { message: string }).message).toContain('tolerance');
    expect(await harness.balancedBalance(user.id)).toBe(0);
    // A signature within the 5-minute tolerance still works, and only then is the event spent.
    expect((await harness.deliver(event, { timestamp: now - 240 })).body['outcome']).toBe('granted');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(1000));
  });

  it('50 concurrent deliveries of one event, and of two events for one session, grant once', async () => {
    const { user, account } = await customer();
    const started = await checkout(account, 1500);
    const event = harness.fake.complete(started.sessionId);
    const payload = JSON.stringify(event);
    const signature = signStripePayload(payload, harness.webhookSecret);
    const results = await Promise.all(
      Array.from({ length: 50 }, () => harness.deliver(payload, { signature })),
    );
    expect(results.every((result) => result.status === 200)).toBe(true);
    const outcomes = results.map((result) => result.body['outcome']);
    expect(outcomes.filter((outcome) => outcome === 'granted')).toHaveLength(1);
    expect(
      outcomes.filter((outcome) => outcome !== 'granted').every((outcome) => outcome === 'duplicate'),
    ).toBe(true);
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(1500));

    const second = await checkout(account, 700);
    const completed = harness.fake.complete(second.sessionId);
    const succeeded = harness.fake.asyncPaymentSucceeded(second.sessionId);
    const mixed = await Promise.all(
      Array.from({ length: 50 }, (_, index) => harness.deliver(index % 2 === 0 ? completed : succeeded)),
    );
    expect(mixed.filter((result) => result.body['outcome'] === 'granted')).toHaveLength(1);
    expect(mixed.every((result) => result.status === 200)).toBe(true);
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(2200));
    const topups = (await listLedger(harness.db, user.id)).filter((entry) => entry.kind === 'topup');
    expect(topups).toHaveLength(2);
  });

  it('two replicas, each with its own connection to one database: 50 deliveries split between them grant once', async () => {
    const [dbA, dbB] = await sharedDatabase(engine);
    const replicaA = await startStripeHarness({ db: dbA });
    const replicaB = await startStripeHarness({ db: dbB, sameStripeAs: replicaA });
    try {
      const { user } = await replicaA.newUser(0, { password });
      const account = await signedIn(replicaB.gateway.url, user.email, password);
      const response = await account.call('POST', '/api/credits/checkout', { amount: 3000 });
      const sessionId = (response.body['url'] as string).split('/').pop()!;
      const event = replicaA.fake.complete(sessionId);
      const payload = JSON.stringify(event);
      const signature = signStripePayload(payload, replicaA.webhookSecret);
      const results = await Promise.all(
        Array.from({ length: 50 }, (_, index) =>
          (index % 2 === 0 ? replicaA : replicaB).deliver(payload, { signature }),
        ),
      );
      expect(results.every((result) => result.status === 200)).toBe(true);
      expect(results.filter((result) => result.body['outcome'] === 'granted')).toHaveLength(1);
      expect(await replicaA.balancedBalance(user.id)).toBe(creditsToMicro(3000));
      expect(await replicaB.balancedBalance(user.id)).toBe(creditsToMicro(3000));
    } finally {
      await replicaB.close();
      await replicaA.close();
      await dbA.close();
      await dbB.close();
    }
  });

  it('delayed methods: credits on async_payment_succeeded, none on async_payment_failed, in any order', async () => {
    const { user, account } = await customer();
    const failing = await checkout(account, 800);
    expect(
      (await harness.deliver(harness.fake.complete(failing.sessionId, { paymentStatus: 'unpaid' }))).body[
        'outcome'
      ],
    ).toBe('processing');
    expect((await payments(account))[0]).toMatchObject({ id: failing.paymentId, status: 'processing' });
    expect((await harness.deliver(harness.fake.asyncPaymentFailed(failing.sessionId))).body['outcome']).toBe(
      'failed',
    );
    expect(await harness.balancedBalance(user.id)).toBe(0);

    // Out of order: the success arrives before the "completed, unpaid" event.
    const settling = await checkout(account, 600);
    const unpaid = harness.fake.complete(settling.sessionId, { paymentStatus: 'unpaid' });
    const paid = harness.fake.asyncPaymentSucceeded(settling.sessionId);
    expect((await harness.deliver(paid)).body['outcome']).toBe('granted');
    expect((await harness.deliver(unpaid)).body['outcome']).toBe('processing');
    const statuses = Object.fromEntries(
      (await payments(account)).map((payment) => [payment['id'], payment['status']]),
    );
    expect(statuses).toEqual({ [failing.paymentId]: 'failed', [settling.paymentId]: 'paid' });
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(600));

    const abandoned = await checkout(account, 300);
    expect((await harness.deliver(harness.fake.expire(abandoned.sessionId))).body['outcome']).toBe('expired');
    expect((await payments(account))[0]).toMatchObject({ id: abandoned.paymentId, status: 'expired' });
  });

  it('a Stripe outage while reading the session back is a 502, not a spent event; the redelivery grants', async () => {
    const { user, account } = await customer();
    const started = await checkout(account, 400);
    const event = harness.fake.complete(started.sessionId);
    // The SDK retries twice: three failures in a row.
    for (let i = 0; i < 3; i++) harness.fake.failNext(500, { type: 'api_error', message: 'boom' });
    const failed = await harness.deliver(event);
    expect(failed.status).toBe(502);
    expect(await harness.balancedBalance(user.id)).toBe(0);
    expect((await harness.deliver(event)).body['outcome']).toBe('granted');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(400));
  });

  it('refunds claw back pro rata, once per refunded cent, and may drive the balance negative', async () => {
    const { user, account, client } = await customer();
    const started = await checkout(account, 1000);
    await harness.deliver(harness.fake.complete(started.sessionId));
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(1000));

    // Usage spends 900 of the 1,000 credits.
    const hold = await placeHold(harness.db, {
      userId: user.id,
      keyId: null,
      requestId: 'req_refund_test',
      amountMicro: creditsToMicro(900),
      minimumMicro: 0,
      leaseMs: 60_000,
      endpoint: '/v1/chat/completions',
    });
    await settleHold(harness.db, hold, {
      chargeMicro: creditsToMicro(900),
      description: 'usage',
      requestId: 'req_refund_test',
    });

    const partial = harness.fake.refund(started.sessionId, 400); // $4.00 of $10.00
    const full = harness.fake.refund(started.sessionId); // cumulative: all of it
    // Out of order: the full refund first, then the older partial one (a no-op), then a replay.
    expect((await harness.deliver(full)).body['outcome']).toBe('refunded');
    expect((await harness.deliver(partial)).body['outcome']).toBe('refunded');
    expect((await harness.deliver(full)).body['outcome']).toBe('duplicate');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(-900));
    const ledger = (await listLedger(harness.db, user.id)).filter((entry) => entry.kind === 'topup_refund');
    expect(ledger.map((entry) => Number(entry.amount_micro))).toEqual([creditsToMicro(-1000)]);
    expect((await payments(account))[0]).toMatchObject({
      status: 'refunded',
      refunded: 10,
      creditsClawedBack: 1000,
    });

    // The key stays active but is refused until the balance is topped up again.
    const refused = await client.chat.completions
      .create({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => error);
    expect((refused as APIError).status).toBe(402);
    const keys = await account.call('GET', '/api/api-keys');
    expect(JSON.stringify(keys.body)).not.toContain('revoked');
    const again = await checkout(account, 1500);
    await harness.deliver(harness.fake.complete(again.sessionId));
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(600));
    const answer = await client.chat.completions.create({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(answer.choices[0]?.message.content).toBeTruthy();
  });

  it('partial refunds claw back their share; a refund seen before its payment is applied at the grant', async () => {
    const { user, account } = await customer();
    const started = await checkout(account, 1000);
    const completed = harness.fake.complete(started.sessionId);
    const refund = harness.fake.refund(started.sessionId, 250);
    expect((await harness.deliver(refund)).body['outcome']).toBe('unmatched_refund');
    expect(await harness.balancedBalance(user.id)).toBe(0);
    expect((await harness.deliver(completed)).body['outcome']).toBe('granted');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(750));
    expect((await payments(account))[0]).toMatchObject({ status: 'partially_refunded', refunded: 2.5 });
    const more = harness.fake.refund(started.sessionId, 250);
    expect((await harness.deliver(more)).body['outcome']).toBe('refunded');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(500));

    // A refund recorded while the payment was still settling is clawed back when it is granted.
    const delayed = await checkout(account, 1000);
    await harness.deliver(harness.fake.complete(delayed.sessionId, { paymentStatus: 'unpaid' }));
    const settled = harness.fake.asyncPaymentSucceeded(delayed.sessionId);
    const early = harness.fake.refund(delayed.sessionId, 300);
    expect((await harness.deliver(early)).body['outcome']).toBe('refunded');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(500));
    expect((await harness.deliver(settled)).body['outcome']).toBe('granted');
    expect(await harness.balancedBalance(user.id)).toBe(creditsToMicro(1200));
    expect((await payments(account))[0]).toMatchObject({
      status: 'partially_refunded',
      creditsClawedBack: 300,
    });
  });

  it('ignores events that are not ours, and a paid session that does not match its payment grants nothing', async () => {
    const { user, account } = await customer();
    const foreign = {
      id: 'evt_test_foreign',
      object: 'event',
      type: 'customer.created',
      data: { object: { id: 'cus_1', object: 'customer' } },
    };
    expect((await harness.deliver(JSON.stringify(foreign))).body['outcome']).toBe('ignored');

    const started = await checkout(account, 1000);
    // The session says $1 was paid for a $10 payment (say, someone edited it in the Stripe dashboard).
    const session = harness.fake.sessions.get(started.sessionId) as { amount_total: number };
    session.amount_total = 100;
    expect((await harness.deliver(harness.fake.complete(started.sessionId))).body['outcome']).toBe(
      'mismatch',
    );
    expect((await payments(account))[0]).toMatchObject({ status: 'mismatch', paidAt: null });
    // Later events for it change nothing either.
    expect(
      (await harness.deliver(harness.fake.asyncPaymentSucceeded(started.sessionId))).body['outcome'],
    ).toBe('mismatch');
    expect(await harness.balancedBalance(user.id)).toBe(0);
  });
});
