import Anthropic from '@anthropic-ai/sdk';
import { startUpstreamSim, type UpstreamSim, type UpstreamSimOptions } from '../server.ts';

export interface SimWithAnthropic {
  sim: UpstreamSim;
  client: Anthropic;
}

/**
 * The simulator plus the official Anthropic SDK pointed straight at it (the SDK adds `/v1`
 * itself), without retries so faults surface. SDK 1.x sends the key as `Authorization: Bearer`.
 */
export async function startSimWithAnthropic(
  options: UpstreamSimOptions = {},
  apiKey = 'sk-ant-test-key',
): Promise<SimWithAnthropic> {
  const sim = await startUpstreamSim(options);
  return { sim, client: anthropicClient(sim, apiKey) };
}

export function anthropicClient(sim: UpstreamSim, apiKey = 'sk-ant-test-key'): Anthropic {
  return new Anthropic({ apiKey, baseURL: sim.url, maxRetries: 0 });
}

/** Raw POST the way curl or Claude Code send it: `x-api-key` and `anthropic-version: 2023-06-01`. */
export function postAnthropic(
  sim: UpstreamSim,
  path: string,
  body: unknown,
  headers: Record<string, string> = {},
): Promise<Response> {
  return fetch(`${sim.url}${path}`, {
    method: 'POST',
    headers: {
      'x-api-key': 'sk-ant-test-key',
      'anthropic-version': '2023-06-01',
      'content-type': 'application/json',
      ...headers,
    },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

export interface SseEvent {
  event: string;
  data: Record<string, unknown>;
}

/** Splits an Anthropic SSE body into its `event:` names and parsed `data:` payloads. */
export function sseEvents(text: string): SseEvent[] {
  return text
    .split('\n\n')
    .filter((record) => record.trim() !== '')
    .map((record) => {
      const match = /^event: (.+)\ndata: (.+)$/.exec(record);
      if (!match?.[1] || !match[2]) throw new Error(`unexpected SSE record: ${record}`);
      return { event: match[1], data: JSON.parse(match[2]) as Record<string, unknown> };
    });
}
