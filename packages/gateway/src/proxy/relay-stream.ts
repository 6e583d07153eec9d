import type { StreamMeter } from '../dialects/dialect.ts';
import type { UpstreamResponse } from '../upstream/http-client.ts';
import { SseSplitter } from '../upstream/sse.ts';
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
 * meter translates them — while the meter reads it. Each upstream chunk is split, metered
 * and written in one synchronous step (no promise per event); a client that reads slower
 * than the upstream sends pauses the upstream read until it drains. Everything from the
 * end-of-stream marker on is returned as the tail instead of sent.
 */
export function relayStream(
  upstream: UpstreamResponse,
  client: SseResponse,
  meter: StreamMeter,
  signal: AbortSignal,
): Promise<Relayed> {
  const body = upstream.body;
  if (signal.aborted) {
    body.destroy();
    return Promise.resolve({ interruption: 'client', tail: '' });
  }
  return new Promise<Relayed>((resolve) => {
    let tail = '';
    let settled = false;
    const settle = (relayed: Relayed): void => {
      if (settled) return;
      settled = true;
      signal.removeEventListener('abort', clientGone);
      resolve(relayed);
    };
    const clientGone = (): void => {
      settle({ interruption: 'client', tail: '' });
      body.destroy();
    };
    signal.addEventListener('abort', clientGone, { once: true });
    const resume = (): void => body.resume();
    const splitter = new SseSplitter((event) => {
      if (settled) return;
      const out = meter.observe(event);
      if (!out) return;
      if (meter.completed) {
        tail += out;
        return;
      }
      const sent = client.send(out);
      if (sent.gone) clientGone();
      else if (sent.full) {
        body.pause();
        client.onDrain(resume);
      }
    });
    // A meter or translator that throws ends the stream as the upstream's failure, as a broken event would.
    const failed = (): void => {
      settle(signal.aborted ? { interruption: 'client', tail: '' } : { interruption: 'upstream', tail });
      body.destroy();
    };
    body.pipe({
      data(chunk) {
        try {
          splitter.push(chunk);
        } catch {
          failed();
        }
      },
      end() {
        try {
          splitter.end();
          if (signal.aborted) settle({ interruption: 'client', tail: '' });
          else if (!meter.completed || meter.failed) settle({ interruption: 'upstream', tail });
          else settle({ interruption: null, tail: tail + (meter.finish?.() ?? '') });
        } catch {
          failed();
        }
      },
      error() {
        settle(signal.aborted ? { interruption: 'client', tail: '' } : { interruption: 'upstream', tail });
      },
    });
  });
}
