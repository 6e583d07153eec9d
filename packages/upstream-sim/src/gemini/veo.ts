import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { randomId } from '../ids.ts';
import type { DeliveryStore } from '../images/delivery.ts';
import { isRecord } from '../json.ts';
import { clipSize, type VideoTask, type VideoTaskStore } from '../video/tasks.ts';
import { authenticate } from './authenticate.ts';
import { FieldErrors, fail, GeminiRequestError, sendGeminiError } from './errors.ts';
import { responseHeaders } from './headers.ts';
import { isKnownModel, notFoundMessage } from './models.ts';
import { field, listField } from './proto-json.ts';

export interface VeoContext {
  apiKeys: readonly string[] | undefined;
  models: readonly string[] | undefined;
  tasks: VideoTaskStore;
  delivery: DeliveryStore;
  urlTtlMs: number | undefined;
}

export const PREDICT_LONG_RUNNING = /^\/(v1beta|v1alpha|v1)\/models\/([^/:]+):predictLongRunning$/;
export const OPERATION = /^\/(?:v1beta|v1alpha|v1)\/(models\/[^/:]+\/operations\/[^/:]+)$/;
export const FILE_DOWNLOAD = /^\/(?:v1beta|v1alpha|v1)\/files\/([a-z0-9]+):download$/;

const VENDOR = 'veo';
/** Generated videos are stored for 2 days. @see https://ai.google.dev/gemini-api/docs/video */
const FILE_TTL_MS = 2 * 24 * 60 * 60 * 1000;
/** The signed link the download redirects to is short-lived. */
const REDIRECT_TTL_MS = 10 * 60 * 1000;

/**
 * Durations each Veo generation takes: Veo 3 / 3.1 `4`, `6` or `8` seconds (8 at 1080p), Veo 2
 * 5–8. Default 8.
 * @see https://ai.google.dev/gemini-api/docs/video#veo-model-parameters
 */
function allowedDurations(model: string): number[] {
  return model.startsWith('veo-2') ? [5, 6, 7, 8] : [4, 6, 8];
}

/**
 * `POST /v1beta/models/{model}:predictLongRunning` (Veo): `{instances:[{prompt, image?,
 * lastFrame?, referenceImages?}], parameters:{aspectRatio ("16:9"|"9:16"), durationSeconds,
 * resolution ("720p"|"1080p"), negativePrompt, personGeneration, sampleCount}}` → a
 * `google.longrunning.Operation` `{name: "models/{model}/operations/{id}"}`.
 * @see https://ai.google.dev/gemini-api/docs/video
 */
export async function handlePredictLongRunning(exchange: Exchange, context: VeoContext): Promise<void> {
  try {
    const apiKey = authenticate(exchange, context.apiKeys);
    if (!exchange.body.isJson) fail('Invalid JSON payload received. Unexpected token.');
    const match = PREDICT_LONG_RUNNING.exec(exchange.path);
    const model = match?.[2] ?? '';
    if (!model.startsWith('veo-') || !isKnownModel(context.models, model)) {
      throw new GeminiRequestError(404, notFoundMessage(model, match?.[1], 'predictLongRunning'));
    }
    const body = isRecord(exchange.body.value) ? exchange.body.value : {};
    const instance = listField(body, 'instances')[0];
    const instanceRecord = isRecord(instance) ? instance : {};
    const prompt = field(instanceRecord, 'prompt');
    const hasImage = field(instanceRecord, 'image') !== undefined;
    if ((typeof prompt !== 'string' || prompt.trim() === '') && !hasImage) {
      fail('Invalid prompt: the prompt must not be empty.');
    }
    const parametersValue = field(body, 'parameters');
    const parameters = isRecord(parametersValue) ? parametersValue : {};
    const errors = new FieldErrors('PredictLongRunningRequest');
    const aspectRatio = field(parameters, 'aspectRatio') ?? '16:9';
    if (aspectRatio !== '16:9' && aspectRatio !== '9:16') {
      errors.add(
        'parameters.aspect_ratio',
        `Unsupported aspect ratio: ${String(aspectRatio)}. Use 16:9 or 9:16.`,
      );
    }
    const resolution = field(parameters, 'resolution') ?? '720p';
    if (resolution !== '720p' && resolution !== '1080p') {
      errors.add(
        'parameters.resolution',
        `Unsupported resolution: ${String(resolution)}. Use 720p or 1080p.`,
      );
    }
    const duration = Number(field(parameters, 'durationSeconds') ?? 8);
    const durations = allowedDurations(model);
    if (!durations.includes(duration)) {
      errors.add(
        'parameters.duration_seconds',
        `The number value for \`durationSeconds\` is out of bound. Please provide a value in ${durations.join(', ')}.`,
      );
    } else if (resolution === '1080p' && duration !== 8) {
      errors.add('parameters.resolution', '1080p is only supported with an 8 second duration.');
    }
    const sampleCount = Number(field(parameters, 'sampleCount') ?? 1);
    if (
      !Number.isInteger(sampleCount) ||
      sampleCount < 1 ||
      sampleCount > (model.startsWith('veo-2') ? 2 : 1)
    ) {
      errors.add('parameters.sample_count', `sampleCount ${sampleCount} is out of range.`);
    }
    errors.throwIfAny();
    const size = clipSize(String(resolution), String(aspectRatio));
    const id = randomId('', 12, 'abcdefghijklmnopqrstuvwxyz0123456789');
    context.tasks.create({
      vendor: VENDOR,
      id,
      model,
      prompt: typeof prompt === 'string' ? prompt : '',
      apiKey,
      seconds: duration,
      ...size,
      params: { fileId: randomId('', 12, 'abcdefghijklmnopqrstuvwxyz0123456789') },
    });
    sendJson(exchange.response, 200, { name: `models/${model}/operations/${id}` }, responseHeaders(exchange));
  } catch (error) {
    if (error instanceof GeminiRequestError)
      return sendGeminiError(exchange, error.status, error.message, error.details);
    throw error;
  }
}

