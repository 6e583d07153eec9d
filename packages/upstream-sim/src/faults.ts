import { isRecord } from './json.ts';

/** A scripted misbehaviour applied to the next request(s) that match. */
export interface Fault {
  match?: FaultMatch;
  /** How many matching requests consume this fault; defaults to 1, `Infinity` keeps it forever. */
  times?: number;
  /** Respond with this status and the API's error envelope for it (or `body` if given). */
  status?: number;
  body?: unknown;
  headers?: Record<string, string>;
  /** Delay before response headers. */
  latencyMs?: number;
  /** Accept the request and never answer (until the client aborts). */
  hang?: boolean;
  /** Destroy the socket without any response. */
  dropConnection?: boolean;
  /**
   * Streaming: destroy the socket after N SSE data events (before the usage chunk and `[DONE]`;
   * for Gemini, N response chunks).
   */
  cutAfterChunks?: number;
  /** Streaming: delay between SSE events. */
  chunkDelayMs?: number;
  /** Override the generated reply length for this request. */
  replyTokens?: number;
  /** Chat Completions: generate past `max_tokens` / `max_completion_tokens`, as a misbehaving upstream does. */
  ignoreMaxTokens?: boolean;
  /**
   * Streaming: end the stream with an in-band error event after `cutAfterChunks` events (default:
   * after the first content delta) instead of finishing it, as an upstream that overloads
   * mid-stream does. Anthropic: `event: error` with `{"type":"error","error":{type,message}}`.
   * OpenAI Responses: `type` is the error code, sent as an `error` event
   * `{type:"error",code,message,param,sequence_number}`, or with `event: "response.failed"` as a
   * `response.failed` whose `response.error` is `{code,message}`. Gemini: `type` is the canonical
   * status name (`UNAVAILABLE`, `RESOURCE_EXHAUSTED`…), sent as a chunk
   * `{"error":{code,message,status}}`. A non-streaming request gets the same error as an HTTP
   * status instead. Not used by Chat Completions.
   */
  streamError?: StreamErrorFault;
  /**
   * OpenAI Responses: answer with server-sent events even when the request did not ask for a
   * stream, as some upstreams do (also a sim-wide option, `alwaysSse`).
   */
  alwaysSse?: boolean;
}

export interface StreamErrorFault {
  type: string;
  message: string;
  /** OpenAI Responses only: which event carries the error; `error` by default. */
  event?: 'error' | 'response.failed';
}

export interface FaultMatch {
  model?: string;
  path?: string;
}

export interface FaultTarget {
  path: string;
  model: string | undefined;
}

interface QueuedFault {
  fault: Fault;
  remaining: number;
}

/** Faults in the order they were added; the first one that matches a request is consumed. */
export class FaultQueue {
  #queue: QueuedFault[] = [];

  add(fault: Fault): void {
    this.#queue.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.#queue = [];
  }

  /** No fault queued: a request need not work out what it targets. */
  get empty(): boolean {
    return this.#queue.length === 0;
  }

  take(target: FaultTarget): Fault | undefined {
    const index = this.#queue.findIndex((queued) => matches(queued.fault.match, target));
    const queued = this.#queue[index];
    if (!queued) return undefined;
    queued.remaining -= 1;
    if (queued.remaining <= 0) this.#queue.splice(index, 1);
    return queued.fault;
  }
}

function matches(match: FaultMatch | undefined, target: FaultTarget): boolean {
  if (match?.path !== undefined && match.path !== target.path) return false;
  if (match?.model !== undefined && match.model !== target.model) return false;
  return true;
}

const NUMBER_FIELDS = ['status', 'latencyMs', 'cutAfterChunks', 'chunkDelayMs', 'replyTokens'] as const;
const BOOLEAN_FIELDS = ['hang', 'dropConnection', 'alwaysSse', 'ignoreMaxTokens'] as const;

/**
 * Validates a fault received over HTTP (`POST /__sim/faults`). JSON cannot spell `Infinity`,
 * so `times` also accepts `"Infinity"` or `-1` for a sticky fault.
 */
export function parseFault(value: unknown): Fault {
  if (!isRecord(value)) throw new TypeError('fault must be a JSON object');
  const fault: Fault = {};
  for (const field of NUMBER_FIELDS) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'number' || !Number.isFinite(fieldValue)) {
      throw new TypeError(`fault.${field} must be a number`);
    }
    fault[field] = fieldValue;
  }
  for (const field of BOOLEAN_FIELDS) {
    const fieldValue = value[field];
    if (fieldValue === undefined) continue;
    if (typeof fieldValue !== 'boolean') throw new TypeError(`fault.${field} must be a boolean`);
    fault[field] = fieldValue;
  }
  const times = value['times'];
  if (times === 'Infinity' || times === -1) fault.times = Number.POSITIVE_INFINITY;
  else if (typeof times === 'number' && times >= 1) fault.times = times;
  else if (times !== undefined)
    throw new TypeError('fault.times must be a positive number, -1 or "Infinity"');
  if (value['body'] !== undefined) fault.body = value['body'];
  if (value['headers'] !== undefined) fault.headers = parseStringMap(value['headers'], 'headers');
  if (value['match'] !== undefined) fault.match = parseStringMap(value['match'], 'match');
  if (value['streamError'] !== undefined) {
    const { type, message, event } = parseStringMap(value['streamError'], 'streamError');
    if (type === undefined || message === undefined) {
      throw new TypeError('fault.streamError needs string fields type and message');
    }
    fault.streamError = { type, message };
    if (event === 'error' || event === 'response.failed') fault.streamError.event = event;
    else if (event !== undefined)
      throw new TypeError('fault.streamError.event must be "error" or "response.failed"');
  }
  return fault;
}

function parseStringMap(value: unknown, name: string): Record<string, string> {
  if (!isRecord(value)) throw new TypeError(`fault.${name} must be an object`);
  const result: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    if (typeof entry !== 'string') throw new TypeError(`fault.${name}.${key} must be a string`);
    result[key] = entry;
  }
  return result;
}
