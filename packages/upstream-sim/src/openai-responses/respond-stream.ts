import type { Exchange } from '../http/exchange.ts';
import { BatchedStream, sleep, writeAndFlush, writeWithBackpressure } from '../http/send.ts';
import { responseHeaders } from '../openai-chat/headers.ts';
import { textPieces } from '../openai-chat/stream-chunks.ts';
import { snapshot } from './response-object.ts';
import type { OutputItem, ResponseBody, SummaryPart } from './types.ts';

const ARGUMENT_CHARS_PER_DELTA = 12;
/** Where a `streamError` fault interrupts by default: after the first content delta of a plain reply. */
const STREAM_ERROR_AFTER_EVENTS = 5;
const OBFUSCATION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

export interface StreamEvent {
  type: string;
  [field: string]: unknown;
}

export interface StreamOptions {
  /** `stream_options.include_obfuscation` (default true): random padding on delta events. */
  obfuscation: boolean;
  /** Replay (`GET /responses/{id}?stream=true&starting_after=N`): skip events up to N. */
  startingAfter?: number;
}

/**
 * Server-sent events, each an `event: <type>` line and a `data:` line repeating the `type`, every
 * event with its `sequence_number` from 0; no `[DONE]`, the terminal `response.*` event ends the
 * stream. Faults can slow the stream, cut the connection after N events (`cutAfterChunks`) or end
 * it early with an `error` event or `response.failed` (`streamError`).
 * @see https://platform.openai.com/docs/api-reference/responses-streaming
 */
export async function respondStream(
  exchange: Exchange,
  body: ResponseBody,
  options: StreamOptions,
): Promise<void> {
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
  let sequence = 0;
  let sent = 0;
  // A cut must not lose what was written just before it, so fault streams flush every event.
  const write = async (event: StreamEvent): Promise<boolean> => {
    const { type, ...fields } = event;
    const number = sequence;
    sequence += 1;
    if (options.startingAfter !== undefined && number <= options.startingAfter) return true;
    if (delayMs > 0 && sent > 0 && !(await sleep(delayMs, signal))) return false;
    const data = `event: ${type}\ndata: ${JSON.stringify({ type, sequence_number: number, ...fields })}\n\n`;
    sent += 1;
    if (batch) return batch.write(data);
    if (!paced) return writeWithBackpressure(response, data, signal);
    await writeAndFlush(response, data);
    return !signal.aborted;
  };

  for (const event of responseEvents(body, options.obfuscation)) {
    if (cutAfter !== undefined && sent >= cutAfter) break;
    if (errorAfter !== undefined && sent >= errorAfter) break;
    if (!(await write(event))) return;
  }
  if (cutAfter !== undefined) return exchange.destroyConnection();
  if (streamError) {
    const failure: StreamEvent =
      streamError.event === 'response.failed'
        ? {
            type: 'response.failed',
            response: snapshot(body, 'failed', { code: streamError.type, message: streamError.message }),
          }
        : { type: 'error', code: streamError.type, message: streamError.message, param: null };
    if (!(await write(failure))) return;
  }
  if (batch) batch.end();
  else response.end();
}

/**
 * The event sequence for a response: `response.created` and `response.in_progress` (no output,
 * no usage), then per output item `output_item.added` … `output_item.done` with its part and
 * delta events, then `response.completed` (or `response.incomplete`) with the full response.
 * Indexes only ever point at items and parts announced before, as openai-node's accumulator needs.
 */
export function* responseEvents(body: ResponseBody, obfuscation: boolean): Generator<StreamEvent> {
  const pad = (event: StreamEvent): StreamEvent =>
    obfuscation ? { ...event, obfuscation: obfuscationPadding() } : event;
  const started = snapshot(body, 'in_progress');
  yield { type: 'response.created', response: started };
  if (body.status !== 'completed' && body.status !== 'incomplete' && body.status !== 'failed') return;
  yield { type: 'response.in_progress', response: started };
  for (const [outputIndex, item] of body.output.entries()) {
    yield { type: 'response.output_item.added', output_index: outputIndex, item: emptyItem(item) };
    const at = { item_id: item.id, output_index: outputIndex };
    switch (item.type) {
      case 'reasoning':
        for (const [summaryIndex, part] of item.summary.entries()) {
          yield* summaryEvents(part, { ...at, summary_index: summaryIndex }, pad);
        }
        break;
      case 'message':
        for (const [contentIndex, part] of item.content.entries()) {
          const atPart = { ...at, content_index: contentIndex };
          yield { type: 'response.content_part.added', ...atPart, part: { ...part, text: '' } };
          for (const delta of textPieces(part.text)) {
            yield pad({ type: 'response.output_text.delta', ...atPart, delta, logprobs: [] });
          }
          yield { type: 'response.output_text.done', ...atPart, text: part.text, logprobs: [] };
          yield { type: 'response.content_part.done', ...atPart, part };
        }
        break;
      case 'function_call':
        for (const delta of fragments(item.arguments)) {
          yield pad({ type: 'response.function_call_arguments.delta', ...at, delta });
        }
        yield {
          type: 'response.function_call_arguments.done',
          ...at,
          name: item.name,
          arguments: item.arguments,
        };
        break;
      case 'custom_tool_call':
        for (const delta of fragments(item.input)) {
          yield pad({ type: 'response.custom_tool_call_input.delta', ...at, delta });
        }
        yield { type: 'response.custom_tool_call_input.done', ...at, input: item.input };
        break;
    }
    yield { type: 'response.output_item.done', output_index: outputIndex, item };
  }
  yield { type: `response.${body.status}`, response: body };
}

function* summaryEvents(
  part: SummaryPart,
  at: { item_id: string; output_index: number; summary_index: number },
  pad: (event: StreamEvent) => StreamEvent,
): Generator<StreamEvent> {
  yield { type: 'response.reasoning_summary_part.added', ...at, part: { ...part, text: '' } };
  for (const delta of textPieces(part.text)) {
    yield pad({ type: 'response.reasoning_summary_text.delta', ...at, delta });
  }
  yield { type: 'response.reasoning_summary_text.done', ...at, text: part.text };
  yield { type: 'response.reasoning_summary_part.done', ...at, part };
}

/** An item as `output_item.added` announces it: in progress, nothing generated yet. */
function emptyItem(item: OutputItem): OutputItem {
  switch (item.type) {
    case 'reasoning':
      // The encrypted content is only final in `output_item.done`.
      return { id: item.id, type: 'reasoning', summary: [] };
    case 'message':
      return { ...item, status: 'in_progress', content: [] };
    case 'function_call':
      return { ...item, status: 'in_progress', arguments: '' };
    case 'custom_tool_call':
      return { ...item, status: 'in_progress', input: '' };
  }
}

/** Pieces of at most 12 code points, so a fragment never ends inside a surrogate pair. */
function fragments(text: string): string[] {
  const characters = Array.from(text);
  const pieces: string[] = [];
  for (let start = 0; start < characters.length; start += ARGUMENT_CHARS_PER_DELTA) {
    pieces.push(characters.slice(start, start + ARGUMENT_CHARS_PER_DELTA).join(''));
  }
  return pieces;
}

/** Random padding the API adds so event sizes do not reveal token lengths. */
function obfuscationPadding(): string {
  const length = 2 + Math.floor(Math.random() * 12);
  let pad = '';
  for (let index = 0; index < length; index += 1) {
    pad += OBFUSCATION_ALPHABET.charAt(Math.floor(Math.random() * OBFUSCATION_ALPHABET.length));
  }
  return pad;
}
