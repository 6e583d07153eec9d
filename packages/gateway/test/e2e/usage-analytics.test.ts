import { APIError } from 'openai';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { newId } from '../../src/ids.ts';
import { createOrg } from '../../src/orgs/index.ts';
import {
  insertRequestLog,
  readRolledThroughDay,
  resetUsageRollup,
  runUsageRollup,
} from '../../src/usage/index.ts';
import { AccountClient, signedIn } from '../helpers/account-client.ts';
import { engines } from '../helpers/databases.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

const password = 'correct horse battery';

interface Log {
  id: string;
  createdAt: number;
  endpoint: string;
  model: string | null;
  status: number;
  cost: number;
  keyId: string | null;
  keyName: string | null;
  promptTokens: number;
  completionTokens: number;
  errorMessage: string | null;
}
interface Usage {
  logs: Log[];
  total: number;
  costByModel: Array<{ model: string; cost: number; requests: number }>;
  topExpensiveRequests: Log[];
  dailyCost: Array<{ date: string; cost: number; requests: number }>;
}

/** Parses RFC 4180 (quoted fields, doubled quotes, CRLF inside quotes). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let at = 0; at < text.length; at++) {
    const char = text[at]!;
    if (quoted) {
      if (char === '"' && text[at + 1] === '"') {
        field += '"';
        at++;
      } else if (char === '"') quoted = false;
      else field += char;
    } else if (char === '"') quoted = true;
    else if (char === ',') {
      row.push(field);
      field = '';
    } else if (char === '\r' && text[at + 1] === '\n') {
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
      at++;
    } else field += char;
  }
  return rows;
}

describe.each(engines)('usage analytics and CSV export of the signed-in user (%s)', (engine) => {
  let harness: Harness;
  let alice: TestUser;
  let account: AccountClient;
  let bob: AccountClient;

  beforeAll(async () => {
    harness = await startHarness({ engine });
    alice = await harness.newUser(500, { email: 'alice@example.com', password });
    await harness.newUser(500, { email: 'bob@example.com', password });
    account = await signedIn(harness.gateway.url, 'alice@example.com', password);
    bob = await signedIn(harness.gateway.url, 'bob@example.com', password);

    for (const reply of [20, 200, 60]) {
      await alice.client.chat.completions.create({
        model: 'gpt-4o-mini',
        messages: [{ role: 'user', content: `[[sim:reply_tokens=${reply}]] hello` }],
      });
    }
    await alice.client.chat.completions.create({
      model: 'deepseek-v3.2',
      messages: [{ role: 'user', content: '[[sim:reply_tokens=100]] hello' }],
    });
    await alice.client.chat.completions
      .create({ model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] })
      .catch((error: unknown) => expect(error).toBeInstanceOf(APIError));
    // A logged error message that a spreadsheet would run as a formula, with a comma and quotes.
    await insertRequestLog(harness.db, {
      id: newId('req'),
      userId: alice.user.id,
      keyId: null,
      endpoint: '/v1/chat/completions',
      model: 'gpt-4o-mini',
      provider: null,
      upstreamModel: null,
      status: 502,
      stream: false,
      latencyMs: 3,
      promptTokens: 0,
      completionTokens: 0,
      cachedTokens: 0,
      reasoningTokens: 0,
      usageSource: null,
      costMicro: 0,
      errorCode: 'upstream_error',
      errorMessage: '=HYPERLINK("http://evil.example","click"), then more',
      createdAt: Date.now() - 2 * 86_400_000,
    });
  });
  afterAll(() => harness.close());

  const usage = async (query = '', days = 30) => {
    const response = await account.call('GET', `/api/api-usage?days=${days}${query}`);
    expect(response.status).toBe(200);
    return response.body as unknown as Usage;
  };

  it('returns logs, cost by model, the most expensive requests and a daily series that agree with each other', async () => {
    const result = await usage('&limit=1000');
    expect(result.total).toBe(6);
    expect(result.logs).toHaveLength(6);
    expect(result.logs.map((log) => log.createdAt)).toEqual(
      [...result.logs.map((log) => log.createdAt)].sort((a, b) => b - a),
    );

    const dbCost = await harness.db.get<{ total: number }>(
      'SELECT SUM(cost_micro) AS total FROM request_logs WHERE user_id = ?',
      [alice.user.id],
    );
    const sum = (values: number[]) => Math.round(values.reduce((total, value) => total + value, 0) * 1e6);
    expect(sum(result.logs.map((log) => log.cost))).toBe(Number(dbCost!.total));
    expect(sum(result.costByModel.map((entry) => entry.cost))).toBe(Number(dbCost!.total));
    expect(sum(result.dailyCost.map((day) => day.cost))).toBe(Number(dbCost!.total));
    expect(result.costByModel.find((entry) => entry.model === 'gpt-4o-mini')?.requests).toBe(4);
    expect(result.costByModel.map((entry) => entry.cost)).toEqual(
      [...result.costByModel.map((entry) => entry.cost)].sort((a, b) => b - a),
    );

    const top = result.topExpensiveRequests;
    expect(top.length).toBe(4);
    expect(top.map((log) => log.cost)).toEqual([...top.map((log) => log.cost)].sort((a, b) => b - a));
    expect(top[0]!.completionTokens).toBeGreaterThanOrEqual(200);
    expect(top.every((log) => log.keyName === 'test')).toBe(true);

    expect(result.dailyCost).toHaveLength(31);
    expect(result.dailyCost.at(-1)!.date).toBe(new Date().toISOString().slice(0, 10));
    expect(result.dailyCost.reduce((total, day) => total + day.requests, 0)).toBe(6);
  });

  it('filters by model, status class or code, key, endpoint and free text, and pages', async () => {
    expect((await usage('&model=deepseek-v3.2')).total).toBe(1);
    expect((await usage('&status=4xx')).logs.map((log) => log.status)).toEqual([400]);
    expect((await usage('&status=502')).total).toBe(1);
    expect((await usage('&status=2xx')).total).toBe(4);
    expect((await usage('&q=HYPERLINK')).total).toBe(1);
    expect((await usage('&q=no-such')).total).toBe(1);
    expect((await usage('&q=100%25')).total).toBe(0);
    expect((await usage('&endpoint=/v1/chat/completions')).total).toBe(6);
    const keyId = (await usage()).logs.find((log) => log.keyId)!.keyId!;
    expect((await usage(`&keyId=${keyId}`)).total).toBe(5);
    expect((await usage('', 1)).total).toBe(5);

    const first = await usage('&limit=2&offset=0');
    const second = await usage('&limit=2&offset=2');
    expect(first.logs).toHaveLength(2);
    expect(first.total).toBe(6);
    expect(second.logs[0]!.id).not.toBe(first.logs[1]!.id);

    const bad = await account.call('GET', '/api/api-usage?days=0&limit=5000');
    expect(bad.status).toBe(400);
    expect((await account.call('GET', '/api/api-usage?status=abc')).status).toBe(400);
  });

  it("shows nothing of another user's calls, even when asked for their key", async () => {
    const keyId = (await usage()).logs.find((log) => log.keyId)!.keyId!;
    const theirs = (await bob.call('GET', `/api/api-usage?days=30&keyId=${keyId}`)).body as unknown as Usage;
    expect(theirs.total).toBe(0);
    expect(theirs.costByModel).toEqual([]);
    const all = (await bob.call('GET', '/api/api-usage?days=30')).body as unknown as Usage;
    expect(all.total).toBe(0);
    const csv = await bob.call('GET', '/api/api-usage/export?days=30');
    expect(parseCsv(csv.text.replace(/^\uFEFF/, ''))).toHaveLength(1);
  });

  it('exports the same rows as a safe RFC 4180 CSV download', async () => {
    const response = await account.call('GET', '/api/api-usage/export?days=30');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="hypereal-usage-${new Date().toISOString().slice(0, 10)}.csv"`,
    );
    const rows = parseCsv(response.text.replace(/^\uFEFF/, ''));
    const [header, ...data] = rows;
    expect(header).toEqual([
      'time_utc',
      'request_id',
      'endpoint',
      'model',
      'provider',
      'status',
      'stream',
      'latency_ms',
      'prompt_tokens',
      'completion_tokens',
      'cached_tokens',
      'reasoning_tokens',
      'cost_credits',
      'key_id',
      'key_name',
      'error',
      'images',
      'image_tier',
    ]);
    const json = await usage('&limit=1000');
    expect(data.map((row) => row[1])).toEqual(json.logs.map((log) => log.id));
    expect(data.map((row) => Number(row[12]))).toEqual(json.logs.map((log) => log.cost));
    const injected = data.find((row) => row[5] === '502')!;
    expect(injected[15]).toBe('\'=HYPERLINK("http://evil.example","click"), then more');

    const filtered = parseCsv(
      (await account.call('GET', '/api/api-usage/export?days=30&model=deepseek-v3.2')).text,
    );
    expect(filtered).toHaveLength(2);
    expect((await new AccountClient(harness.gateway.url).call('GET', '/api/api-usage/export')).status).toBe(
      401,
    );
  });
});

describe.each(engines)('usage totals from the rollup (%s)', (engine) => {
  let harness: Harness;
  afterAll(() => harness?.close());

  it('starts the rollup with the server, and the dashboard answers the same with and without it', async () => {
    harness = await startHarness({ engine, config: { usage: { rollupIntervalSeconds: 3600 } } });
    // The server's first run, right after it started, has closed the days before yesterday at least.
    await vi.waitFor(async () => expect(await readRolledThroughDay(harness.db)).toBeDefined());
    const carol = await harness.newUser(0, { email: `carol-${newId('x')}@example.com`, password });
    const org = await createOrg(harness.db, { name: 'Rollup Org', ownerId: carol.user.id });
    const now = Date.now();
    for (let n = 0; n < 300; n++) {
      await insertRequestLog(harness.db, {
        id: newId('req'),
        userId: carol.user.id,
        orgId: n % 3 === 0 ? org.id : null,
        keyId: n % 2 ? 'key_one' : 'key_two',
        endpoint: n % 5 ? '/v1/chat/completions' : '/v1/messages',
        model: ['gpt-4o-mini', 'deepseek-v3.2', 'claude-sonnet-4-6'][n % 3]!,
        provider: 'sim',
        upstreamModel: null,
        status: n % 7 === 0 ? 502 : 200,
        stream: false,
        latencyMs: 10,
        promptTokens: n,
        completionTokens: 2 * n,
        cachedTokens: 0,
        reasoningTokens: 0,
        usageSource: 'upstream',
        costMicro: 1_000 + n * 37,
        errorCode: null,
        errorMessage: null,
        createdAt: now - Math.floor((n / 300) * 40 * 86_400_000),
      });
    }
    // Rows written into closed days after the fact (an import): `hypereal usage rollup --rebuild`.
    await resetUsageRollup(harness.db);
    const run = await runUsageRollup(harness.db, { pauseRatio: 0 });
    expect(run.rows).toBeGreaterThan(0);
    const client = await signedIn(harness.gateway.url, carol.user.email, password);
    const queries = [
      '/api/api-usage?days=30&limit=1000',
      '/api/api-usage?days=90&model=deepseek-v3.2',
      '/api/api-usage?days=7&status=5xx',
      '/api/api-usage?days=30&keyId=key_one&endpoint=/v1/messages',
      `/api/orgs/${org.id}/usage?days=30&limit=1000`,
      `/api/orgs/${org.id}/usage?days=90&member=${carol.user.id}&status=200`,
    ];
    const answers = async () =>
      Promise.all(
        queries.map(async (path) => {
          const response = await client.call('GET', path);
          expect(response.status).toBe(200);
          return response.body;
        }),
      );
    const fromRollup = await answers();
    expect(fromRollup[0]!['total']).toBe(150);
    expect(fromRollup[4]!['total']).toBe(75);
    await resetUsageRollup(harness.db);
    expect(await answers()).toEqual(fromRollup);
  });
});
