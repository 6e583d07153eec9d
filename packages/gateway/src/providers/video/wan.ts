import * as z from 'zod';
import type { VendorTaskStatus, VideoAdapter, VideoJob } from './types.ts';
import { parseVendor, vendorUrl } from './vendor-json.ts';

/**
 * Alibaba Wan on DashScope (Model Studio), async only: `POST
 * /services/aigc/video-generation/video-synthesis` with `X-DashScope-Async: enable` `{model,
 * input:{prompt, negative_prompt, img_url}, parameters:{size | resolution, duration, seed}}` →
 * `{output:{task_id, task_status}}`; `GET /tasks/{task_id}` → `PENDING` → `RUNNING` →
 * `SUCCEEDED` (`output.video_url`, kept 24 h) | `FAILED` (`output.code`) | `CANCELED` |
 * `UNKNOWN`; `POST /tasks/{task_id}/cancel` while PENDING. Text-to-video takes `size`
 * (`1280*720`), image-to-video `resolution` (`720P`).
 * @see https://www.alibabacloud.com/help/en/model-studio/text-to-video-api-reference
 * @see https://www.alibabacloud.com/help/en/model-studio/image-to-video-api-reference
 */

/** Text-to-video `size` by resolution tier and aspect ratio. */
const sizes: Readonly<Record<string, Readonly<Record<string, string>>>> = {
  '480P': { '16:9': '832*480', '9:16': '480*832', '1:1': '624*624' },
  '720P': { '16:9': '1280*720', '9:16': '720*1280', '1:1': '960*960', '4:3': '1088*832', '3:4': '832*1088' },
  '1080P': {
    '16:9': '1920*1080',
    '9:16': '1080*1920',
    '1:1': '1440*1440',
    '4:3': '1632*1248',
    '3:4': '1248*1632',
  },
};
/**
 * Catalog family ids → the mode-specific DashScope model; an id or mode not listed passes
 * through (set an exact id with a `route` override).
 */
const modeModels: Readonly<Record<string, Partial<Record<'t2v' | 'i2v', string>>>> = {
  'wan2.6': { t2v: 'wan2.6-t2v', i2v: 'wan2.6-i2v' },
  'wan2.6-flash': { i2v: 'wan2.6-i2v-flash' },
};
/** `output.code` values that mean the content was refused. */
const moderationCodes = /DataInspection|IPInfringement|Green/i;
const runningStates: Readonly<Record<string, 'queued' | 'running'>> = {
  PENDING: 'queued',
  RUNNING: 'running',
};

/** The DashScope model for the job's mode: image-to-video when it has a first frame. */
export function wanModel(job: VideoJob, upstreamModel: string): string {
  const mode = job.imageUrls.length > 0 ? 'i2v' : 't2v';
  return modeModels[upstreamModel]?.[mode] ?? upstreamModel;
}

export function wanBody(job: VideoJob, upstreamModel: string): Record<string, unknown> {
  const input: Record<string, unknown> = { prompt: job.prompt };
  if (job.negativePrompt) input['negative_prompt'] = job.negativePrompt;
  const parameters: Record<string, unknown> = {};
  const [first] = job.imageUrls;
  if (first) {
    input['img_url'] = first;
    if (job.resolution) parameters['resolution'] = job.resolution;
  } else {
    const size = sizes[job.resolution ?? '720P']?.[job.aspectRatio ?? '16:9'];
    if (size) parameters['size'] = size;
    else if (job.resolution) parameters['resolution'] = job.resolution;
  }
  if (job.durationSeconds !== undefined) parameters['duration'] = job.durationSeconds;
  if (job.seed !== undefined) parameters['seed'] = job.seed;
  return { model: wanModel(job, upstreamModel), input, parameters };
}

const created = z.looseObject({ output: z.looseObject({ task_id: z.string().min(1) }) });
const task = z.looseObject({
  output: z.looseObject({
    task_status: z.string(),
    video_url: z.string().optional(),
    code: z.string().optional(),
    message: z.string().optional(),
  }),
  usage: z
    .looseObject({ duration: z.number().optional(), output_video_duration: z.number().optional() })
    .optional(),
});

export function wanStatus(answer: z.infer<typeof task>): VendorTaskStatus {
  const { output, usage } = answer;
  const running = runningStates[output.task_status];
  if (running) return { state: running };
  if (output.task_status === 'SUCCEEDED' && output.video_url) {
    return {
      state: 'succeeded',
      outputs: [{ url: output.video_url, seconds: usage?.output_video_duration ?? usage?.duration }],
    };
  }
  const message =
    output.message ??
    (output.task_status === 'UNKNOWN'
      ? 'The task is unknown or has expired.'
      : `The task ended ${output.task_status}.`);
  return {
    state: 'failed',
    reason: moderationCodes.test(output.code ?? '') ? 'moderated' : 'vendor_error',
    message,
  };
}

/** DashScope's HTTP video API is async only: without this header a submit is refused. */
const asyncHeader = { 'X-DashScope-Async': 'enable' } as const;

export const wan: VideoAdapter = {
  id: 'wan',
  authHeaders: (credentials) => ({ authorization: `Bearer ${credentials.apiKey ?? ''}` }),
  pollIntervalMs: 15_000,
  async submit(call) {
    const answer = await call.http.postJson(
      '/services/aigc/video-generation/video-synthesis',
      wanBody(call.job, call.route.model),
      asyncHeader,
    );
    return { taskId: parseVendor(created, answer, call, 'no task_id').output.task_id };
  },
  async poll(taskId, call) {
    const answer = await call.http.getJson(vendorUrl(call, `/tasks/${encodeURIComponent(taskId)}`));
    return wanStatus(parseVendor(task, answer, call, 'no task_status'));
  },
  async cancel(taskId, call) {
    await call.http.postJson(`/tasks/${encodeURIComponent(taskId)}/cancel`, {});
  },
};
