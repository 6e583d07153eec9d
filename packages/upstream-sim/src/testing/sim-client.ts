import OpenAI from 'openai';
import { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from '../server.ts';

export interface SimWithClient {
  sim: UpstreamSim;
  client: OpenAI;
}

/** The simulator plus the official SDK pointed straight at it, without retries so faults surface. */
export async function startSimWithClient(
  options: UpstreamSimOptions = {},
  apiKey = 'sk-test-key',
): Promise<SimWithClient> {
  const sim = await startUpstreamSim(options);
  const client = new OpenAI({ apiKey, baseURL: `${sim.url}/v1`, maxRetries: 0 });
  return { sim, client };
}

/** Raw POST for what the SDK hides: headers, SSE framing, non-JSON bodies. */
export function postJson(
  sim: UpstreamSim,
  path: string,
  body: unknown,
  apiKey = 'sk-test-key',
): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${apiKey}`, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

/** The `data:` payloads of an SSE body, in order. */
export function sseData(text: string): string[] {
  return text
    .split('\n\n')
    .filter((event) => event.trim() !== '')
    .map((event) => {
      if (!event.startsWith('data: ')) throw new Error(`unexpected SSE event: ${event}`);
      return event.slice('data: '.length);
    });
}
