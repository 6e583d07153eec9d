import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FakeStripe, startFakeStripe } from './fake-stripe.ts';
import { parseFormBody } from './form-body.ts';

const key = 'sk_test_fake_unit';
const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
const session = {
  mode: 'payment',
  client_reference_id: 'user_1',
  'metadata[order]': 'o_1',
  'line_items[0][quantity]': '2',
  'line_items[0][price_data][currency]': 'usd',
  'line_items[0][price_data][unit_amount]': '250',
  'line_items[0][price_data][product_data][name]': 'Credits',
  success_url: 'http://app/ok?session_id={CHECKOUT_SESSION_ID}',
};

describe('fake Stripe (Checkout Sessions)', () => {
  let fake: FakeStripe;
  beforeAll(async () => {
    fake = await startFakeStripe({ secretKey: key });
  });
  afterAll(() => fake.close());

  const post = (body: string, headers: Record<string, string> = {}) =>
    fetch(`${fake.url}/v1/checkout/sessions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/x-www-form-urlencoded',
        ...headers,
      },
      body,
    });

  it('parses bracket notation into objects and arrays', () => {
    expect(parseFormBody('a[b][0][c]=1&a[b][1][c]=2&m[k]=v&x=y')).toEqual({
      a: { b: [{ c: '1' }, { c: '2' }] },
      m: { k: 'v' },
      x: 'y',
    });
  });

  it('creates, retrieves and completes a session; totals come from the line items', async () => {
    const created = await post(form(session));
    expect(created.status).toBe(200);
    expect(created.headers.get('request-id')).toMatch(/^req_/);
    const body = (await created.json()) as {
      id: string;
      amount_total: number;
      url: string;
      metadata: object;
    };
    expect(body).toMatchObject({
      amount_total: 500,
      metadata: { order: 'o_1' },
      url: `${fake.url}/c/pay/${body.id}`,
    });
    const event = fake.complete(body.id);
    expect(event).toMatchObject({
      type: 'checkout.session.completed',
      data: { object: { payment_status: 'paid' } },
    });
    const read = await fetch(`${fake.url}/v1/checkout/sessions/${body.id}`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(await read.json()).toMatchObject({ id: body.id, status: 'complete', payment_status: 'paid' });
    const refund = fake.refund(body.id, 100);
    expect(refund.data.object).toMatchObject({ object: 'charge', amount_refunded: 100, refunded: false });
  });

  it('replays an idempotent POST and refuses the same key with other parameters', async () => {
    const first = (await (await post(form(session), { 'idempotency-key': 'k1' })).json()) as { id: string };
    const again = await post(form(session), { 'idempotency-key': 'k1' });
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(((await again.json()) as { id: string }).id).toBe(first.id);
    const other = await post(form({ ...session, client_reference_id: 'user_2' }), {
      'idempotency-key': 'k1',
    });
    expect(other.status).toBe(400);
    expect(await other.json()).toMatchObject({ error: { type: 'idempotency_error' } });
  });

  it('answers Stripe errors: bad key 401, missing params 400 with param, unknown session 404', async () => {
    const unauthorised = await post(form(session), { authorization: 'Bearer sk_test_wrong' });
    expect(unauthorised.status).toBe(401);
    const noItems = await post(form({ mode: 'payment', success_url: 'http://app/ok' }));
    expect(noItems.status).toBe(400);
    expect(await noItems.json()).toMatchObject({
      error: { type: 'invalid_request_error', param: 'line_items' },
    });
    const missing = await fetch(`${fake.url}/v1/checkout/sessions/cs_test_nope`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expect(missing.status).toBe(404);
    expect(await missing.json()).toMatchObject({ error: { type: 'invalid_request_error' } });
  });
});
