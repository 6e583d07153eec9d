import { once } from 'node:events';
import type { ServerResponse } from 'node:http';
import { ChatStreamMeter } from '../dialects/openai-chat/stream-meter.ts';
import type { UpstreamResponse } from '../upstream/http-client.ts';
import { splitSse } from '../upstream/sse.ts';

export interface RelayResult {
  meter: ChatStreamMeter;
  /** The upstream finished the stream properly (`[DONE]`). */
  completed: boolean;
  /** Why the relay stopped early, if it did. */
  interruption: 'client' | 'upstream' | null;
}

/**
 * Passes a Chat Completions SSE stream to the client event by event, bytes untouched,
 * while metering it. The usage chunk the gateway asked for is dropped when the
 * client did not ask for it. Backpressure: a slow client pauses the upstream read.
 */
export async function relayChatStream(
  upstream: UpstreamResponse,
  client: ServerResponse,
  options: { forwardUsageChunk: boolean; signal: AbortSignal },
): Promise<RelayResult> {
  const meter = new ChatStreamMeter();
  let completed = false;
  try {
    for await (const event of splitSse(upstream.body)) {
      if (event.data === '[DONE]') {
        completed = true;
        await write(client, event.raw, options.signal);
        continue;
      }
      if (!options.forwardUsageChunk && observe(meter, event.data)) continue;
      if (options.forwardUsageChunk) observe(meter, event.data);
      await write(client, event.raw, options.signal);
    }
  } catch {
    return { meter, completed: false, interruption: options.signal.aborted ? 'client' : 'upstream' };
  }
  if (options.signal.aborted) return { meter, completed, interruption: 'client' };
  return { meter, completed, interruption: completed ? null : 'upstream' };
}

/** Returns true for the usage-only chunk. Unparseable data is forwarded as-is, never dropped. */
function observe(meter: ChatStreamMeter, data: string): boolean {
  if (data.charCodeAt(0) !== 123 /* { */) return false;
  try {
    return meter.observe(JSON.parse(data) as Record<string, unknown>);
  } catch {
    return false;
  }
}

async function write(client: ServerResponse, chunk: string, signal: AbortSignal): Promise<void> {
  if (signal.aborted) throw new Error('client went away');
  if (client.write(chunk)) return;
  await once(client, 'drain', { signal });
}
