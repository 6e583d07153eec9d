import type { UpstreamResponse } from '../upstream/http-client.ts';
import { splitSse } from '../upstream/sse.ts';
import type { StreamMeter } from './proxy-dialect.ts';
import type { SseResponse } from './sse-response.ts';

export type Interruption = 'client' | 'upstream' | null;

/**
 * Passes an SSE stream to the client event by event, bytes untouched, while the
 * dialect's meter reads it. Pull-based, so a slow client slows the upstream read.
 */
export async function relayStream(
  upstream: UpstreamResponse,
  client: SseResponse,
  meter: StreamMeter,
  signal: AbortSignal,
): Promise<Interruption> {
  try {
    for await (const event of splitSse(upstream.body)) {
      if (meter.observe(event)) await client.write(event.raw, signal);
    }
  } catch {
    return signal.aborted ? 'client' : 'upstream';
  }
  if (signal.aborted) return 'client';
  return meter.completed && !meter.failed ? null : 'upstream';
}
