import { createHmac } from 'node:crypto';
import * as z from 'zod';
import { GatewayError } from '../../errors/index.ts';
import type { VendorTaskStatus, VideoAdapter, VideoCall, VideoCredentials, VideoJob } from './types.ts';
import { malformedVideo, parseVendor, rawBase64OrUrl, vendorUrl } from './vendor-json.ts';

/**
 * Kling AI video: `POST /v1/videos/text2video` or `/v1/videos/image2video` `{model_name, prompt,
 * negative_prompt, duration:"5"|"10", aspect_ratio, mode:"std"|"pro", image, image_tail}` →
 * `{code:0, data:{task_id}}`; `GET /v1/videos/{kind}/{task_id}` → `task_status` `submitted` →
 * `processing` → `succeed` (`task_result.videos[{url, duration}]`) | `failed`
 * (`task_status_msg`). Every answer is an envelope whose non-zero `code` is an error. Auth: a
 * JWT (HS256) signed with the secret key, `iss` = the access key, valid 30 minutes.
 * @see https://app.klingai.com/global/dev/document-api/apiReference/commonInfo
 * @see https://app.klingai.com/global/dev/document-api/apiReference/model/textToVideo
 */

/** Token lifetime and clock-skew allowance, as Kling's sample code signs them. */
const tokenLifetimeSeconds = 1800;
const notBeforeSkewSeconds = 5;
/** `task_status_msg` texts that mean the content was refused by Kling's risk control. */
const moderationMessages = /risk control|sensitive|moderat/i;
/** The `mode` that renders each resolution tier (std 720p, pro 1080p). */
const modeByResolution: Readonly<Record<string, 'std' | 'pro'>> = { '720P': 'std', '1080P': 'pro' };

/** A Kling API token: a JWT signed HS256 with the secret key (RFC 7519). */
export function klingToken(
  accessKey: string,
  secretKey: string,
  nowSeconds = Math.floor(Date.now() / 1000),
): string {
  const part = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const header = part({ alg: 'HS256', typ: 'JWT' });
  const payload = part({
    iss: accessKey,
    exp: nowSeconds + tokenLifetimeSeconds,
    nbf: nowSeconds - notBeforeSkewSeconds,
  });
  const signature = createHmac('sha256', secretKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function klingHeaders(credentials: VideoCredentials): Record<string, string> {
  const { accessKey, secretKey } = credentials;
  if (!accessKey || !secretKey) {
    throw new GatewayError('upstream_unavailable', {
      message: 'Kling needs KLING_ACCESS_KEY and KLING_SECRET_KEY; the operator has not set them.',
    });
  }
  return { authorization: `Bearer ${klingToken(accessKey, secretKey)}` };
}

/** Image-to-video when the job has a first or last frame. */
export function klingEndpoint(job: VideoJob): 'text2video' | 'image2video' {
  return job.imageUrls.length > 0 || job.lastImageUrl ? 'image2video' : 'text2video';
}

export function klingBody(job: VideoJob, upstreamModel: string): Record<string, unknown> {
  const body: Record<string, unknown> = { model_name: upstreamModel, prompt: job.prompt };
  if (job.negativePrompt) body['negative_prompt'] = job.negativePrompt;
  if (job.durationSeconds !== undefined) body['duration'] = String(job.durationSeconds);
  if (job.aspectRatio) body['aspect_ratio'] = job.aspectRatio;
  const mode = job.resolution ? modeByResolution[job.resolution] : undefined;
  if (mode) body['mode'] = mode;
  const [first] = job.imageUrls;
  if (first) body['image'] = rawBase64OrUrl(first);
  if (job.lastImageUrl) body['image_tail'] = rawBase64OrUrl(job.lastImageUrl);
  return body;
}

const envelope = z.looseObject({
  code: z.number(),
  message: z.string().optional(),
  data: z.unknown().optional(),
});
const taskData = z.looseObject({
  task_id: z.string().min(1),
  task_status: z.string().optional(),
  task_status_msg: z.string().optional(),
  task_result: z
    .looseObject({
      videos: z.array(
        z.looseObject({ url: z.string(), duration: z.union([z.string(), z.number()]).optional() }),
      ),
    })
    .optional(),
});

/** Kling answers HTTP 200 with a non-zero `code` for some errors; those are not a task. */
function klingData(answer: unknown, call: VideoCall): z.infer<typeof taskData> {
  const wrapped = parseVendor(envelope, answer, call, 'no envelope');
  if (wrapped.code !== 0) {
    throw malformedVideo(call.route.provider.name, `code ${wrapped.code}: ${wrapped.message ?? ''}`, answer);
  }
  return parseVendor(taskData, wrapped.data, call, 'no task');
}

export function klingStatus(data: z.infer<typeof taskData>): VendorTaskStatus {
  switch (data.task_status) {
    case 'submitted':
      return { state: 'queued' };
    case 'processing':
      return { state: 'running' };
    case 'succeed': {
      const videos = data.task_result?.videos ?? [];
      if (videos.length > 0) {
        return {
          state: 'succeeded',
          outputs: videos.map((video) => ({
            url: video.url,
            seconds: video.duration === undefined ? undefined : Number(video.duration),
          })),
        };
      }
      return { state: 'failed', reason: 'vendor_error', message: 'The task succeeded without a video.' };
    }
    default: {
      const message = data.task_status_msg ?? `The task ended ${data.task_status ?? 'without a status'}.`;
      return {
        state: 'failed',
        reason: moderationMessages.test(message) ? 'moderated' : 'vendor_error',
        message,
      };
    }
  }
}

export const kling: VideoAdapter = {
  id: 'kling',
  authHeaders: klingHeaders,
  pollIntervalMs: 5_000,
  async submit(call) {
    const answer = await call.http.postJson(
      `/v1/videos/${klingEndpoint(call.job)}`,
      klingBody(call.job, call.route.model),
    );
    return { taskId: klingData(answer, call).task_id };
  },
  async poll(taskId, call) {
    const path = `/v1/videos/${klingEndpoint(call.job)}/${encodeURIComponent(taskId)}`;
    return klingStatus(klingData(await call.http.getJson(vendorUrl(call, path)), call));
  },
};
