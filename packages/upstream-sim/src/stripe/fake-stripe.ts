import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { readBody } from '../http/read-body.ts';
import { sendJson } from '../http/send.ts';
import { randomId } from '../ids.ts';
import { type FormObject, type FormValue, parseFormBody } from './form-body.ts';

/**
 * A stateful stand-in for the two Stripe endpoints a Checkout top-up uses, shaped after
 * Stripe's API reference: create a Checkout Session
 * (https://docs.stripe.com/api/checkout/sessions/create) and retrieve one
 * (https://docs.stripe.com/api/checkout/sessions/retrieve). Bodies are form-encoded with
 * bracket notation, answers are JSON with a `request-id` header, failures are
 * `{error: {type, message, param?}}` (https://docs.stripe.com/api/errors), and POSTs honour
 * `Idempotency-Key` (https://docs.stripe.com/api/idempotent_requests).
 *
 * It also plays the payer: `GET /c/pay/{id}` is a tiny hosted checkout page whose "Pay"
 * button completes the session, delivers the signed `checkout.session.completed` event
 * (when `webhook` is given) and redirects to the session's `success_url`, as Checkout does.
 * Tests build the other events (async outcomes, refunds) with the methods below.
 */
export interface FakeStripeOptions {
  host?: string;
  port?: number;
  /** The one secret key accepted (`Authorization: Bearer sk_…`). */
  secretKey: string;
  /** Where `pay()` delivers events, and how they are signed (the SDK's test helper). */
  webhook?: { url: string; sign: (payload: string) => string };
}

export interface FakeCheckoutSession {
  id: string;
  object: 'checkout.session';
  mode: string;
  status: 'open' | 'complete' | 'expired';
  payment_status: 'paid' | 'unpaid' | 'no_payment_required';
  amount_subtotal: number;
  amount_total: number;
  currency: string;
  client_reference_id: string | null;
  metadata: Record<string, string>;
  success_url: string | null;
  cancel_url: string | null;
  url: string | null;
  payment_intent: string | null;
  customer: string | null;
  customer_email: string | null;
  created: number;
  expires_at: number;
  livemode: false;
}

export interface FakeStripeEvent {
  id: string;
  object: 'event';
  api_version: string;
  created: number;
  type: string;
  livemode: false;
  pending_webhooks: number;
  request: { id: string | null; idempotency_key: string | null };
  data: { object: Record<string, unknown> };
}

export interface FakeStripeRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  form: FormObject;
}

export interface FakeStripe {
  readonly url: string;
  /** The secret key it accepts. */
  readonly secretKey: string;
  readonly sessions: ReadonlyMap<string, FakeCheckoutSession>;
  readonly requests: FakeStripeRequest[];
  /** The payer finished checkout: `paid` now, or `unpaid` for a delayed method (ACH, SEPA). */
  complete(sessionId: string, options?: { paymentStatus?: 'paid' | 'unpaid' }): FakeStripeEvent;
  asyncPaymentSucceeded(sessionId: string): FakeStripeEvent;
  asyncPaymentFailed(sessionId: string): FakeStripeEvent;
  expire(sessionId: string): FakeStripeEvent;
  /** Refunds `amount` more minor units of the session's charge: a `charge.refunded` event. */
  refund(sessionId: string, amount?: number): FakeStripeEvent;
  /** Where events go and how they are signed (when the endpoint is only known later). */
  setWebhook(webhook: { url: string; sign: (payload: string) => string }): void;
  /** Delivers an event to `webhook.url`, signed; resolves to the response status. */
  deliver(event: FakeStripeEvent): Promise<number>;
  /** The next API call answers with this status and Stripe error body. */
  failNext(status: number, error: { type: string; message: string }): void;
  close(): Promise<void>;
}

const apiVersion = '2026-10-28.endive';

class StripeApiError extends Error {
  readonly status: number;
  readonly type: string;
  readonly param: string | undefined;
  constructor(status: number, type: string, message: string, param?: string) {
    super(message);
    this.status = status;
    this.type = type;
    this.param = param;
  }
}

