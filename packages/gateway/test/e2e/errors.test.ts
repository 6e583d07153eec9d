import OpenAI, { type APIError } from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { revokeApiKey } from '../../src/accounts/index.ts';
import { listRequestLogs } from '../../src/usage/index.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

interface ErrorBody {
  error: { type: string; message: string; code: string; param: string | null; available_models?: string[] };
}

describe('errors: every bad input gets its JSON error, and nothing is charged', () => {
  let harness: Harness;
  let bob: TestUser;
  const chat = { model: 'deepseek-v3.2', messages: [{ role: 'user' as const, content: 'hello' }] };

  beforeAll(async () => {
    harness = await startHarness({
      config: {
        // Mapping is tested one attempt at a time; retries and breakers have their own tests.
        routing: { retriesPerTarget: 0, breaker: { failureThreshold: 1000 } },
        upstream: { firstByteTimeoutMs: 1_500 },
        models: {
          // A model with two routes: the first fails over to the second before any byte is sent.
          'failover-demo': {
            routes: ['openai/dead-model', 'deepseek/deepseek-chat'],
            price: { input: 1, output: 2 },
          },
          'unroutable-demo': { route: 'nowhere/some-model', price: { input: 1, output: 2 } },
        },
        providers: { nowhere: { baseUrl: 'http://127.0.0.1:9/v1', apiKey: 'x' } },
      },
    });
    bob = await harness.newUser(1000);
  });
  afterAll(() => harness.close());
  beforeEach(() => harness.sim.clearFaults());

  async function post(
    body: string,
    headers: Record<string, string> = { authorization: `Bearer ${bob.key}` },
  ) {
    const response = await fetch(`${harness.baseUrl}/chat/completions`, { method: 'POST', headers, body });
    return { status: response.status, headers: response.headers, body: (await response.json()) as ErrorBody };
  }

  it('400: missing model, unknown model (with available_models), Anthropic model, malformed JSON, invalid field', async () => {
    const before = await harness.balancedBalance(bob.user.id);
    const requestsBefore = harness.sim.requests.length;

    const missing = await post(JSON.stringify({ messages: chat.messages }));
    expect(missing.status).toBe(400);
    expect(missing.body.error).toMatchObject({
      type: 'invalid_request_error',
      code: 'missing_model',
      param: 'model',
    });

    const unknown = await post(JSON.stringify({ ...chat, model: 'llama-17-ultra' }));
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('unknown_model');
    expect(unknown.body.error.message).toContain('llama-17-ultra');
    expect(unknown.body.error.available_models).toEqual(expect.arrayContaining(['deepseek-v3.2', 'gpt-5']));
    expect(unknown.body.error.available_models).not.toContain('claude-opus-4-6');

    const anthropic = await post(JSON.stringify({ ...chat, model: 'claude-sonnet-4-6' }));
    expect(anthropic.status).toBe(400);
    expect(anthropic.body.error.code).toBe('wrong_endpoint');
    expect(anthropic.body.error.message).toContain('/v1/messages');
    const alias = await post(JSON.stringify({ ...chat, model: 'claude-3-5-sonnet-20241022' }));
    expect(alias.body.error.message).toContain('/v1/messages');

    const malformed = await post('{"model": "deepseek-v3.2", "messages": [');
    expect(malformed.status).toBe(400);
    expect(malformed.body.error.code).toBe('invalid_json');

    const invalid = await post(JSON.stringify({ model: 'deepseek-v3.2', messages: 'hello' }));
    expect(invalid.status).toBe(400);
    expect(invalid.body.error.param).toBe('messages');

    const empty = await post('');
    expect(empty.status).toBe(400);

    expect(harness.sim.requests.length).toBe(requestsBefore);
    expect(await harness.balancedBalance(bob.user.id)).toBe(before);
    const logs = await listRequestLogs(harness.db, bob.user.id, 10);
    expect(logs.slice(0, 6).map((log) => log.status)).toEqual([400, 400, 400, 400, 400, 400]);
    expect(logs.every((log) => Number(log.cost_micro) === 0)).toBe(true);
  });

  it('401: missing, malformed, unknown and revoked keys — in the SDK as AuthenticationError', async () => {
    const missing = await post(JSON.stringify(chat), {});
    expect(missing.status).toBe(401);
    expect(missing.body.error.code).toBe('missing_api_key');
    expect(
      (await post(JSON.stringify(chat), { authorization: 'Bearer sk-not-ours-0123456789abcdef' })).status,
    ).toBe(401);
    expect(
      (await post(JSON.stringify(chat), { authorization: 'Bearer ck_unknownunknownunknownunknown12' }))
        .status,
    ).toBe(401);
    // 401 comes before body parsing: a bad key with a bad body is still 401.
    expect(
      (await post('{not json', { authorization: 'Bearer ck_unknownunknownunknownunknown12' })).status,
    ).toBe(401);

    const carol = await harness.newUser(300);
    await expect(carol.client.chat.completions.create(chat)).resolves.toBeDefined();
    const keys = await harness.db.all<{ id: string }>('SELECT id FROM api_keys WHERE user_id = ?', [
      carol.user.id,
    ]);
    await revokeApiKey(harness.db, carol.user.id, keys[0]!.id);
    harness.gateway.services.keys.invalidate();
    const error = await carol.client.chat.completions.create(chat).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((error as APIError).message).toContain('revoked');
  });

  it('maps upstream failures to one clean error and charges nothing', async () => {
    const before = await harness.balancedBalance(bob.user.id);
    const cases: Array<[Parameters<Harness['sim']['addFault']>[0], number, string]> = [
      [{ status: 500 }, 502, 'upstream_error'],
      [{ status: 503 }, 503, 'upstream_unavailable'],
      [{ status: 429, headers: { 'retry-after': '7' } }, 429, 'upstream_rate_limited'],
      [
        {
          status: 400,
          body: {
            error: { message: 'context too long', type: 'invalid_request_error', param: null, code: null },
          },
        },
        400,
        'invalid_request',
      ],
      [{ status: 401 }, 502, 'upstream_error'],
      [{ dropConnection: true }, 502, 'upstream_error'],
      [{ hang: true }, 504, 'upstream_timeout'],
    ];
    for (const [fault, status, code] of cases) {
      harness.sim.addFault(fault);
      const result = await post(JSON.stringify(chat));
      expect(result.status, JSON.stringify(fault)).toBe(status);
      expect(result.body.error.code).toBe(code);
      expect(JSON.stringify(result.body)).not.toMatch(/sim-test-key|at .*\.ts:\d+/);
      if (status === 429) expect(result.headers.get('retry-after')).toBe('7');
      if (code === 'invalid_request') expect(result.body.error.message).toContain('context too long');
    }
    expect(await harness.balancedBalance(bob.user.id)).toBe(before);
    const logs = await listRequestLogs(harness.db, bob.user.id, cases.length);
    expect(logs.map((log) => log.status).reverse()).toEqual(cases.map(([, status]) => status));
    expect(logs.every((log) => Number(log.cost_micro) === 0 && log.provider === 'deepseek')).toBe(true);
  });

  it('fails over to the next route before the first byte, and says which answered', async () => {
    harness.sim.addFault({ match: { model: 'dead-model' }, status: 500 });
    const { data, response } = await bob.client.chat.completions
      .create({ ...chat, model: 'failover-demo' })
      .withResponse();
    expect(data.choices[0]?.message.content).toBeTruthy();
    expect(response.headers.get('x-hypereal-provider')).toBe('deepseek');
    expect(response.headers.get('x-hypereal-attempts')).toBe('2');
    await harness.balancedBalance(bob.user.id);
  });

  it('a refused connection to the only upstream is a clean 502', async () => {
    const result = await post(JSON.stringify({ ...chat, model: 'unroutable-demo' }));
    expect(result.status).toBe(502);
    expect(result.body.error.type).toBe('upstream_error');
    expect(result.body.error.message).not.toContain('127.0.0.1');
  });

  it('unknown routes are JSON 404s', async () => {
    const response = await fetch(`${harness.baseUrl}/nope`, {
      headers: { authorization: `Bearer ${bob.key}` },
    });
    expect(response.status).toBe(404);
    expect(((await response.json()) as ErrorBody).error.type).toBe('not_found_error');
  });
});
