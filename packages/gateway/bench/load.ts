import { performance } from 'node:perf_hooks';
import type { Pool } from 'undici';

export interface LoadTarget {
  pool: Pool;
  path: string;
  headers: Record<string, string>;
  body: Buffer;
  stream: boolean;
  /**
   * What a complete answer contains, anywhere in it: for streams its last event (chat
   * `data: [DONE]`, Anthropic `event: message_stop`, Responses `event: response.completed`, whose
   * data echoes the whole response and may be long); for JSON the object type (`"chat.completion"`,
   * `"type":"message"`, `"object":"response"`).
   */
  completeMarker: string;
}

/** How much of a stream's end is kept: a marker split across chunks, and the failure description. */
const STREAM_TAIL_CHARS = 256;

export interface LoadResult {
  requests: number;
  failures: number;
  /** A few distinct failure descriptions, for the report. */
  failureSamples: string[];
  wallMs: number;
  /** Per successful request: until the body was fully read, ms. */
  totalMs: number[];
  /** Per successful request: until the first body byte, ms. */
  firstByteMs: number[];
  /** Per successful request: until the status line and headers, ms. */
  headersMs: number[];
}

/**
 * Sends `requests` POSTs with `concurrency` workers, each looping over one keep-alive
 * connection's worth of work; every body is read to the end and checked for completeness.
 */
export async function runLoad(
  target: LoadTarget,
  options: { requests: number; concurrency: number },
): Promise<LoadResult> {
  const result: LoadResult = {
    requests: options.requests,
    failures: 0,
    failureSamples: [],
    wallMs: 0,
    totalMs: [],
    firstByteMs: [],
    headersMs: [],
  };
  let next = 0;
  const worker = async () => {
    while (next < options.requests) {
      next += 1;
      const outcome = await oneRequest(target);
      if (typeof outcome === 'string') {
        result.failures += 1;
        if (result.failureSamples.length < 5 && !result.failureSamples.includes(outcome))
          result.failureSamples.push(outcome);
      } else {
        result.totalMs.push(outcome.totalMs);
        result.firstByteMs.push(outcome.firstByteMs);
        result.headersMs.push(outcome.headersMs);
      }
    }
  };
  const started = performance.now();
  await Promise.all(Array.from({ length: Math.min(options.concurrency, options.requests) }, worker));
  result.wallMs = performance.now() - started;
  return result;
}

/** Timings on success, a failure description otherwise. */
interface Timing {
  totalMs: number;
  firstByteMs: number;
  headersMs: number;
}

async function oneRequest(target: LoadTarget): Promise<Timing | string> {
  const started = performance.now();
  try {
    const response = await target.pool.request({
      method: 'POST',
      path: target.path,
      headers: target.headers,
      body: target.body,
    });
    const headersMs = performance.now() - started;
    let firstByteMs = -1;
    let text = '';
    let tail = '';
    let streamComplete = false;
    for await (const chunk of response.body) {
      if (firstByteMs < 0) firstByteMs = performance.now() - started;
      const piece = (chunk as Buffer).toString('utf8');
      // Streams are scanned chunk by chunk (with the previous tail, for a marker split across
      // chunks) and not kept; JSON answers and errors are kept whole.
      if (target.stream && response.statusCode === 200) {
        const window = tail + piece;
        if (!streamComplete) streamComplete = window.includes(target.completeMarker);
        tail = window.slice(-STREAM_TAIL_CHARS);
      } else text += piece;
    }
    const totalMs = performance.now() - started;
    if (response.statusCode !== 200) return `HTTP ${response.statusCode}: ${text.slice(0, 300)}`;
    if (!(target.stream ? streamComplete : text.includes(target.completeMarker)))
      return `incomplete ${target.stream ? 'stream' : 'body'}: …${(target.stream ? tail : text).slice(-120)}`;
    return { totalMs, firstByteMs, headersMs };
  } catch (error) {
    return `request failed: ${error instanceof Error ? error.message : String(error)}`;
  }
}

/** One result from several runs against the same target (wall time is the sum of theirs). */
export function mergeLoads(loads: readonly LoadResult[]): LoadResult {
  const merged: LoadResult = {
    requests: 0,
    failures: 0,
    failureSamples: [],
    wallMs: 0,
    totalMs: [],
    firstByteMs: [],
    headersMs: [],
  };
  for (const load of loads) {
    merged.requests += load.requests;
    merged.failures += load.failures;
    merged.wallMs += load.wallMs;
    for (const sample of load.failureSamples) {
      if (merged.failureSamples.length < 5 && !merged.failureSamples.includes(sample))
        merged.failureSamples.push(sample);
    }
    merged.totalMs.push(...load.totalMs);
    merged.firstByteMs.push(...load.firstByteMs);
    merged.headersMs.push(...load.headersMs);
  }
  return merged;
}
