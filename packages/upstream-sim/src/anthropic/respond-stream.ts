import type { Exchange } from '../http/exchange.ts';
import { BatchedStream, sleep, writeAndFlush, writeWithBackpressure } from '../http/send.ts';
import { textPieces } from '../openai-chat/stream-chunks.ts';
import { responseHeaders } from './headers.ts';
import { messageBody, type SimMessage } from './message.ts';
import type { OutputBlock } from './types.ts';

const JSON_CHARS_PER_DELTA = 12;
/** Where a `streamError` fault interrupts by default: after the first content delta. */
const STREAM_ERROR_AFTER_EVENTS = 4;

export interface StreamEvent {
  type: string;
  [field: string]: unknown;
}

/**
 * Server-sent events, each with an `event:` line naming its `type` (the SDK ignores events
 * without one). Faults can slow the stream, cut the connection after N events (`cutAfterChunks`),
 * or end it with an `event: error` (`streamError`, after `cutAfterChunks` events or after the first
 * delta), as the API does when it overloads mid-stream.
 * @see https://docs.claude.com/en/docs/build-with-claude/streaming
 */
export async function respondStream(exchange: Exchange, message: SimMessage): Promise<void> {
  const { response, signal, fault } = exchange;
  response.writeHead(200, {
    ...responseHeaders(exchange),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  const streamError = fault?.streamError;
  const cutAfter = streamError ? undefined : fault?.cutAfterChunks;
  const errorAfter = streamError ? (fault?.cutAfterChunks ?? STREAM_ERROR_AFTER_EVENTS) : undefined;
  const delayMs = fault?.chunkDelayMs ?? 0;
  const paced = cutAfter !== undefined || errorAfter !== undefined;
  // Without a fault's pacing the whole stream is written in batches (headers with the first).
  const batch = !paced && delayMs === 0 ? new BatchedStream(response, signal) : undefined;
  if (!batch) response.flushHeaders();
  let sent = 0;
  // A cut must not lose what was written just before it, so fault streams flush every event.
  const write = async (event: StreamEvent): Promise<boolean> => {
    if (delayMs > 0 && sent > 0 && !(await sleep(delayMs, signal))) return false;
    const data = `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
    sent += 1;
    if (batch) return batch.write(data);
    if (!paced) return writeWithBackpressure(response, data, signal);
    await writeAndFlush(response, data);
    return !signal.aborted;
  };

  for (const event of streamEvents(message)) {
    if (cutAfter !== undefined && sent >= cutAfter) break;
    if (errorAfter !== undefined && sent >= errorAfter) break;
    if (!(await write(event))) return;
  }
  if (cutAfter !== undefined) return exchange.destroyConnection();
  if (
    streamError &&
    !(await write({ type: 'error', error: { type: streamError.type, message: streamError.message } }))
  )
    return;
  if (batch) batch.end();
  else response.end();
}

/**
 * The event sequence: `message_start` (empty content, input-side usage), then per block
 * `content_block_start` / deltas / `content_block_stop` (a `ping` after the first start, as in the
 * API's examples), then `message_delta` with the stop reason and cumulative usage, `message_stop`.
 */
export function* streamEvents(message: SimMessage): Generator<StreamEvent> {
  const { usage, reply } = message;
  yield {
    type: 'message_start',
    message: {
      ...messageBody(message),
      content: [],
      stop_reason: null,
      stop_sequence: null,
      usage: {
        input_tokens: usage.input_tokens,
        cache_creation_input_tokens: usage.cache_creation_input_tokens,
        cache_read_input_tokens: usage.cache_read_input_tokens,
        cache_creation: usage.cache_creation,
        output_tokens: Math.min(1, usage.output_tokens),
        service_tier: usage.service_tier,
      },
    },
  };
  if (reply.content.length === 0) yield { type: 'ping' };
  for (const [index, block] of reply.content.entries()) {
    yield { type: 'content_block_start', index, content_block: emptyBlock(block) };
    if (index === 0) yield { type: 'ping' };
    for (const delta of blockDeltas(block)) yield { type: 'content_block_delta', index, delta };
    yield { type: 'content_block_stop', index };
  }
  yield {
    type: 'message_delta',
    delta: { stop_reason: reply.stopReason, stop_sequence: reply.stopSequence, stop_details: null },
    usage: {
      input_tokens: usage.input_tokens,
      cache_creation_input_tokens: usage.cache_creation_input_tokens,
      cache_read_input_tokens: usage.cache_read_input_tokens,
      output_tokens: usage.output_tokens,
      ...(usage.output_tokens_details ? { output_tokens_details: usage.output_tokens_details } : {}),
    },
  };
  yield { type: 'message_stop' };
}

function emptyBlock(block: OutputBlock): Record<string, unknown> {
  switch (block.type) {
    case 'thinking':
      return { type: 'thinking', thinking: '', signature: '' };
    case 'text':
      return { type: 'text', text: '' };
    case 'tool_use':
      return { type: 'tool_use', id: block.id, name: block.name, input: {} };
  }
}

function blockDeltas(block: OutputBlock): Array<Record<string, unknown>> {
  switch (block.type) {
    case 'thinking':
      return [
        ...textPieces(block.thinking).map((thinking) => ({ type: 'thinking_delta', thinking })),
        { type: 'signature_delta', signature: block.signature },
      ];
    case 'text':
      return textPieces(block.text).map((text) => ({ type: 'text_delta', text }));
    case 'tool_use': {
      if (block.json === '') return [];
      // The API opens with an empty fragment, then streams the JSON in pieces.
      const characters = Array.from(block.json);
      const deltas = [{ type: 'input_json_delta', partial_json: '' }];
      for (let start = 0; start < characters.length; start += JSON_CHARS_PER_DELTA) {
        deltas.push({
          type: 'input_json_delta',
          partial_json: characters.slice(start, start + JSON_CHARS_PER_DELTA).join(''),
        });
      }
      return deltas;
    }
  }
}
