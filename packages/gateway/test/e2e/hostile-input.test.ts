import net from 'node:net';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Dialect, envelopeProblem } from '../helpers/envelopes.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

const adminToken = 'test-admin-token-0123456789';

interface Answer {
  status: number;
  body: unknown;
  headers: Headers;
}

const deep = (levels: number) => `${'['.repeat(levels)}${']'.repeat(levels)}`;

function randomLetters(length: number): string {
  let out = '';
  for (let index = 0; index < length; index++)
    out += String.fromCharCode(97 + Math.floor(Math.random() * 26));
  return out;
}

/** Opens a raw socket, writes `head`, then trickles `tick` every `everyMs`; resolves with what came back once closed. */
function trickle(port: number, head: string, everyMs: number, maxMs: number) {
  return new Promise<{ data: string; closedAfterMs: number }>((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let data = '';
    const timer = setInterval(() => {
      if (!socket.destroyed && socket.writable) socket.write('x');
    }, everyMs);
    const done = () => {
      clearInterval(timer);
      resolve({ data, closedAfterMs: Date.now() - started });
    };
    const giveUp = setTimeout(() => socket.destroy(), maxMs);
    socket.on('data', (chunk) => {
      data += chunk.toString();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(giveUp);
      done();
    });
    socket.write(head);
  });
}