export async function startFakeStripe(options: FakeStripeOptions): Promise<FakeStripe> {
  const sessions = new Map<string, FakeCheckoutSession>();
  const charges = new Map<string, { id: string; amount_refunded: number }>();
  const idempotent = new Map<string, { form: string; status: number; body: unknown }>();
  const requests: FakeStripeRequest[] = [];
  const queuedFailures: Array<{ status: number; error: { type: string; message: string } }> = [];
  let base = '';
  let webhook = options.webhook;

  const now = () => Math.floor(Date.now() / 1000);
  const event = (type: string, object: Record<string, unknown>): FakeStripeEvent => ({
    id: randomId('evt_test_', 24),
    object: 'event',
    api_version: apiVersion,
    created: now(),
    type,
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: structuredClone(object) },
  });
  const session = (id: string): FakeCheckoutSession => {
    const found = sessions.get(id);
    if (!found) throw new Error(`fake Stripe: no session ${id}`);
    return found;
  };

  const createSession = (form: FormObject): FakeCheckoutSession => {
    const mode = text(form['mode']);
    if (!mode)
      throw new StripeApiError(400, 'invalid_request_error', 'Missing required param: mode.', 'mode');
    if (!['payment', 'setup', 'subscription'].includes(mode)) {
      throw new StripeApiError(400, 'invalid_request_error', `Invalid mode: ${mode}`, 'mode');
    }
    const items = Array.isArray(form['line_items']) ? form['line_items'] : [];
    if (mode === 'payment' && items.length === 0) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'You must provide at least one line item in payment mode.',
        'line_items',
      );
    }
    const successUrl = text(form['success_url']);
    const uiMode = text(form['ui_mode']) ?? 'hosted_page';
    if ((uiMode === 'hosted_page' || uiMode === 'hosted') && !successUrl) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'Missing required param: success_url.',
        'success_url',
      );
    }
    let currency: string | undefined;
    let total = 0;
    for (const [index, item] of items.entries()) {
      const line = record(item);
      const quantity = Number(text(line['quantity']) ?? '1');
      const price = record(line['price_data']);
      const unit = Number(text(price['unit_amount']));
      const lineCurrency = text(price['currency']);
      if (!lineCurrency || !Number.isInteger(unit) || unit < 0 || !Number.isInteger(quantity)) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          'Each line item needs price_data with currency and a whole unit_amount.',
          `line_items[${index}][price_data]`,
        );
      }
      if (!text(record(price['product_data'])['name'])) {
        throw new StripeApiError(
          400,
          'invalid_request_error',
          'Missing required param: line_items[0][price_data][product_data][name].',
          `line_items[${index}][price_data][product_data][name]`,
        );
      }
      currency = lineCurrency.toLowerCase();
      total += unit * quantity;
    }
    // Stripe's minimum charge is 50 cents in USD (https://docs.stripe.com/currencies#minimum-and-maximum-charge-amounts).
    if (mode === 'payment' && total < 50) {
      throw new StripeApiError(
        400,
        'invalid_request_error',
        'The Checkout Session total amount due must add up to at least $0.50 usd.',
      );
    }
    const id = randomId('cs_test_', 58);
    const created = now();
    const created_session: FakeCheckoutSession = {
      id,
      object: 'checkout.session',
      mode,
      status: 'open',
      payment_status: 'unpaid',
      amount_subtotal: total,
      amount_total: total,
      currency: currency ?? 'usd',
      client_reference_id: text(form['client_reference_id']) ?? null,
      metadata: stringRecord(form['metadata']),
      success_url: successUrl ?? null,
      cancel_url: text(form['cancel_url']) ?? null,
      url: `${base}/c/pay/${id}`,
      payment_intent: null,
      customer: null,
      customer_email: text(form['customer_email']) ?? null,
      created,
      expires_at: Number(text(form['expires_at']) ?? created + 24 * 3600),
      livemode: false,
    };
    sessions.set(id, created_session);
    return created_session;
  };

  const api = async (request: IncomingMessage, path: string, raw: string): Promise<unknown> => {
    const auth = request.headers.authorization ?? '';
    if (auth !== `Bearer ${options.secretKey}`) {
      throw new StripeApiError(
        401,
        'invalid_request_error',
        `Invalid API Key provided: ${auth.replace(/^Bearer /, '').slice(0, 8)}***`,
      );
    }
    const failure = queuedFailures.shift();
    if (failure) throw new StripeApiError(failure.status, failure.error.type, failure.error.message);
    if (request.method === 'POST' && path === '/v1/checkout/sessions') {
      return createSession(parseFormBody(raw));
    }
    const retrieve = /^\/v1\/checkout\/sessions\/([^/]+)$/.exec(path);
    if (request.method === 'GET' && retrieve) {
      const found = sessions.get(decodeURIComponent(retrieve[1]!));
      if (!found) {
        throw new StripeApiError(
          404,
          'invalid_request_error',
          `No such checkout.session: '${retrieve[1]}'`,
          'session',
        );
      }
      return found;
    }
    throw new StripeApiError(
      404,
      'invalid_request_error',
      `Unrecognized request URL (${request.method}: ${path}).`,
    );
  };

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://fake-stripe');
    const { raw } = await readBody(request);
    const payPage = /^\/c\/pay\/([^/]+)$/.exec(url.pathname);
    if (payPage) return hostedPage(request, response, decodeURIComponent(payPage[1]!));

    requests.push({
      method: request.method ?? 'GET',
      path: url.pathname,
      headers: request.headers,
      form: parseFormBody(request.method === 'GET' ? url.search.slice(1) : raw),
    });
    const requestId = randomId('req_', 14);
    const key = request.method === 'POST' ? header(request, 'idempotency-key') : undefined;
    const replay = key ? idempotent.get(key) : undefined;
    if (key && replay) {
      if (replay.form !== raw) {
        return sendJson(
          response,
          400,
          {
            error: {
              type: 'idempotency_error',
              message: `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
            },
          },
          { 'request-id': requestId },
        );
      }
      return sendJson(response, replay.status, replay.body, {
        'request-id': requestId,
        'idempotent-replayed': 'true',
      });
    }
    let status = 200;
    let body: unknown;
    try {
      body = await api(request, url.pathname, raw);
    } catch (error) {
      if (!(error instanceof StripeApiError)) throw error;
      status = error.status;
      body = {
        error: {
          type: error.type,
          message: error.message,
          ...(error.param ? { param: error.param } : {}),
        },
      };
    }
    // Stripe stores the first result for a key, 500s included, but not a failed validation.
    if (key && status !== 400) idempotent.set(key, { form: raw, status, body });
    sendJson(response, status, body, { 'request-id': requestId, 'stripe-version': apiVersion });
  };

  const hostedPage = async (
    request: IncomingMessage,
    response: ServerResponse,
    id: string,
  ): Promise<void> => {
    const found = sessions.get(id);
    if (!found) {
      response.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' });
      response.end('No such checkout session');
      return;
    }
    if (request.method === 'POST') {
      if (found.status === 'open') await fake.deliver(fake.complete(id));
      const target = (found.success_url ?? '/').replaceAll('{CHECKOUT_SESSION_ID}', id);
      response.writeHead(303, { location: target });
      response.end();
      return;
    }
    const amount = (found.amount_total / 100).toFixed(2);
    const page = `<!doctype html><html lang="en"><head><meta charset="utf-8"><link rel="icon" href="data:,"><title>Fake Stripe Checkout</title></head>
<body><main><h1>Pay ${found.currency.toUpperCase()} ${amount}</h1>
<p id="session">${found.id}</p><p id="status">${found.status}</p>
<form method="post"><button id="pay" type="submit">Pay</button></form>
${found.cancel_url ? `<a id="cancel" href="${escapeHtml(found.cancel_url)}">Back</a>` : ''}
</main></body></html>`;
    response.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
    response.end(page);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      if (!response.headersSent) {
        sendJson(response, 500, { error: { type: 'api_error', message: String(error) } });
      } else response.destroy();
    });
  });
  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const address = server.address() as AddressInfo;
  base = `http://${options.host ?? '127.0.0.1'}:${address.port}`;

  const fake: FakeStripe = {
    url: base,
    secretKey: options.secretKey,
    sessions,
    requests,
    complete(sessionId, completeOptions = {}) {
      const found = session(sessionId);
      found.status = 'complete';
      found.payment_status = completeOptions.paymentStatus ?? 'paid';
      found.payment_intent ??= randomId('pi_test_', 24);
      return event('checkout.session.completed', { ...found });
    },
    asyncPaymentSucceeded(sessionId) {
      const found = session(sessionId);
      found.payment_status = 'paid';
      return event('checkout.session.async_payment_succeeded', { ...found });
    },
    asyncPaymentFailed(sessionId) {
      const found = session(sessionId);
      found.payment_status = 'unpaid';
      return event('checkout.session.async_payment_failed', { ...found });
    },
    expire(sessionId) {
      const found = session(sessionId);
      found.status = 'expired';
      found.url = null;
      return event('checkout.session.expired', { ...found });
    },
    refund(sessionId, amount) {
      const found = session(sessionId);
      if (!found.payment_intent || found.payment_status !== 'paid') {
        throw new Error(`fake Stripe: session ${sessionId} has no successful charge to refund`);
      }
      const charge = charges.get(found.payment_intent) ?? {
        id: randomId('ch_test_', 24),
        amount_refunded: 0,
      };
      charge.amount_refunded = Math.min(
        found.amount_total,
        charge.amount_refunded + (amount ?? found.amount_total),
      );
      charges.set(found.payment_intent, charge);
      return event('charge.refunded', {
        id: charge.id,
        object: 'charge',
        amount: found.amount_total,
        amount_captured: found.amount_total,
        amount_refunded: charge.amount_refunded,
        currency: found.currency,
        paid: true,
        payment_intent: found.payment_intent,
        refunded: charge.amount_refunded === found.amount_total,
        status: 'succeeded',
        metadata: {},
        livemode: false,
      });
    },
    setWebhook(next) {
      webhook = next;
    },
    async deliver(stripeEvent) {
      if (!webhook) throw new Error('fake Stripe: no webhook configured');
      const payload = JSON.stringify(stripeEvent, null, 2);
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'stripe-signature': webhook.sign(payload),
          'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
        },
        body: payload,
      });
      await response.arrayBuffer();
      return response.status;
    },
    failNext(status, error) {
      queuedFailures.push({ status, error });
    },
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
  };
  return fake;
}

function header(request: IncomingMessage, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function text(value: FormValue | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

function record(value: FormValue | undefined): FormObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value : {};
}

function stringRecord(value: FormValue | undefined): Record<string, string> {
  return Object.fromEntries(
    Object.entries(record(value)).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => `&#${char.charCodeAt(0)};`);
}
