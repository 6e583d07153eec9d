import * as z from 'zod';
import { UpstreamError } from '../../errors/index.ts';
import type { ImageAdapter, ImageCall, ImageJob, VendorImage } from './types.ts';
import { malformed } from './vendor-json.ts';

/**
 * ByteDance Seedream on BytePlus ModelArk / Volcengine Ark: `POST /images/generations`
 * (synchronous). `size` is `1K`/`2K`/`4K` or `WxH`; `image` takes URLs or data URLs; the
 * answer's `data[].url` is a signed URL valid for 24 h, copied by the gateway at once.
 * One image per call (`sequential_image_generation: disabled`).
 * @see https://docs.byteplus.com/en/docs/ModelArk/1541523
 */

/** The 2K presets by aspect ratio; 1K halves and 4K doubles each side. */
const presets2k: Readonly<Record<string, readonly [number, number]>> = {
  '1:1': [2048, 2048],
  '4:3': [2304, 1728],
  '3:4': [1728, 2304],
  '16:9': [2560, 1440],
  '9:16': [1440, 2560],
  '3:2': [2496, 1664],
  '2:3': [1664, 2496],
  '21:9': [3024, 1296],
};
const tierScale: Readonly<Record<string, number>> = { '1K': 0.5, '2K': 1, '4K': 2 };

/** `size` as Seedream takes it: explicit WxH, a preset for the aspect ratio at the tier, or the tier. */
export function seedreamSize(job: ImageJob): string | undefined {
  if (job.size) return `${job.size.width}x${job.size.height}`;
  const preset = job.aspectRatio ? presets2k[job.aspectRatio] : undefined;
  if (preset) {
    const scale = tierScale[job.resolution ?? '2K'] ?? 1;
    return `${Math.round(preset[0] * scale)}x${Math.round(preset[1] * scale)}`;
  }
  return job.resolution;
}

export function seedreamBody(job: ImageJob, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = {
    model: upstreamModel,
    prompt: job.prompt,
    response_format: 'url',
    sequential_image_generation: 'disabled',
    watermark: false,
  };
  const size = seedreamSize(job);
  if (size) body['size'] = size;
  if (job.references.length === 1) body['image'] = job.references[0]!.url;
  else if (job.references.length > 1) body['image'] = job.references.map((image) => image.url);
  return body;
}

const seedreamResponse = z.looseObject({
  data: z.array(z.looseObject({ url: z.string().optional(), b64_json: z.string().optional() })).optional(),
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }).nullish(),
});

export const seedream: ImageAdapter = {
  id: 'seedream',
  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
  referenceInput: 'url',
  imagesPerCall: () => 1,
  async generate({ job, route, http }: ImageCall): Promise<VendorImage[]> {
    const answer = await http.postJson('/images/generations', seedreamBody(job, route.model));
    const parsed = seedreamResponse.safeParse(answer);
    if (!parsed.success) throw malformed(route.provider.name, 'no data array', answer);
    const images = (parsed.data.data ?? []).flatMap((image): VendorImage[] => {
      if (image.url) return [{ url: image.url }];
      if (image.b64_json) return [{ bytes: Buffer.from(image.b64_json, 'base64'), mimeType: 'image/png' }];
      return [];
    });
    if (images.length === 0 && parsed.data.error) {
      throw new UpstreamError('upstream_error', route.provider.name, 200, JSON.stringify(parsed.data.error), {
        message: `The upstream provider failed to generate the image (${parsed.data.error.code ?? 'error'}).`,
      });
    }
    return images;
  },
};