describe('hostile input: every client mistake is a 4xx in the route’s own envelope', () => {
  let harness: Harness;
  let user: TestUser;
  let port: number;

  beforeAll(async () => {
    harness = await startHarness({
      config: { server: { requestTimeoutMs: 1_000, headersTimeoutMs: 1_000 } },
      env: { HYPEREAL_ADMIN_TOKEN: adminToken },
    });
    user = await harness.newUser(1000);
    port = Number(new URL(harness.gateway.url).port);
  });
  afterAll(() => harness.close());

  async function send(
    method: string,
    path: string,
    body?: string,
    headers: Record<string, string> = {},
  ): Promise<Answer> {
    const response = await fetch(`${harness.gateway.url}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${user.key}`,
        'x-api-key': user.key,
        'x-goog-api-key': user.key,
        'content-type': 'application/json',
        ...headers,
      },
      ...(body === undefined ? {} : { body }),
    });
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {}
    return { status: response.status, body: parsed, headers: response.headers };
  }

  function expectClientError(answer: Answer, dialect: Dialect, status?: number) {
    expect(answer.status, JSON.stringify(answer.body)).toBeGreaterThanOrEqual(400);
    expect(answer.status, JSON.stringify(answer.body)).toBeLessThan(500);
    if (status !== undefined) expect(answer.status).toBe(status);
    expect(envelopeProblem(dialect, answer.body)).toBeNull();
  }

  it('item 11: `%25` in a path is decoded once (a 404 or 400, never a 500)', async () => {
    expectClientError(await send('GET', '/v1/models/%25'), 'openai', 404);
    expectClientError(await send('GET', '/v1beta/models/%25zz'), 'gemini', 404);
    expectClientError(await send('POST', '/v1beta/models/%25:generateContent', '{}'), 'gemini');
    expectClientError(
      await send('GET', '/admin/users/%25abc', undefined, { authorization: `Bearer ${adminToken}` }),
      'openai',
      404,
    );
    // An encoded colon still reaches the Gemini action.
    const counted = await send(
      'POST',
      '/v1beta/models/gemini-2.5-flash%3AcountTokens',
      JSON.stringify({ contents: [{ parts: [{ text: 'hi' }] }] }),
    );
    expect(counted.status).toBe(200);
    // A URL that does not decode at all.
    expectClientError(await send('GET', '/v1/models/%zz'), 'openai', 400);
    expectClientError(await send('POST', '/v1beta/models/%zz:generateContent', '{}'), 'gemini', 400);
  });

  it('item 11: deeply nested JSON is a 400, not a stack overflow or a 502', async () => {
    const messages = (content: string) => `[{"role":"user","content":${content}}]`;
    expectClientError(
      await send(
        'POST',
        '/v1/messages',
        `{"model":"claude-sonnet-4-5","max_tokens":10,"messages":${messages(deep(100_000))}}`,
      ),
      'anthropic',
      400,
    );
    expectClientError(
      await send(
        'POST',
        '/v1/messages/count_tokens',
        `{"model":"deepseek-v3.2","messages":${messages(deep(10_000))}}`,
      ),
      'anthropic',
      400,
    );
    expectClientError(
      await send(
        'POST',
        '/v1/chat/completions',
        `{"model":"deepseek-v3.2","messages":${messages(deep(100_000))}}`,
      ),
      'openai',
      400,
    );
    expectClientError(
      await send('POST', '/v1beta/models/gemini-2.5-flash:countTokens', `{"contents":${deep(10_000)}}`),
      'gemini',
      400,
    );
    expectClientError(
      await send('POST', '/v1beta/models/deepseek-v3.2:generateContent', `{"contents":${deep(10_000)}}`),
      'gemini',
      400,
    );
    // Brackets inside strings are text, not nesting.
    const ok = await send(
      'POST',
      '/v1/chat/completions',
      JSON.stringify({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: '['.repeat(5_000) }] }),
    );
    expect(ok.status).toBe(200);
    await harness.balancedBalance(user.user.id);
  });

  it('item 11: null content parts are a 400 on every endpoint, not a TypeError → 502', async () => {
    for (const model of ['deepseek-v3.2', 'gpt-5.5']) {
      const answer = await send(
        'POST',
        '/v1/responses',
        JSON.stringify({ model, input: [{ role: 'user', content: [null] }] }),
      );
      expectClientError(answer, 'openai', 400);
      expect((answer.body as { error: { param: string } }).error.param).toMatch(/^input/);
    }
    expectClientError(
      await send(
        'POST',
        '/v1/chat/completions',
        JSON.stringify({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: [null] }] }),
      ),
      'openai',
      400,
    );
    expectClientError(
      await send(
        'POST',
        '/v1/messages',
        JSON.stringify({
          model: 'deepseek-v3.2',
          max_tokens: 5,
          messages: [{ role: 'user', content: [null] }],
        }),
      ),
      'anthropic',
      400,
    );
  });

  it('item 11: unknown routes, bad URLs and malformed HTTP answer in the path’s envelope', async () => {
    for (const [path, dialect] of [
      ['/v1/nope', 'openai'],
      ['/api/v1/nope', 'openai'],
      ['/v1/messages/nope', 'anthropic'],
      ['/v1/responses/resp_x/nope', 'openai'],
      ['/v1beta/nope', 'gemini'],
      ['/nope', 'openai'],
    ] as const) {
      const answer = await send('GET', path);
      expectClientError(answer, dialect, 404);
      expect(answer.headers.get('x-request-id')).toMatch(/^req_/);
    }
    const raw = await trickle(
      port,
      'POST /v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n',
      10_000,
      3_000,
    );
    expect(raw.data).toMatch(/^HTTP\/1\.1 400 /);
    expect(
      envelopeProblem('openai', JSON.parse(raw.data.slice(raw.data.indexOf('\r\n\r\n') + 4))),
    ).toBeNull();
  });

  it('item 12: max_tokens 0 is refused on /v1/messages (Anthropic requires ≥ 1)', async () => {
    const answer = await send(
      'POST',
      '/v1/messages',
      JSON.stringify({
        model: 'claude-sonnet-4-5',
        max_tokens: 0,
        messages: [{ role: 'user', content: 'hi' }],
      }),
    );
    expectClientError(answer, 'anthropic', 400);
    expect((answer.body as { error: { message: string } }).error.message).toMatch(/max_tokens/);
    await harness.balancedBalance(user.user.id);
  });

  it('item 12: a stream honours the client’s Connection: close', async () => {
    const body = JSON.stringify({
      model: 'deepseek-v3.2',
      stream: true,
      messages: [{ role: 'user', content: 'hi [[sim:reply_tokens=5]]' }],
    });
    const request = (connection: string) =>
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.key}\r\n` +
      `Connection: ${connection}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`;
    const closed = await trickle(port, request('close'), 60_000, 5_000);
    expect(closed.data).toMatch(/^HTTP\/1\.1 200 /);
    expect(closed.data.toLowerCase()).toContain('connection: close');
    expect(closed.data).toContain('[DONE]');
    expect(closed.closedAfterMs).toBeLessThan(4_000);
    // Without it the connection stays open for the next request (the test gives up on it).
    const kept = await trickle(port, request('keep-alive'), 60_000, 1_500);
    expect(kept.data).toContain('[DONE]');
    expect(kept.data.toLowerCase()).toContain('connection: keep-alive');
    expect(kept.closedAfterMs).toBeGreaterThanOrEqual(1_400);
    await harness.balancedBalance(user.user.id);
  }, 15_000);

  it('item 3: counting 150 KB of random letters neither freezes the gateway nor takes seconds', async () => {
    const text = randomLetters(150_000);
    const started = Date.now();
    const counting = Promise.all([
      send(
        'POST',
        '/v1/messages/count_tokens',
        JSON.stringify({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: text }] }),
      ),
      send(
        'POST',
        '/v1beta/models/deepseek-v3.2:countTokens',
        JSON.stringify({ contents: [{ parts: [{ text }] }] }),
      ),
    ]);
    // Meanwhile the gateway keeps answering.
    await new Promise((resolve) => setTimeout(resolve, 20));
    const healthStarted = Date.now();
    expect((await fetch(`${harness.gateway.url}/health`)).status).toBe(200);
    expect(Date.now() - healthStarted).toBeLessThan(500);
    const [anthropic, gemini] = await counting;
    expect(Date.now() - started).toBeLessThan(4_000);
    expect(anthropic.status).toBe(200);
    expect((anthropic.body as { input_tokens: number }).input_tokens).toBeGreaterThan(50_000);
    expect(gemini.status).toBe(200);
    expect((gemini.body as { totalTokens: number }).totalTokens).toBeGreaterThan(50_000);
  });

  it('item 4: a body trickled after an early 401 does not keep the socket', async () => {
    const head =
      'POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ck_wrongwrongwrongwrong\r\n' +
      'Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{';
    const outcome = await trickle(port, head, 100, 10_000);
    expect(outcome.data).toMatch(/^HTTP\/1\.1 401 /);
    expect(outcome.data.toLowerCase()).toContain('connection: close');
    expect(outcome.closedAfterMs).toBeLessThan(1_500);
  });

  it('item 4: a request whose body was read keeps its keep-alive connection', async () => {
    const body = JSON.stringify({ model: 'deepseek-v3.2', messages: [{ role: 'user', content: 'hi' }] });
    const one =
      'POST /v1/messages/count_tokens HTTP/1.1\r\nHost: x\r\n' +
      `x-api-key: ${user.key}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    const unauthenticated = 'GET /v1/models HTTP/1.1\r\nHost: x\r\n\r\n';
    // Three requests on one connection: all answered, the socket still open afterwards.
    const outcome = await trickle(port, one + unauthenticated + one, 60_000, 1_000);
    expect(outcome.data.match(/HTTP\/1\.1 \d{3}/g)).toEqual(['HTTP/1.1 200', 'HTTP/1.1 401', 'HTTP/1.1 200']);
    expect(outcome.data.toLowerCase()).not.toContain('connection: close');
    expect(outcome.closedAfterMs).toBeGreaterThanOrEqual(900);
  });

  it('item 4: an authenticated body trickled slower than server.requestTimeoutMs is cut with a 408', async () => {
    const head =
      `POST /v1/chat/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${user.key}\r\n` +
      'Content-Type: application/json\r\nContent-Length: 1000000\r\n\r\n{';
    const outcome = await trickle(port, head, 100, 10_000);
    expect(outcome.data).toMatch(/^HTTP\/1\.1 408 /);
    expect(outcome.closedAfterMs).toBeLessThan(3_000);
    // Slow headers too.
    const slowHeaders = await trickle(port, 'GET /v1/models HTTP/1.1\r\nX-Slow: ', 100, 10_000);
    expect(slowHeaders.closedAfterMs).toBeLessThan(3_000);
    await harness.balancedBalance(user.user.id);
  });

  it('item 5: one Prometheus series per route template, 401s and unknown paths included', async () => {
    const before = await fetch(`${harness.gateway.url}/metrics`).then((response) => response.text());
    const series = (text: string) =>
      text.split('\n').filter((line) => line.startsWith('hypereal_requests_total{'));
    for (let index = 0; index < 40; index++) {
      await send('GET', `/v1/responses/resp_${index}_${Math.random()}`, undefined, {
        authorization: 'Bearer ck_nope',
      });
      await send('GET', `/v1/responses/resp_${index}_${Math.random()}`);
      await send('GET', `/v1/unknown/${index}/${Math.random()}`);
    }
    const after = series(await fetch(`${harness.gateway.url}/metrics`).then((response) => response.text()));
    expect(after.length - series(before).length).toBeLessThanOrEqual(4);
    expect(after.some((line) => line.includes('endpoint="/v1/responses/:id"'))).toBe(true);
    expect(after.some((line) => line.includes('endpoint="unknown"'))).toBe(true);
    expect(after.join('\n')).not.toContain('resp_1_');
    // Nor does a caller without a key leave request log rows behind.
    const anonymous = await harness.db.get<{ count: number }>(
      'SELECT COUNT(*) AS count FROM request_logs WHERE user_id IS NULL',
    );
    expect(Number(anonymous?.count)).toBe(0);
  });

  it('item 5: refused requests with megabyte model names leave nothing in memory', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const broke = await harness.newUser(0);
    const heap = () => {
      gc();
      return process.memoryUsage().heapUsed;
    };
    const before = heap();
    for (let index = 0; index < 40; index++) {
      // Matches the built-in claude-* family pattern, and is refused (unknown model, no credits).
      const model = `claude-${index}-${'x'.repeat(1024 * 1024)}`;
      const answer = await fetch(`${harness.gateway.url}/v1/messages`, {
        method: 'POST',
        headers: { 'x-api-key': broke.key, 'content-type': 'application/json' },
        body: JSON.stringify({ model, max_tokens: 5, messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(answer.status).toBeGreaterThanOrEqual(400);
      expect(answer.status).toBeLessThan(500);
      await answer.arrayBuffer();
    }
    expect(heap() - before).toBeLessThan(25 * 1024 * 1024);
    await harness.balancedBalance(broke.user.id);
  }, 30_000);
});
