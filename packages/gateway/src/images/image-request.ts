import * as z from 'zod';
import { GatewayError } from '../errors/index.ts';

/** A reference image as the client spelled it, and under which field (errors name it). */
export interface ReferenceInput {
  url: string;
  /** `image`, `reference_images[1]`, `image_urls[0]`… */
  param: string;
}

/** The body of POST /v1/images/generations, read leniently (unknown fields are ignored). */
export interface ImageRequestBody {
  model?: string | undefined;
  intent?: string | undefined;
  prompt: string;
  n: number;
  size?: string | undefined;
  aspectRatio?: string | undefined;
  resolution?: string | undefined;
  quality?: string | undefined;
  responseFormat: 'url' | 'b64_json';
  references: ReferenceInput[];
}

/** One reference: a URL string, or `{url}` / `{image_url}` objects as some clients send. */
const reference = z.union([
  z.string(),
  z.looseObject({ url: z.string() }).transform((value) => value.url),
  z.looseObject({ image_url: z.string() }).transform((value) => value.image_url),
]);
const references = z.union([reference.transform((one) => [one]), z.array(reference)]);
const optionalText = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

const bodySchema = z.looseObject({
  model: optionalText,
  intent: optionalText,
  prompt: z
    .string({ error: 'required (a text prompt)' })
    .refine((text) => text.trim().length > 0, 'must not be empty'),
  n: z
    .number({ error: 'must be an integer from 1 to 10' })
    .int('must be an integer from 1 to 10')
    .min(1, 'must be an integer from 1 to 10')
    .max(10, 'must be an integer from 1 to 10')
    .nullish(),
  size: optionalText.nullable(),
  aspect_ratio: optionalText.nullable(),
  resolution: optionalText.nullable(),
  quality: optionalText.nullable(),
  response_format: z.enum(['url', 'b64_json'], { error: 'allowed values: url, b64_json' }).nullish(),
  // The three spellings of reference images (docs/api-contract.md §4); image_urls is NanoBanana's.
  image: references.nullish(),
  reference_images: references.nullish(),
  image_urls: references.nullish(),
});

const referenceFields = ['image', 'reference_images', 'image_urls'] as const;

export function parseImageRequest(json: unknown): ImageRequestBody {
  if (json === null || typeof json !== 'object' || Array.isArray(json)) {
    throw new GatewayError('invalid_request', { message: 'The request body must be a JSON object.' });
  }
  const parsed = bodySchema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const param = issue.path.map(String).join('.') || null;
    throw new GatewayError('invalid_request', {
      param,
      message: `Invalid field ${param ?? 'body'}: ${issue.message}`,
    });
  }
  const body = parsed.data;
  const given = referenceFields.filter((field) => (body[field]?.length ?? 0) > 0);
  if (given.length > 1) {
    throw new GatewayError('invalid_request', {
      param: given[1]!,
      message: `Send reference images in one field only (got ${given.join(' and ')}).`,
    });
  }
  const field = given[0];
  const list = field ? (body[field] ?? []) : [];
  // `image: "https://…"` is named `image`; `image_urls: [...]` entries `image_urls[0]`…
  const spelledAsList = field !== undefined && Array.isArray((json as Record<string, unknown>)[field]);
  return {
    model: body.model,
    intent: body.intent,
    prompt: body.prompt,
    n: body.n ?? 1,
    size: body.size ?? undefined,
    aspectRatio: body.aspect_ratio ?? undefined,
    resolution: body.resolution ?? undefined,
    quality: body.quality ?? undefined,
    responseFormat: body.response_format ?? 'url',
    references: list.map((url, index) => ({
      url,
      param: spelledAsList ? `${field}[${index}]` : String(field),
    })),
  };
}
