import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';
import { imageDirectives } from '../images/directives.ts';
import { renderImage } from '../images/render.ts';
import { isRecord } from '../json.ts';
import { authenticate } from './authenticate.ts';
import { FieldErrors, fail, GeminiRequestError, sendGeminiError } from './errors.ts';
import type { GeminiContext } from './generate-content.ts';
import { responseHeaders } from './headers.ts';
import { isKnownModel, notFoundMessage } from './models.ts';
import { field, listField } from './proto-json.ts';

const METHOD = /^\/(v1beta|v1alpha|v1)\/models\/([^/:]+):predict$/;

/**
 * Imagen output sizes per aspect ratio at `1K` (`2K` doubles each side).
 * @see https://ai.google.dev/gemini-api/docs/imagen#imagen-configuration
 */
const SIZES: Record<string, [number, number]> = {
  '1:1': [1024, 1024],
  '3:4': [896, 1280],
  '4:3': [1280, 896],
  '9:16': [768, 1408],
  '16:9': [1408, 768],
};

const SAFETY_SETTINGS = ['BLOCK_LOW_AND_ABOVE', 'BLOCK_MEDIUM_AND_ABOVE', 'BLOCK_ONLY_HIGH', 'BLOCK_NONE'];
const PERSON_GENERATION = ['DONT_ALLOW', 'ALLOW_ADULT', 'ALLOW_ALL'];

/**
 * Imagen `POST /v1beta/models/{model}:predict`: `{instances:[{prompt}], parameters:{sampleCount
 * (1–4, default 4), aspectRatio, sampleImageSize ("1K"|"2K"; Imagen 4 Standard/Ultra),
 * personGeneration, safetySetting, includeRaiReason, outputOptions}}` →
 * `{predictions:[{bytesBase64Encoded, mimeType}]}`. An image the output filter withholds
 * (`[[sim:moderated]]`) is left out, or with `includeRaiReason` reported as `{raiFilteredReason}`.
 * Also served at Vertex AI's `…/publishers/google/models/{model}:predict`, the path
 * `@google/genai` uses for `generateImages`.
 * @see https://ai.google.dev/gemini-api/docs/imagen
 */
export async function handlePredict(exchange: Exchange, context: GeminiContext): Promise<void> {
  try {
    authenticate(exchange, context.apiKeys);
    const body = exchange.body.raw.trim() === '' ? {} : exchange.body.value;
    if (!exchange.body.isJson && exchange.body.raw.trim() !== '') {
      fail('Invalid JSON payload received. Unexpected token.');
    }
    const model = predictModel(exchange.path);
    if (!model.startsWith('imagen-') || !isKnownModel(context.models, model)) {
      throw new GeminiRequestError(404, notFoundMessage(model, METHOD.exec(exchange.path)?.[1], 'predict'));
    }
    const record = isRecord(body) ? body : {};
    const instance = listField(record, 'instances')[0];
    const prompt = isRecord(instance) ? field(instance, 'prompt') : undefined;
    if (typeof prompt !== 'string' || prompt.trim() === '') {
      fail('Invalid prompt: the prompt must not be empty.');
    }
    const parametersValue = field(record, 'parameters');
    const parameters = isRecord(parametersValue) ? parametersValue : {};
    const errors = new FieldErrors('PredictRequest');
    const count = field(parameters, 'sampleCount') ?? 4;
    if (typeof count !== 'number' || !Number.isInteger(count) || count < 1 || count > 4) {
      errors.add('parameters.sample_count', 'sampleCount must be an integer in the range [1, 4].');
    }
    const ratio = String(field(parameters, 'aspectRatio') ?? '1:1');
    const base = SIZES[ratio];
    if (!base)
      errors.add(
        'parameters.aspect_ratio',
        `Unsupported aspect ratio: ${ratio}. Supported: ${Object.keys(SIZES).join(', ')}.`,
      );
    const sizeValue = String(field(parameters, 'sampleImageSize') ?? '1K');
    const twoK = /^imagen-4\.0-(generate|ultra-generate)/.test(model);
    if (sizeValue !== '1K' && !(sizeValue === '2K' && twoK)) {
      errors.add('parameters.sample_image_size', `Unsupported sample image size: ${sizeValue}.`);
    }
    checkEnum(parameters, 'safetySetting', SAFETY_SETTINGS, 'parameters.safety_setting', errors);
    checkEnum(parameters, 'personGeneration', PERSON_GENERATION, 'parameters.person_generation', errors);
    errors.throwIfAny();

    const [w, h] = base ?? [1024, 1024];
    const scale = sizeValue === '2K' ? 2 : 1;
    const withReason = field(parameters, 'includeRaiReason') === true;
    const filtered = imageDirectives(prompt as string).moderated !== undefined;
    const predictions = Array.from({ length: count as number }, (_, index) => {
      if (filtered) {
        return withReason
          ? {
              raiFilteredReason:
                "Your current safety filter threshold filtered out the generated image. Please try rephrasing your prompt or adjusting the 'safetySetting'.",
            }
          : undefined;
      }
      const image = renderImage({
        width: w * scale,
        height: h * scale,
        seedText: `${model}\u0000${prompt as string}`,
        index,
      });
      return { bytesBase64Encoded: image.bytes.toString('base64'), mimeType: image.mimeType };
    }).filter((prediction) => prediction !== undefined);
    sendJson(
      exchange.response,
      200,
      predictions.length > 0 ? { predictions } : {},
      responseHeaders(exchange),
    );
  } catch (error) {
    if (!(error instanceof GeminiRequestError)) throw error;
    sendGeminiError(exchange, error.status, error.message, error.details);
  }
}

/** The model of a `:predict` path, on the Gemini API or Vertex AI. */
export function predictModel(path: string): string {
  const match = /\/models\/([^/:]+):predict$/.exec(path);
  return decodeURIComponent(match?.[1] ?? '');
}

function checkEnum(
  parameters: Record<string, unknown>,
  name: string,
  values: readonly string[],
  path: string,
  errors: FieldErrors,
): void {
  const value = field(parameters, name);
  if (value === undefined) return;
  if (typeof value !== 'string' || !values.includes(value.toUpperCase())) {
    errors.add(path, `Invalid value ${String(value)}; expected one of ${values.join(', ')}.`);
  }
}