/**
 * `GET /v1beta/{operation name}`: `{name, done:false}` until the video is ready, then `{name,
 * done:true, response:{"@type", generateVideoResponse:{generatedSamples:[{video:{uri}}]}}}`; a
 * failure is `done:true` with `error` (`google.rpc.Status`); a blocked output is a response with
 * no samples and `raiMediaFilteredCount` / `raiMediaFilteredReasons`.
 * @see https://ai.google.dev/api/batch-mode#Operation
 */
export async function handleGetOperation(exchange: Exchange, context: VeoContext): Promise<void> {
  try {
    const apiKey = authenticate(exchange, context.apiKeys);
    const name = OPERATION.exec(exchange.path)?.[1] ?? '';
    const id = name.split('/').at(-1) ?? '';
    const task = context.tasks.get(VENDOR, id, apiKey);
    if (!task || `models/${task.model}/operations/${task.id}` !== name) {
      throw new GeminiRequestError(404, `Operation not found: ${name}`);
    }
    sendJson(exchange.response, 200, operation(exchange, task, context, name), responseHeaders(exchange));
  } catch (error) {
    if (error instanceof GeminiRequestError)
      return sendGeminiError(exchange, error.status, error.message, error.details);
    throw error;
  }
}

function operation(exchange: Exchange, task: VideoTask, context: VeoContext, name: string): unknown {
  const phase = context.tasks.phase(task);
  if (phase === 'queued' || phase === 'running') return { name, done: false };
  if (phase === 'failed' || phase === 'cancelled') {
    return {
      name,
      done: true,
      error: { code: 13, message: 'Video generation failed due to an internal error.' },
    };
  }
  const type = 'type.googleapis.com/google.ai.generativelanguage.v1beta.PredictLongRunningResponse';
  if (phase === 'moderated') {
    return {
      name,
      done: true,
      response: {
        '@type': type,
        generateVideoResponse: {
          raiMediaFilteredCount: 1,
          raiMediaFilteredReasons: [
            'We encountered an issue with the audio for your prompt. You have not been charged. Please try a different prompt.',
          ],
        },
      },
    };
  }
  const host = exchange.request.headers.host ?? '127.0.0.1';
  const version = /^\/([^/]+)\//.exec(exchange.path)?.[1] ?? 'v1beta';
  const uri = `http://${host}/${version}/files/${String(task.params['fileId'])}:download?alt=media`;
  return {
    name,
    done: true,
    response: { '@type': type, generateVideoResponse: { generatedSamples: [{ video: { uri } }] } },
  };
}

/**
 * `GET /v1beta/files/{id}:download?alt=media` with the API key (header or `?key=`): a 302 to a
 * short-lived signed link holding the MP4, as the real API redirects to its storage. Files are
 * kept 2 days; an expired one (or another key's) answers 403 PERMISSION_DENIED.
 * @see https://ai.google.dev/gemini-api/docs/video
 */
export async function handleFileDownload(exchange: Exchange, context: VeoContext): Promise<void> {
  try {
    const apiKey = authenticate(exchange, context.apiKeys);
    const fileId = FILE_DOWNLOAD.exec(exchange.path)?.[1] ?? '';
    const task = context.tasks
      .list(VENDOR, apiKey)
      .find(
        (candidate) =>
          candidate.params['fileId'] === fileId && context.tasks.phase(candidate) === 'succeeded',
      );
    const expired =
      task && (task.expired || Date.now() > task.finishesAt + (context.urlTtlMs ?? FILE_TTL_MS));
    if (!task || expired) {
      throw new GeminiRequestError(
        403,
        `You do not have permission to access the File ${fileId} or it may not exist.`,
      );
    }
    const location = context.delivery.publish(
      exchange,
      { bytes: context.tasks.videoBytes(task), mimeType: 'video/mp4' },
      {
        ttlMs: Math.min(REDIRECT_TTL_MS, context.urlTtlMs ?? REDIRECT_TTL_MS),
        style: 'azure-blob',
        name: `${fileId}.mp4`,
      },
    );
    exchange.response.writeHead(302, { ...responseHeaders(exchange), location, 'content-length': '0' });
    exchange.response.end();
  } catch (error) {
    if (error instanceof GeminiRequestError)
      return sendGeminiError(exchange, error.status, error.message, error.details);
    throw error;
  }
}
