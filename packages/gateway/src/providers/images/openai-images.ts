import * as z from 'zod';
import type { ImageAdapter, ImageCall, ImageJob, VendorImage } from './types.ts';
import { malformed } from './vendor-json.ts';

/**
 * OpenAI Images: `POST /images/generations`, and `POST /images/edits` (JSON body with
 * `images: [{image_url}]`) when the request carries reference images.
 * GPT image models always answer `b64_json` and reject `response_format`; DALL·E models
 * answer what `response_format` asks for.
 * @see https://platform.openai.com/docs/api-reference/images/create
 * @see https://platform.openai.com/docs/api-reference/images/createEdit
 */
const imagesResponse = z.looseObject({
  created: z.number().optional(),
  data: z.array(z.looseObject({ b64_json: z.string().optional(), url: z.string().optional() })),
});

/** Models that take `response_format` (the GPT image models refuse it). */
const takesResponseFormat = (upstreamModel: string): boolean => upstreamModel.startsWith('dall-e');

export function openAiImagesBody(job: ImageJob, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model: upstreamModel, prompt: job.prompt, n: job.n };
  if (job.size) body['size'] = `${job.size.width}x${job.size.height}`;
  if (job.quality) body['quality'] = job.quality;
  if (takesResponseFormat(upstreamModel)) body['response_format'] = 'b64_json';
  if (job.references.length > 0) body['images'] = job.references.map((image) => ({ image_url: image.url }));
  return body;
}

export const openAiImages: ImageAdapter = {
  id: 'openai-images',
  authHeaders: (apiKey) => ({ authorization: `Bearer ${apiKey}` }),
  referenceInput: 'url',
  imagesPerCall: () => 10,
  async generate({ job, route, http }: ImageCall): Promise<VendorImage[]> {
    const path = job.references.length > 0 ? '/images/edits' : '/images/generations';
    const answer = await http.postJson(path, openAiImagesBody(job, route.model));
    const parsed = imagesResponse.safeParse(answer);
    if (!parsed.success) throw malformed(route.provider.name, 'no data array', answer);
    return parsed.data.data.flatMap((image): VendorImage[] => {
      if (image.b64_json) return [{ bytes: Buffer.from(image.b64_json, 'base64'), mimeType: 'image/png' }];
      if (image.url) return [{ url: image.url }];
      return [];
    });
  },
};
