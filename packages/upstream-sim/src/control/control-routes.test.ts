import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { RecordedRequest } from '../recorded-request.ts';
import type { UpstreamSim } from '../server.ts';
import { postJson, startSimWithClient } from '../testing/sim-client.ts';

let sim: UpstreamSim;

beforeAll(async () => {
  ({ sim } = await startSimWithClient());
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const request = { model: 'gpt-4o', messages: [{ role: 'user', content: 'hello' }] };

interface ErrorBody {
  error: { code: string | null };
}

function control(method: string, path: string, body?: unknown): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
}

describe('/__sim control endpoints', () => {
  it('POST /__sim/faults queues faults that the next requests consume', async () => {
    const added = await control('POST', '/__sim/faults', [
      { status: 429, headers: { 'retry-after': '2' } },
      { status: 503, times: 'Infinity', match: { model: 'gpt-4o-mini' } },
    ]);
    expect(added.status).toBe(201);
    expect(await added.json()).toEqual({ ok: true, added: 2 });

    const limited = await postJson(sim, '/v1/chat/completions', request);
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('2');
    expect(((await limited.json()) as ErrorBody).error.code).toBe('rate_limit_exceeded');
    expect((await postJson(sim, '/v1/chat/completions', request)).status).toBe(200);
    for (let attempt = 0; attempt < 2; attempt += 1) {
      expect((await postJson(sim, '/v1/chat/completions', { ...request, model: 'gpt-4o-mini' })).status).toBe(
        503,
      );
    }
  });

  it('DELETE /__sim/faults clears queued faults', async () => {
    await control('POST', '/__sim/faults', { status: 500, times: -1 });
    expect((await control('DELETE', '/__sim/faults')).status).toBe(200);
    expect((await postJson(sim, '/v1/chat/completions', request)).status).toBe(200);
  });

  it('rejects malformed faults', async () => {
    const response = await control('POST', '/__sim/faults', { status: 'soon' });
    expect(response.status).toBe(400);
    expect(((await response.json()) as { error: string }).error).toContain('status');
  });

  it('GET /__sim/requests lists recorded API requests, not control calls', async () => {
    await postJson(sim, '/v1/chat/completions', request);
    const response = await control('GET', '/__sim/requests');
    const recorded = (await response.json()) as RecordedRequest[];
    expect(recorded).toHaveLength(1);
    expect(recorded[0]).toMatchObject({
      method: 'POST',
      path: '/v1/chat/completions',
      body: request,
      aborted: false,
      completed: true,
    });
  });

  it('POST /__sim/reset clears requests and faults', async () => {
    await postJson(sim, '/v1/chat/completions', request);
    await control('POST', '/__sim/faults', { status: 500 });
    expect((await control('POST', '/__sim/reset')).status).toBe(200);
    expect(sim.requests).toHaveLength(0);
    expect((await postJson(sim, '/v1/chat/completions', request)).status).toBe(200);
  });
});

describe('a simulator keeping only its last requests', () => {
  it('trims the oldest records in place once it holds twice the limit, newest kept', async () => {
    const { sim: small } = await startSimWithClient({ maxRecordedRequests: 2 });
    try {
      const recorded = small.requests;
      for (const content of ['one', 'two', 'three', 'four', 'five']) {
        await postJson(small, '/v1/chat/completions', { ...request, messages: [{ role: 'user', content }] });
      }
      // 5 > 2 × 2 trimmed back to the last 2; the array the caller holds is the same one.
      expect(small.requests).toBe(recorded);
      const contents = recorded.map(
        (entry) => (entry.body as { messages: { content: string }[] }).messages[0]?.content,
      );
      expect(contents).toEqual(['four', 'five']);
    } finally {
      await small.close();
    }
  });
});
