import { type Exchange, headerValue } from '../http/exchange.ts';
import { type FormPart, parseMultipart } from '../http/multipart.ts';
import { isRecord } from '../json.ts';
import { authenticate } from '../openai-chat/authenticate.ts';
import { invalidRequest, type OpenAiErrorBody, sendOpenAiError } from '../openai-chat/errors.ts';
import { checkModel, type ImagesContext, INVALID_JSON, respondWithImages } from './generations.ts';
import { parseImageRequest } from './parse-request.ts';

/** An input image as the simulator sees it: only its size matters (it is never decoded further). */
interface InputImage {
  /** From the PNG header when the upload is a PNG. */
  width: number | undefined;
  height: number | undefined;
}

const TEXT_FIELDS = [
  'prompt',
  'model',
  'size',
  'quality',
  'response_format',
  'output_format',
  'background',
  'input_fidelity',
  'moderation',
  'user',
];
const NUMBER_FIELDS = ['n', 'output_compression', 'partial_images'];
const MAX_GPT_IMAGES = 16;

/**
 * `POST /v1/images/edits`: `multipart/form-data` with `image` (or `image[]`, several files for
 * GPT image models, one square PNG for DALL·E 2), optional `mask`, and the generation fields as
 * form fields; or, for GPT image models, JSON with `images: [{image_url} | {file_id}]`. URLs are
 * recorded, never fetched. `size: auto` follows the first PNG's orientation. Input images add
 * `usage.input_tokens_details.image_tokens`, approximated with the GPT-4o vision formula (85 +
 * 170 per 512-px tile after scaling to 768 px on the short side).
 * @see https://platform.openai.com/docs/api-reference/images/createEdit
 */
export async function handleImageEdits(exchange: Exchange, context: ImagesContext): Promise<void> {
  const auth = authenticate(exchange, context.apiKeys);
  if (!auth.ok) return sendOpenAiError(exchange, 401, auth.error);
  const input = exchange.body.isJson
    ? fromJson(exchange.body.value)
    : fromMultipart(
        exchange,
        parseMultipart(exchange.body.bytes, headerValue(exchange.request, 'content-type')),
      );
  if ('error' in input) return sendOpenAiError(exchange, 400, input.error);
  const { fields, images } = input;
  if (images.length === 0) return sendOpenAiError(exchange, 400, missing('image'));
  const model = typeof fields['model'] === 'string' ? fields['model'] : undefined;
  if (model === 'dall-e-3') {
    return sendOpenAiError(
      exchange,
      400,
      invalidRequest(
        "Invalid value: 'dall-e-3'. Supported values are: 'dall-e-2', 'gpt-image-1', 'gpt-image-1-mini', 'gpt-image-1.5', and 'gpt-image-2'.",
        'model',
        'invalid_value',
      ),
    );
  }
  const first = images[0];
  const autoSize = orientation(first);
  const size = fields['size'] === undefined || fields['size'] === 'auto' ? undefined : fields['size'];
  const parsed = parseImageRequest({ ...fields, ...(size === undefined ? {} : { size }) });
  if (!parsed.ok) return sendOpenAiError(exchange, 400, parsed.error);
  const request = parsed.request;
  const gpt = request.rules.family === 'gpt-image';
  if (!gpt && images.length > 1) {
    return sendOpenAiError(
      exchange,
      400,
      invalidRequest('dall-e-2 edits take exactly one image.', 'image', 'invalid_value'),
    );
  }
  if (!gpt && first && first.width !== first.height) {
    return sendOpenAiError(
      exchange,
      400,
      invalidRequest('Invalid input image - image must be square.', 'image', 'invalid_image'),
    );
  }
  if (images.length > MAX_GPT_IMAGES) {
    return sendOpenAiError(
      exchange,
      400,
      invalidRequest(
        `Invalid 'image': array too long. Expected an array with maximum length ${MAX_GPT_IMAGES}, but got an array with length ${images.length} instead.`,
        'image',
        'array_above_max_length',
      ),
    );
  }
  if (!checkModel(exchange, context, request)) return;
  if (gpt && size === undefined && autoSize) {
    request.width = autoSize.width;
    request.height = autoSize.height;
    request.size = `${autoSize.width}x${autoSize.height}`;
  }
  const imageTokens = gpt ? images.reduce((sum, image) => sum + visionTokens(image), 0) : 0;
  await respondWithImages(exchange, context, request, imageTokens);
}

