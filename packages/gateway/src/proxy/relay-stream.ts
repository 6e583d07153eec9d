import type { StreamMeter } from '../dialects/dialect.ts';
import type { UpstreamResponse } from '../upstream/http-client.ts';
import { splitSse } from '../upstream/sse.ts';
import type { SseResponse } from './sse-response.ts';

export type Interruption = 'client' | 'upstream' | null;

/**
 * Passes an SSE stream to the client event by event — bytes untouched, or as the
 * meter translates them — while the meter reads it. Pull-based, so a slow client
 * slows the upstream read.
 */
export async function relayStream(
  upstream: UpstreamResponse,
  client: SseResponse,
  meter: StreamMeter,
  signal: AbortSignal,
): Promise<Interruption> {
  try {
    for await (const event of splitSse(upstream.body)) {
      const out = meter.observe(event);
      if (out) await client.write(out, signal);
    }
    if (signal.aborted) return 'client';
    if (!meter.completed || meter.failed) return 'upstream';
    const closing = meter.finish?.();
    if (closing) await client.write(closing, signal);
    return null;
  } catch {
    return signal.aborted ? 'client' : 'upstream';
  }
}
