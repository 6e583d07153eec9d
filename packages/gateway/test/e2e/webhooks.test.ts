import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

describe('signed webhooks when a job ends (Standard Webhooks)', () => {
  let harness: Harness;
  let user: TestUser;
  let receiver: Server;
  let hookUrl: string;
  const received: Received[] = [];
  /** Statuses the receiver answers with, in order; 200 once they run out. */
  let answers: number[] = [];

  beforeAll(async () => {
    receiver = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk: Buffer) => {
        body += chunk.toString('utf8');
      });
      request.on('end', () => {
        received.push({ headers: request.headers, body });
        response.writeHead(answers.shift() ?? 200).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
    harness = await startHarness({
      config: {
        network: { allowPrivate: ['127.0.0.1'] },
        jobs: { tickMs: 20, maxPollIntervalMs: 30, webhookRetryBaseMs: 50 },
      },
    });
  });
  afterAll(async () => {
    await harness.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });
  beforeEach(async () => {
    harness.sim.reset();
    harness.sim.videos.setTiming({ queuedMs: 20, runningMs: 40 });
    received.length = 0;
    answers = [];
    user = await harness.newUser(1000, {
      email: `hooks-${Date.now()}@example.com`,
      password: 'a long passphrase',
    });
  });

  const call = (method: string, path: string, body?: unknown) =>
    fetch(`${harness.baseUrl}${path}`, {
      method,
      headers: { authorization: `Bearer ${user.key}`, 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
  const until = async (check: () => boolean | Promise<boolean>, what: string) => {
    const deadline = Date.now() + 10_000;
    while (!(await check())) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  };
  const secret = async () =>
    ((await (await call('POST', '/webhooks/secret')).json()) as { secret: string }).secret;
  const verify = (secretValue: string, message: Received) =>
    new Webhook(secretValue).verify(message.body, {
      'webhook-id': String(message.headers['webhook-id']),
      'webhook-timestamp': String(message.headers['webhook-timestamp']),
      'webhook-signature': String(message.headers['webhook-signature']),
    }) as { type: string; data: { id: string; status: string; costCredits: number; outputs: unknown[] } };

  it('a job’s own webhookUrl gets one signed delivery that the receiver verifies with standardwebhooks', async () => {
    const whsec = await secret();
    expect(whsec).toMatch(/^whsec_/);
    const response = await call('POST', '/videos/generate', {
      model: 'gemini_omni_flash',
      prompt: 'hooked',
      webhookUrl: hookUrl,
    });
    expect(response.status).toBe(202);
    const { jobId } = (await response.json()) as { jobId: string };
    await until(() => received.length === 1, 'the delivery');
    const event = verify(whsec, received[0]!);
    expect(event.type).toBe('job.succeeded');
    expect(event.data).toMatchObject({ id: jobId, status: 'succeeded', costCredits: 120 });
    expect(event.data.outputs).toHaveLength(1);
    // A forged body fails verification.
    expect(() =>
      verify(whsec, { ...received[0]!, body: received[0]!.body.replace('succeeded', 'failed') }),
    ).toThrow();
    type Deliveries = { data: Array<{ id: string; state: string; attempts: number; lastStatus: number }> };
    const deliveries = async () =>
      (await (await call('GET', `/webhooks/deliveries?jobId=${jobId}`)).json()) as Deliveries;
    // The receiver has the request before the gateway has recorded its answer: wait for that record.
    await until(async () => (await deliveries()).data[0]?.state !== 'pending', 'the delivery record');
    const log = await deliveries();
    expect(log.data).toHaveLength(1);
    expect(log.data[0]).toMatchObject({ state: 'delivered', attempts: 1, lastStatus: 200 });
    expect(log.data[0]!.id).toBe(received[0]!.headers['webhook-id']);
  });

  it('a failing receiver is retried with backoff; manual redelivery resends the same message', async () => {
    const whsec = await secret();
    answers = [500, 503];
    const { jobId } = (await (
      await call('POST', '/videos/generate', {
        model: 'gemini_omni_flash',
        prompt: 'x [[sim:video_error]]',
        webhookUrl: hookUrl,
      })
    ).json()) as { jobId: string };
    await until(() => received.length === 3, 'three attempts');
    expect(new Set(received.map((message) => message.headers['webhook-id'])).size).toBe(1);
    expect(verify(whsec, received[2]!).type).toBe('job.failed');
    const deliveries = async () =>
      (
        (await (await call('GET', `/webhooks/deliveries?jobId=${jobId}`)).json()) as {
          data: Array<{ id: string; state: string; attempts: number }>;
        }
      ).data;
    await until(async () => (await deliveries())[0]?.state === 'delivered', 'delivered state');
    const [delivery] = await deliveries();
    expect(delivery!.attempts).toBe(3);
    expect((await call('POST', `/webhooks/deliveries/${delivery!.id}/redeliver`)).status).toBe(202);
    await until(() => received.length === 4, 'the redelivery');
    expect(received[3]!.headers['webhook-id']).toBe(delivery!.id);
    const stranger = await harness.newUser(10);
    const theirs = await fetch(`${harness.baseUrl}/webhooks/deliveries/${delivery!.id}/redeliver`, {
      method: 'POST',
      headers: { authorization: `Bearer ${stranger.key}` },
    });
    expect(theirs.status).toBe(404);
  });

  it('a key’s webhookUrl (PATCH /api/api-keys/{id}) receives its jobs’ ends', async () => {
    const whsec = await secret();
    const account = await signedIn(harness.gateway.url, user.user.email, 'a long passphrase');
    const keys = await account.call('GET', '/api/api-keys');
    const keyId = (keys.body['data'] as Array<{ id: string }>)[0]!.id;
    const patched = await account.call('PATCH', `/api/api-keys/${keyId}`, { webhookUrl: hookUrl });
    expect(patched.status).toBe(200);
    expect(patched.body['webhookUrl']).toBe(hookUrl);
    await call('POST', '/videos/generate', { model: 'gemini_omni_flash', prompt: 'x [[sim:moderated]]' });
    await until(() => received.length === 1, 'the delivery');
    expect(verify(whsec, received[0]!).type).toBe('job.failed');
  });

  it('a webhook target on a private address is refused with a 400 naming webhookUrl, nothing held', async () => {
    const response = await call('POST', '/videos/generate', {
      model: 'gemini_omni_flash',
      prompt: 'x',
      webhookUrl: 'http://169.254.169.254/latest/meta-data',
    });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: { param: string } }).error.param).toBe('webhookUrl');
    expect(await harness.balancedBalance(user.user.id)).toBe(1000 * 1_000_000);
  });
});