type EditInput = { fields: Record<string, unknown>; images: InputImage[] } | { error: OpenAiErrorBody };

function fromMultipart(exchange: Exchange, parts: FormPart[] | undefined): EditInput {
  if (!parts) {
    return {
      error: invalidRequest(
        exchange.body.raw.trim() === '' ? "Missing required parameter: 'prompt'." : INVALID_JSON,
        exchange.body.raw.trim() === '' ? 'prompt' : null,
        exchange.body.raw.trim() === '' ? 'missing_required_parameter' : null,
      ),
    };
  }
  const fields: Record<string, unknown> = {};
  const images: InputImage[] = [];
  const recorded: Record<string, unknown> = {};
  for (const part of parts) {
    if (part.name === 'image' || part.name === 'image[]') {
      images.push(pngSize(part.data));
      recorded['image'] = [...((recorded['image'] as unknown[]) ?? []), describeFile(part)];
      continue;
    }
    if (part.name === 'mask') {
      recorded['mask'] = describeFile(part);
      continue;
    }
    const text = part.data.toString('utf8');
    recorded[part.name] = text;
    if (TEXT_FIELDS.includes(part.name)) fields[part.name] = text;
    else if (NUMBER_FIELDS.includes(part.name))
      fields[part.name] = /^-?\d+$/.test(text) ? Number(text) : text;
  }
  // Tests see which files arrived instead of their bytes.
  exchange.record.body = recorded;
  return { fields, images };
}

function fromJson(body: unknown): EditInput {
  if (!isRecord(body))
    return { error: invalidRequest('Invalid type for body: expected an object.', null, 'invalid_type') };
  const images = Array.isArray(body['images']) ? body['images'] : [];
  for (const [index, image] of images.entries()) {
    if (
      !isRecord(image) ||
      (typeof image['image_url'] !== 'string' && typeof image['file_id'] !== 'string')
    ) {
      return {
        error: invalidRequest(
          `Invalid 'images[${index}]': expected an object with 'image_url' or 'file_id'.`,
          `images[${index}]`,
          'invalid_type',
        ),
      };
    }
  }
  const { images: _images, mask: _mask, ...fields } = body;
  if (images.length > 0 && fields['model'] === undefined) fields['model'] = 'gpt-image-1';
  return { fields, images: images.map(() => ({ width: undefined, height: undefined })) };
}

function missing(param: string): OpenAiErrorBody {
  return invalidRequest(`Missing required parameter: '${param}'.`, param, 'missing_required_parameter');
}

function describeFile(part: FormPart): Record<string, unknown> {
  return { filename: part.filename ?? null, content_type: part.contentType ?? null, bytes: part.data.length };
}

/** Width and height from a PNG's IHDR, when the bytes start like a PNG. */
function pngSize(bytes: Buffer): InputImage {
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  if (
    bytes.length < 24 ||
    !bytes.subarray(0, 8).equals(signature) ||
    bytes.toString('latin1', 12, 16) !== 'IHDR'
  ) {
    return { width: undefined, height: undefined };
  }
  return { width: bytes.readUInt32BE(16), height: bytes.readUInt32BE(20) };
}

/** `size: auto` for edits: the GPT image size closest to the first image's orientation. */
function orientation(image: InputImage | undefined): { width: number; height: number } | undefined {
  if (!image?.width || !image.height) return undefined;
  const ratio = image.width / image.height;
  if (ratio > 1.2) return { width: 1536, height: 1024 };
  if (ratio < 1 / 1.2) return { width: 1024, height: 1536 };
  return { width: 1024, height: 1024 };
}

function visionTokens(image: InputImage): number {
  let width = image.width ?? 1024;
  let height = image.height ?? 1024;
  const fit = Math.min(1, 2048 / Math.max(width, height));
  width *= fit;
  height *= fit;
  const shrink = Math.min(1, 768 / Math.min(width, height));
  width *= shrink;
  height *= shrink;
  return 85 + 170 * Math.ceil(width / 512) * Math.ceil(height / 512);
}
