import * as z from 'zod';
import { UpstreamError } from '../../errors/index.ts';
import type { ImageAdapter, ImageCall, ImageJob, VendorImage } from './types.ts';
import { malformed, parseDataUrl } from './vendor-json.ts';

/**
 * Black Forest Labs FLUX: `POST /v1/{model}` answers `{id, polling_url}`; the gateway
 * polls `polling_url` (always the returned one: it may be another cluster) until
 * `Ready`, and `result.sample` is a signed URL valid for 10 minutes that the gateway
 * copies at once. One image per task. The client sees one synchronous call.
 * @see https://docs.bfl.ai/api_integration/integration_guidelines
 * @see https://docs.bfl.ai/api-reference/utility/get-result
 */

/** Kontext takes `aspect_ratio`; FLUX.2 takes `width`/`height` (multiples of 16). */
const aspectRatioModelPrefixes = ['flux-kontext', 'flux-pro-1.1-ultra'];
const takesAspectRatio = (upstreamModel: string): boolean =>
  aspectRatioModelPrefixes.some((prefix) => upstreamModel.startsWith(prefix));

/** Polling schedule: quick at first, then every second; give up after five minutes. */
export const bflPolling = { firstDelayMs: 200, delayMs: 1000, timeoutMs: 300_000 };

/** FLUX.2 size for an aspect ratio: about one megapixel, both sides multiples of 16. */
export function sizeForAspectRatio(aspectRatio: string): { width: number; height: number } {
  const [w = 1, h = 1] = aspectRatio.split(':').map(Number);
  const height = Math.sqrt(1_048_576 / (w / h));
  const round16 = (value: number) => Math.max(64, Math.round(value / 16) * 16);
  return { width: round16(height * (w / h)), height: round16(height) };
}

/** BFL takes a reference as a URL or raw base64 (no `data:` prefix). */
const referenceValue = (url: string): string => parseDataUrl(url)?.base64 ?? url;

export function bflBody(job: ImageJob, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { prompt: job.prompt };
  job.references.forEach((image, index) => {
    body[index === 0 ? 'input_image' : `input_image_${index + 1}`] = referenceValue(image.url);
  });
  if (takesAspectRatio(upstreamModel)) {
    const ratio = job.aspectRatio ?? (job.size ? `${job.size.width}:${job.size.height}` : undefined);
    if (ratio) body['aspect_ratio'] = ratio;
  } else {
    const size = job.size ?? (job.aspectRatio ? sizeForAspectRatio(job.aspectRatio) : undefined);
    if (size) Object.assign(body, { width: size.width, height: size.height });
  }
  body['output_format'] = 'png';
  return body;
}

const submitted = z.looseObject({ id: z.string(), polling_url: z.string().optional() });
const polled = z.looseObject({
  status: z.string(),
  result: z.looseObject({ sample: z.string().optional() }).nullish(),
  details: z.unknown().optional(),
});

export const bfl: ImageAdapter = {
  id: 'bfl',
  authHeaders: (apiKey) => ({ 'x-key': apiKey }),
  referenceInput: 'url',
  imagesPerCall: () => 1,
  async generate({ job, route, http }: ImageCall): Promise<VendorImage[]> {
    const provider = route.provider.name;
    const answer = await http.postJson(`/${encodeURIComponent(route.model)}`, bflBody(job, route.model));
    const task = submitted.safeParse(answer);
    if (!task.success) throw malformed(provider, 'no task id', answer);
    const pollingUrl =
      task.data.polling_url ?? `${route.provider.baseUrl}/get_result?id=${encodeURIComponent(task.data.id)}`;
    const deadline = Date.now() + bflPolling.timeoutMs;
    let delay = bflPolling.firstDelayMs;
    while (Date.now() < deadline) {
      await http.sleep(delay);
      delay = bflPolling.delayMs;
      const state = polled.safeParse(await http.getJson(pollingUrl));
      if (!state.success) throw malformed(provider, 'no task status', state.error.issues);
      const { status, result } = state.data;
      if (status === 'Ready') {
        if (!result?.sample) throw malformed(provider, 'Ready without result.sample', state.data);
        return [{ url: result.sample }];
      }
      if (status === 'Pending') continue;
      throw taskFailure(provider, status, state.data.details);
    }
    throw new UpstreamError('upstream_timeout', provider, null, '', {
      message: `The upstream provider did not finish the image within ${bflPolling.timeoutMs / 1000} s.`,
    });
  },
};

/** Moderation is the request's outcome (no failover); `Error` and `Task not found` are the upstream's. */
function taskFailure(provider: string, status: string, details: unknown): UpstreamError {
  const body = JSON.stringify({ status, details }).slice(0, 2000);
  if (status === 'Request Moderated' || status === 'Content Moderated') {
    return new UpstreamError('invalid_request', provider, 200, body, {
      message: `The upstream provider refused to generate this image (${status}).`,
      param: 'prompt',
    });
  }
  return new UpstreamError('upstream_error', provider, 200, body, {
    message: `The upstream provider failed to generate the image (${status}).`,
  });
}
