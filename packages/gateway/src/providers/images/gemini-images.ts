import * as z from 'zod';
import { UpstreamError } from '../../errors/index.ts';
import type { ImageAdapter, ImageCall, ImageJob, VendorImage } from './types.ts';
import { malformed } from './vendor-json.ts';

/**
 * Google's image models on the Gemini API, two wire formats behind one adapter:
 * - Gemini image models: `models/{m}:generateContent` with `responseModalities: [IMAGE]`
 *   and `imageConfig {aspectRatio, imageSize}`; references go in as `inlineData` parts
 *   before the prompt, one image per call.
 *   @see https://ai.google.dev/gemini-api/docs/image-generation
 * - Imagen: `models/{m}:predict` with `instances[{prompt}]`, `parameters {sampleCount,
 *   aspectRatio, sampleImageSize}`, up to 4 images per call.
 *   @see https://ai.google.dev/gemini-api/docs/imagen
 */

/** Upstream ids served by `:predict` rather than `:generateContent`. */
const predictModelPrefixes = ['imagen-'];
const usesPredict = (upstreamModel: string): boolean =>
  predictModelPrefixes.some((prefix) => upstreamModel.startsWith(prefix));

/** Our resolution tiers → Gemini's `imageSize` values (uppercase K; 512 for the half-K tier). */
const imageSizes: Readonly<Record<string, string>> = { '0.5K': '512', '1K': '1K', '2K': '2K', '4K': '4K' };

export function generateContentBody(job: ImageJob): Record<string, unknown> {
  const parts: Record<string, unknown>[] = job.references.map((image) => ({
    inlineData: { mimeType: image.mimeType ?? 'image/png', data: image.bytes?.toString('base64') ?? '' },
  }));
  parts.push({ text: job.prompt });
  const imageConfig: Record<string, string> = {};
  if (job.aspectRatio) imageConfig['aspectRatio'] = job.aspectRatio;
  if (job.resolution) imageConfig['imageSize'] = imageSizes[job.resolution] ?? job.resolution;
  return {
    contents: [{ role: 'user', parts }],
    generationConfig: {
      responseModalities: ['IMAGE'],
      ...(Object.keys(imageConfig).length > 0 ? { imageConfig } : {}),
    },
  };
}

export function predictBody(job: ImageJob): Record<string, unknown> {
  const parameters: Record<string, unknown> = { sampleCount: job.n };
  if (job.aspectRatio) parameters['aspectRatio'] = job.aspectRatio;
  if (job.resolution && job.resolution !== '1K') parameters['sampleImageSize'] = job.resolution;
  return { instances: [{ prompt: job.prompt }], parameters };
}

const inlineData = z.looseObject({ mimeType: z.string().optional(), data: z.string() });
const generateContentResponse = z.looseObject({
  candidates: z
    .array(
      z.looseObject({
        content: z
          .looseObject({ parts: z.array(z.looseObject({ inlineData: inlineData.optional() })).optional() })
          .optional(),
        finishReason: z.string().optional(),
      }),
    )
    .optional(),
  promptFeedback: z.looseObject({ blockReason: z.string().optional() }).optional(),
});
const predictResponse = z.looseObject({
  predictions: z
    .array(
      z.looseObject({
        bytesBase64Encoded: z.string().optional(),
        mimeType: z.string().optional(),
        raiFilteredReason: z.string().optional(),
      }),
    )
    .optional(),
});

/** No image and a safety reason: the prompt's fault, not the upstream's (no failover). */
function refused(provider: string, reason: string): UpstreamError {
  return new UpstreamError('invalid_request', provider, 200, reason, {
    message: `The upstream provider refused to generate this image (${reason}).`,
    param: 'prompt',
  });
}

export const geminiImages: ImageAdapter = {
  id: 'gemini-images',
  authHeaders: (apiKey) => ({ 'x-goog-api-key': apiKey }),
  referenceInput: 'bytes',
  imagesPerCall: (upstreamModel) => (usesPredict(upstreamModel) ? 4 : 1),
  async generate({ job, route, http }: ImageCall): Promise<VendorImage[]> {
    const provider = route.provider.name;
    const model = encodeURIComponent(route.model);
    if (usesPredict(route.model)) {
      const answer = await http.postJson(`/models/${model}:predict`, predictBody(job));
      const parsed = predictResponse.safeParse(answer);
      if (!parsed.success) throw malformed(provider, 'no predictions', answer);
      const predictions = parsed.data.predictions ?? [];
      const images = predictions.flatMap((prediction): VendorImage[] =>
        prediction.bytesBase64Encoded
          ? [
              {
                bytes: Buffer.from(prediction.bytesBase64Encoded, 'base64'),
                mimeType: prediction.mimeType ?? 'image/png',
              },
            ]
          : [],
      );
      const filtered = predictions.find((prediction) => prediction.raiFilteredReason)?.raiFilteredReason;
      if (images.length === 0 && filtered) throw refused(provider, filtered);
      return images;
    }
    const answer = await http.postJson(`/models/${model}:generateContent`, generateContentBody(job));
    const parsed = generateContentResponse.safeParse(answer);
    if (!parsed.success) throw malformed(provider, 'no candidates', answer);
    const candidates = parsed.data.candidates ?? [];
    const images = candidates.flatMap((candidate) =>
      (candidate.content?.parts ?? []).flatMap((part): VendorImage[] =>
        part.inlineData
          ? [
              {
                bytes: Buffer.from(part.inlineData.data, 'base64'),
                mimeType: part.inlineData.mimeType ?? 'image/png',
              },
            ]
          : [],
      ),
    );
    const blocked =
      parsed.data.promptFeedback?.blockReason ??
      candidates
        .map((candidate) => candidate.finishReason)
        .find((reason) => reason?.startsWith('IMAGE_') || reason === 'NO_IMAGE' || reason === 'SAFETY');
    if (images.length === 0 && blocked) throw refused(provider, blocked);
    return images;
  },
};
