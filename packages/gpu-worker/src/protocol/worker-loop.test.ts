import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { JobHandler, Json } from '../handlers/types.ts';
import { type RunningWorker, startWorker } from './worker-loop.ts';
import { withQuery } from './worker-urls.ts';

/**
 * The platform side of RunPod's worker protocol, as small as a test needs: a job queue behind
 * job-take, a record of job-done posts and pings, and a stop list behind the job-stop long-poll.
 * (The gateway's own implementation is exercised end to end in packages/gateway/test/e2e/gpu-workers.test.ts.)
 */
interface Platform {
  url: string;
  queue: { id: string; input: unknown }[];
  posts: {
    path: string;
    query: string;
    auth: string | undefined;
    body: unknown;
    contentType: string | undefined;
  }[];
  pings: URLSearchParams[];
  takes: string[];
  stop: Set<string>;
  close(): Promise<void>;
}

async function startPlatform(): Promise<Platform> {
  const platform: Omit<Platform, 'url' | 'close'> = {
    queue: [],
    posts: [],
    pings: [],
    takes: [],
    stop: new Set(),
  };
  const read = async (request: IncomingMessage) => {
    let text = '';
    for await (const part of request) text += String(part);
    return text;
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://platform');
      if (request.headers.authorization !== 'raw-key') return response.writeHead(401).end();
      if (url.pathname === '/v2/ep/job-take/w-1') {
        platform.takes.push(url.search);
        const job = platform.queue.shift();
        if (!job) return response.writeHead(204).end();
        response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(job));
        return;
      }
      if (url.pathname.startsWith('/v2/ep/job-done/w-1/')) {
        const text = await read(request);
        platform.posts.push({
          path: url.pathname,
          query: url.search,
          auth: request.headers.authorization,
          body: JSON.parse(text),
          contentType: request.headers['content-type'],
        });
        return response.writeHead(200).end('{}');
      }
      if (url.pathname === '/v2/ep/job-stop/w-1') {
        for (let wait = 0; wait < 10 && platform.stop.size === 0; wait += 1) {
          await new Promise((resolve) => setTimeout(resolve, 20));
        }
        const ids = [...platform.stop];
        platform.stop.clear();
        if (ids.length === 0) return response.writeHead(204).end();
        return response
          .writeHead(200, { 'content-type': 'application/json' })
          .end(JSON.stringify({ jobsToStop: ids }));
      }
      if (url.pathname === '/v2/ep/ping/w-1') {
        platform.pings.push(url.searchParams);
        return response.writeHead(200).end();
      }
      response.writeHead(404).end();
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    ...platform,
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

let platform: Platform | undefined;
let worker: RunningWorker | undefined;
afterEach(async () => {
  worker?.kill();
  await worker?.finished;
  await platform?.close();
  worker = undefined;
  platform = undefined;
});

async function run(handler: JobHandler, options: { shutdownGraceMs?: number } = {}) {
  platform = await startPlatform();
  worker = await startWorker({
    env: {
      RUNPOD_WEBHOOK_GET_JOB: `${platform.url}/v2/ep/job-take/$ID?gpu=test`,
      RUNPOD_WEBHOOK_POST_OUTPUT: `${platform.url}/v2/ep/job-done/$RUNPOD_POD_ID/$ID?gpu=test`,
      RUNPOD_WEBHOOK_PING: `${platform.url}/v2/ep/ping/$RUNPOD_POD_ID`,
      RUNPOD_AI_API_KEY: 'raw-key',
      RUNPOD_POD_ID: 'w-1',
      RUNPOD_PING_INTERVAL: '50',
    },
    handler,
    pollIntervalMs: 10,
    ...options,
  });
  return { platform, worker };
}

const until = async (check: () => boolean, ms = 3000) => {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error('timed out waiting');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

describe('worker loop (RunPod worker protocol)', () => {
  it('takes a job, posts progress and then the output as JSON text, raw key, $ID and $RUNPOD_POD_ID filled in', async () => {
    const { platform } = await run(async (job, context) => {
      context.progress({ percent: 50 });
      await new Promise((resolve) => setTimeout(resolve, 120));
      return { echo: job.input as Json };
    });
    platform.queue.push({ id: 'job-1', input: { prompt: 'hi' } });
    await until(() =>
      platform.posts.some(
        (post) => 'output' in (post.body as object) && !('status' in (post.body as object)),
      ),
    );
    const [progress, done] = platform.posts;
    expect(progress).toMatchObject({
      path: '/v2/ep/job-done/w-1/job-1',
      body: { status: 'IN_PROGRESS', output: { percent: 50 } },
    });
    expect(done).toMatchObject({ auth: 'raw-key', body: { output: { echo: { prompt: 'hi' } } } });
    expect(done?.query).toBe('?gpu=test&isStream=false');
    expect(done?.contentType).toBe('application/x-www-form-urlencoded');
    expect(platform.takes[0]).toBe('?gpu=test&job_in_progress=0');
    // Heartbeats name the job while it runs.
    expect(platform.pings.some((ping) => ping.get('job_id') === 'job-1' && ping.get('runpod_version'))).toBe(
      true,
    );
  });

  it("fails a throwing handler with RunPod's JSON-encoded error object; an {error} return is a graceful failure", async () => {
    const { platform } = await run(async (job) => {
      if (job.id === 'bad') throw new TypeError('no such model');
      return { error: 'Job processing failed', details: ['node 3'] };
    });
    platform.queue.push({ id: 'bad', input: {} }, { id: 'soft', input: {} });
    await until(() => platform.posts.length === 2);
    const error = JSON.parse((platform.posts[0]!.body as { error: string }).error) as Record<string, string>;
    expect(error).toMatchObject({
      error_type: 'TypeError',
      error_message: 'no such model',
      worker_id: 'w-1',
    });
    expect(platform.posts[1]?.body).toEqual({
      error: 'Job processing failed',
      output: { details: ['node 3'] },
    });
  });

  it('aborts a job the platform stops (job-stop) and posts nothing for it', async () => {
    let aborted = false;
    const { platform, worker } = await run(
      (_job, context) =>
        new Promise((_resolve, reject) => {
          context.signal.addEventListener('abort', () => {
            aborted = true;
            reject(context.signal.reason);
          });
        }),
    );
    platform.queue.push({ id: 'long', input: {} });
    await until(() => worker.currentJobId === 'long');
    platform.stop.add('long');
    await until(() => aborted && worker.currentJobId === undefined);
    expect(platform.posts).toEqual([]);
  });

  it('on a graceful stop finishes a short job, and gives a long one back with a heartbeat that no longer lists it', async () => {
    const { platform, worker } = await run(
      async (job, context) => {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, job.id === 'short' ? 50 : 5000);
          context.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(context.signal.reason);
          });
        });
        return { done: job.id };
      },
      { shutdownGraceMs: 150 },
    );
    platform.queue.push({ id: 'short', input: {} });
    await until(() => worker.currentJobId === 'short');
    await worker.stop();
    expect(platform.posts.map((post) => post.body)).toEqual([{ output: { done: 'short' } }]);

    const second = await run(
      async (job, context) => {
        await new Promise((resolve, reject) => {
          const timer = setTimeout(resolve, 5000);
          context.signal.addEventListener('abort', () => {
            clearTimeout(timer);
            reject(context.signal.reason);
          });
        });
        return { done: job.id };
      },
      { shutdownGraceMs: 100 },
    );
    second.platform.queue.push({ id: 'long', input: {} });
    await until(() => second.worker.currentJobId === 'long');
    const startedAt = Date.now();
    await second.worker.stop();
    expect(Date.now() - startedAt).toBeLessThan(1000);
    expect(second.platform.posts).toEqual([]);
    expect(second.platform.pings.at(-1)?.get('job_id')).toBe('');
  });

  it('kill() ends at once, posting nothing', async () => {
    const { platform, worker } = await run(() => new Promise(() => undefined));
    platform.queue.push({ id: 'k', input: {} });
    await until(() => worker.currentJobId === 'k' && platform.pings.length > 0);
    await new Promise((resolve) => setTimeout(resolve, 20));
    const pings = platform.pings.length;
    worker.kill();
    await new Promise((resolve) => setTimeout(resolve, 150));
    expect(platform.posts).toEqual([]);
    expect(platform.pings.length).toBe(pings);
  });
});

describe('withQuery', () => {
  it('appends to URLs with and without a query', () => {
    expect(withQuery('http://x/a', { b: '1' })).toBe('http://x/a?b=1');
    expect(withQuery('http://x/a?c=2', { b: '1' })).toBe('http://x/a?c=2&b=1');
    expect(withQuery('http://x/a?', { b: '1' })).toBe('http://x/a?b=1');
  });
});
