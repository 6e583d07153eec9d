import type { StreamMeter } from '../dialects/dialect.ts';
import type { UpstreamResponse } from '../upstream/http-client.ts';
import { splitSse } from '../upstream/sse.ts';
import type { SseResponse } from './sse-response.ts';

export type Interruption = 'client' | 'upstream' | null;

export interface Relayed {
  interruption: Interruption;
  /**
   * What completes the stream for the client — its end-of-stream event (`[DONE]`,
   * `message_stop`, `response.completed`, Gemini's finish chunk) and a translator's closing
   * events — held back so the charge commits before the client can see a whole answer.
   */
  tail: string;
}

/**
 * Passes an SSE stream to the client event by event — bytes untouched, or as the
 * meter translates them — while the meter reads it. Pull-based, so a slow client
 * slows the upstream read. Everything from the end-of-stream marker on is returned
 * as the tail instead of sent.
 */
export async function relayStream(
  upstream: UpstreamResponse,
  client: SseResponse,
  meter: StreamMeter,
  signal: AbortSignal,
): Promise<Relayed> {
  let tail = '';
  try {
    for await (const event of splitSse(upstream.body)) {
      const out = meter.observe(event);
      if (!out) continue;
      if (meter.completed) tail += out;
      else await client.write(out, signal);
    }
    if (signal.aborted) return { interruption: 'client', tail: '' };
    if (!meter.completed || meter.failed) return { interruption: 'upstream', tail };
    return { interruption: null, tail: tail + (meter.finish?.() ?? '') };
  } catch {
    return { interruption: signal.aborted ? 'client' : 'upstream', tail: signal.aborted ? '' : tail };
  }
}
