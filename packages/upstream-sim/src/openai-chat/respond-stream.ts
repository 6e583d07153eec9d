import type { Exchange } from '../http/exchange.ts';
import { BatchedStream, sleep, writeAndFlush, writeWithBackpressure } from '../http/send.ts';
import type { Completion } from './completion.ts';
import { responseHeaders } from './headers.ts';
import { choiceDeltas, interleave } from './stream-chunks.ts';
import type { ChatRequest } from './types.ts';

const OBFUSCATION_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/**
 * Server-sent events: `data: {chunk}` with no `event:` field, the usage chunk (empty `choices`)
 * only with `include_usage`, then `data: [DONE]`. Faults can slow the stream or cut it before the
 * usage chunk and `[DONE]`, as a dropped upstream connection would.
 * @see https://platform.openai.com/docs/api-reference/chat-streaming
 */
export async function respondStream(
  exchange: Exchange,
  completion: Completion,
  request: ChatRequest,
): Promise<void> {
  const { response, signal, fault } = exchange;
  response.writeHead(200, {
    ...responseHeaders(exchange),
    'content-type': 'text/event-stream; charset=utf-8',
    'cache-control': 'no-cache',
  });
  const cutAfter = fault?.cutAfterChunks;
  const delayMs = fault?.chunkDelayMs ?? 0;
  // Without a fault's pacing the whole stream is written in batches (headers with the first).
  const batch = cutAfter === undefined && delayMs === 0 ? new BatchedStream(response, signal) : undefined;
  if (!batch) response.flushHeaders();
  // Every chunk starts with the same fields, in the API's order; serialised once per stream.
  const head = JSON.stringify({
    id: completion.id,
    object: 'chat.completion.chunk',
    created: completion.created,
    model: completion.model,
    service_tier: completion.serviceTier,
    system_fingerprint: completion.systemFingerprint,
  }).slice(0, -1);
  const encode = (choices: string, usage: string): string => {
    const padding = request.includeObfuscation ? `,"obfuscation":"${obfuscation()}"` : '';
    return `data: ${head},"choices":${choices}${usage}${padding}}\n\n`;
  };
  let sent = 0;
  // A cut must not lose what was written just before it, so fault streams flush every event.
  const write = async (data: string): Promise<boolean> => {
    if (batch) return batch.write(data);
    if (delayMs > 0 && sent > 0 && !(await sleep(delayMs, signal))) return false;
    if (cutAfter === undefined) return writeWithBackpressure(response, data, signal);
    await writeAndFlush(response, data);
    return !signal.aborted;
  };

  const usageField = request.includeUsage ? ',"usage":null' : '';
  for (const choice of interleave(completion.choices.map(choiceDeltas))) {
    if (cutAfter !== undefined && sent >= cutAfter) break;
    if (!(await write(encode(`[${JSON.stringify(choice)}]`, usageField)))) return;
    sent += 1;
  }
  if (cutAfter !== undefined) return exchange.destroyConnection();
  if (request.includeUsage && !(await write(encode('[]', `,"usage":${JSON.stringify(completion.usage)}`))))
    return;
  if (!(await write('data: [DONE]\n\n'))) return;
  if (batch) batch.end();
  else response.end();
}

/** Random padding the API adds so chunk sizes do not reveal token lengths. */
function obfuscation(): string {
  const length = 2 + Math.floor(Math.random() * 12);
  let pad = '';
  for (let index = 0; index < length; index += 1) {
    pad += OBFUSCATION_ALPHABET.charAt(Math.floor(Math.random() * OBFUSCATION_ALPHABET.length));
  }
  return pad;
}
