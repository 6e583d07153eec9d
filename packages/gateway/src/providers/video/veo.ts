import * as z from 'zod';
import { malformed, parseDataUrl } from '../images/vendor-json.ts';
import type { VendorTaskStatus, VideoAdapter, VideoCall } from './types.ts';

/**
 * Google Veo on the Gemini API: `POST /models/{model}:predictLongRunning` starts a
 * generation and returns a long-running operation; `GET /{operation name}` is polled until
 * `done`, then `response.generateVideoResponse.generatedSamples[].video.uri` is the MP4
 * (downloaded with the API key; it redirects to a short-lived link, kept 2 days).
 * A blocked output answers `done` with `raiMediaFilteredCount` and no samples.
 * @see https://ai.google.dev/gemini-api/docs/video
 * @see https://ai.google.dev/api/batch-mode#Operation
 */

const operationSchema = z.looseObject({
  name: z.string().optional(),
  done: z.boolean().optional(),
  error: z.looseObject({ code: z.number().optional(), message: z.string().optional() }).optional(),
  metadata: z.looseObject({ progressPercent: z.number().optional() }).optional(),
  response: z
    .looseObject({
      generateVideoResponse: z
        .looseObject({
          generatedSamples: z
            .array(z.looseObject({ video: z.looseObject({ uri: z.string().optional() }).optional() }))
            .optional(),
          raiMediaFilteredCount: z.number().optional(),
          raiMediaFilteredReasons: z.array(z.string()).optional(),
        })
        .optional(),
    })
    .optional(),
});

/** `720P` (the contract's spelling) → `720p` (Veo's). */
const veoResolution = (resolution: string | undefined) => resolution?.toLowerCase();

async function inlineImage(url: string, call: VideoCall) {
  const data = parseDataUrl(url);
  if (data) return { bytesBase64Encoded: data.base64, mimeType: data.mimeType };
  if (!call.fetchImage)
    throw malformed(call.route.provider.name, 'a reference image could not be read', null);
  const fetched = await call.fetchImage(url);
  return { bytesBase64Encoded: fetched.bytes.toString('base64'), mimeType: fetched.mimeType };
}

export const veoAdapter: VideoAdapter = {
  id: 'veo',
  authHeaders: (credentials) => ({ 'x-goog-api-key': credentials.apiKey ?? 'none' }),
  // Google's samples poll every 10 s; generations take 11 s to 6 min.
  pollIntervalMs: 10_000,
  async submit(call) {
    const { job } = call;
    const [first] = job.imageUrls;
    const instance: Record<string, unknown> = { prompt: job.prompt };
    if (first) instance['image'] = await inlineImage(first, call);
    if (job.lastImageUrl) instance['lastFrame'] = await inlineImage(job.lastImageUrl, call);
    const parameters: Record<string, unknown> = {};
    if (job.aspectRatio) parameters['aspectRatio'] = job.aspectRatio;
    if (job.durationSeconds !== undefined) parameters['durationSeconds'] = job.durationSeconds;
    if (job.resolution) parameters['resolution'] = veoResolution(job.resolution);
    if (job.negativePrompt) parameters['negativePrompt'] = job.negativePrompt;
    if (job.seed !== undefined) parameters['seed'] = job.seed;
    const answer = await call.http.postJson(
      `/models/${encodeURIComponent(call.route.model)}:predictLongRunning`,
      {
        instances: [instance],
        parameters,
      },
    );
    const parsed = operationSchema.safeParse(answer);
    if (!parsed.success || !parsed.data.name)
      throw malformed(call.route.provider.name, 'no operation name', answer);
    return { taskId: parsed.data.name };
  },
  async poll(taskId, call): Promise<VendorTaskStatus> {
    const base = call.route.provider.baseUrl.replace(/\/+$/, '');
    const answer = await call.http.getJson(`${base}/${taskId}`);
    const parsed = operationSchema.safeParse(answer);
    if (!parsed.success) throw malformed(call.route.provider.name, 'not an operation', answer);
    const operation = parsed.data;
    if (!operation.done) return { state: 'running', progress: operation.metadata?.progressPercent };
    if (operation.error)
      return {
        state: 'failed',
        reason: 'vendor_error',
        message: operation.error.message ?? 'Video generation failed.',
      };
    const result = operation.response?.generateVideoResponse;
    const samples = (result?.generatedSamples ?? []).flatMap((sample) =>
      sample.video?.uri ? [{ url: sample.video.uri, seconds: call.job.durationSeconds }] : [],
    );
    if (samples.length > 0) return { state: 'succeeded', outputs: samples };
    if ((result?.raiMediaFilteredCount ?? 0) > 0)
      return {
        state: 'failed',
        reason: 'moderated',
        message:
          result?.raiMediaFilteredReasons?.[0] ?? 'The output was blocked by the vendor’s safety filters.',
      };
    return { state: 'failed', reason: 'vendor_error', message: 'The vendor finished with no video.' };
  },
};
