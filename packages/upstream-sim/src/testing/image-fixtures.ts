import { setTimeout as delay } from 'node:timers/promises';
import type { UpstreamSim } from '../server.ts';

/**
 * One recorded exchange with an image vendor, as the gateway adapters' unit tests replay it:
 * the request a client sends (the key replaced by a placeholder) and what the vendor answers, with
 * the simulator's address rewritten to the vendor's hosts.
 */
export interface ImageFixture {
  description: string;
  docs: string;
  request: { method: 'GET' | 'POST'; url: string; headers: Record<string, string>; body?: unknown };
  response: { status: number; headers: Record<string, string>; body: unknown };
}

export type FixtureSet = Record<string, ImageFixture>;

/** Vendor folder → fixture name → fixture, written to `<folder>/__fixtures__/<name>.json`. */
export type ImageFixtures = Record<'openai-images' | 'gemini' | 'bfl' | 'ark-images', FixtureSet>;

interface Vendor {
  api: string;
  delivery: string;
  auth: (key: string) => Record<string, string>;
  placeholder: string;
}

const VENDORS: Record<keyof ImageFixtures, Vendor> = {
  'openai-images': {
    api: 'https://api.openai.com',
    delivery: 'https://oaidalleapiprodscus.blob.core.windows.net/private/',
    auth: (key) => ({ authorization: `Bearer ${key}` }),
    placeholder: '<OPENAI_API_KEY>',
  },
  gemini: {
    api: 'https://generativelanguage.googleapis.com',
    delivery: '',
    auth: (key) => ({ 'x-goog-api-key': key }),
    placeholder: '<GEMINI_API_KEY>',
  },
  bfl: {
    api: 'https://api.bfl.ai',
    delivery: 'https://delivery-eu1.bfl.ai/results/',
    auth: (key) => ({ 'x-key': key }),
    placeholder: '<BFL_API_KEY>',
  },
  'ark-images': {
    api: 'https://ark.ap-southeast.bytepluses.com',
    delivery: 'https://ark-content-generation-v2-ap-southeast-1.tos-ap-southeast-1.volces.com/',
    auth: (key) => ({ authorization: `Bearer ${key}` }),
    placeholder: '<ARK_API_KEY>',
  },
};

const KEPT_HEADERS = ['content-type', 'x-request-id'];

/**
 * Runs every fixture scenario against `sim` (started with the same, small, `bflPendingMs`) and returns what
 * was exchanged. The same scenarios back `image-fixtures.test.ts`, which checks the stored files
 * still have the simulator's shapes, and `write-image-fixtures.ts`, which rewrites them.
 */
export async function captureImageFixtures(
  sim: UpstreamSim,
  key: string,
  bflPendingMs: number,
): Promise<ImageFixtures> {
  const call = async (
    vendor: keyof ImageFixtures,
    description: string,
    docs: string,
    request: { method: 'GET' | 'POST'; path: string; body?: unknown; auth?: boolean; absolute?: string },
  ): Promise<ImageFixture> => {
    const { auth, placeholder } = VENDORS[vendor];
    const headers: Record<string, string> = {
      ...(request.body === undefined ? {} : { 'content-type': 'application/json' }),
      ...(request.auth === false ? {} : auth(key)),
    };
    const url = request.absolute ?? `${sim.url}${request.path}`;
    const response = await fetch(url, {
      method: request.method,
      headers,
      ...(request.body === undefined ? {} : { body: JSON.stringify(request.body) }),
    });
    const text = await response.text();
    const responseHeaders: Record<string, string> = {};
    for (const name of KEPT_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) responseHeaders[name] = value;
    }
    const shownHeaders = Object.fromEntries(
      Object.entries(headers).map(([name, value]) => [name, value.replace(key, placeholder)]),
    );
    return rewrite(vendor, sim.url, {
      description,
      docs,
      request: {
        method: request.method,
        url,
        headers: shownHeaders,
        ...(request.body === undefined ? {} : { body: request.body }),
      },
      response: { status: response.status, headers: responseHeaders, body: JSON.parse(text) as unknown },
    });
  };

  const openai = 'https://platform.openai.com/docs/api-reference/images/create';
  const gemini = 'https://ai.google.dev/gemini-api/docs/image-generation';
  const imagen = 'https://ai.google.dev/gemini-api/docs/imagen';
  const bfl = 'https://docs.bfl.ai/quick_start/generating_images';
  const ark = 'https://docs.byteplus.com/en/docs/ModelArk/1541523';

  const submitted = await fetch(`${sim.url}/v1/flux-2-pro`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-key': key },
    body: JSON.stringify({
      prompt: 'A red fox in fresh snow, golden hour',
      width: 1024,
      height: 768,
      seed: 42,
    }),
  });
  const task = (await submitted.json()) as { polling_url: string };
  const pending = await call('bfl', 'A task right after submission', `${bfl}#poll-for-result`, {
    method: 'GET',
    path: '',
    absolute: task.polling_url,
  });
  await delay(bflPendingMs + 20);

  const moderated = (await (
    await fetch(`${sim.url}/v1/flux-kontext-pro`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-key': key },
      body: JSON.stringify({ prompt: 'an image the output filter blocks [[sim:moderated=output]]' }),
    })
  ).json()) as { polling_url: string };
  await delay(bflPendingMs + 20);

  return {
    'openai-images': {
      'generations-gpt-image-1': await call('openai-images', 'gpt-image-1: base64 PNG with usage', openai, {
        method: 'POST',
        path: '/v1/images/generations',
        body: {
          model: 'gpt-image-1',
          prompt: 'A lighthouse at dusk, oil painting',
          size: '1024x1024',
          quality: 'low',
        },
      }),
      'generations-dall-e-3-url': await call(
        'openai-images',
        'dall-e-3: an expiring URL and revised_prompt',
        openai,
        {
          method: 'POST',
          path: '/v1/images/generations',
          body: {
            model: 'dall-e-3',
            prompt: 'A lighthouse at dusk',
            size: '1024x1024',
            response_format: 'url',
          },
        },
      ),
      'error-invalid-size': await call(
        'openai-images',
        '400 invalid_value for a size the model does not take',
        openai,
        {
          method: 'POST',
          path: '/v1/images/generations',
          body: { model: 'gpt-image-1', prompt: 'A lighthouse', size: '512x512' },
        },
      ),
      'error-moderation-blocked': await call('openai-images', '400 moderation_blocked', openai, {
        method: 'POST',
        path: '/v1/images/generations',
        body: { model: 'gpt-image-1', prompt: 'A refused prompt [[sim:moderated]]' },
      }),
    },
    gemini: {
      'generate-content-image': await call(
        'gemini',
        'Gemini 2.5 Flash Image: text and an inlineData PNG',
        gemini,
        {
          method: 'POST',
          path: '/v1beta/models/gemini-2.5-flash-image:generateContent',
          body: {
            contents: [{ role: 'user', parts: [{ text: 'A nano banana on a plate' }] }],
            generationConfig: { responseModalities: ['TEXT', 'IMAGE'], imageConfig: { aspectRatio: '1:1' } },
          },
        },
      ),
      'generate-content-image-safety': await call(
        'gemini',
        'The image withheld by the output filter',
        gemini,
        {
          method: 'POST',
          path: '/v1beta/models/gemini-2.5-flash-image:generateContent',
          body: { contents: [{ role: 'user', parts: [{ text: 'A blocked picture [[sim:moderated]]' }] }] },
        },
      ),
      'predict-imagen': await call('gemini', 'Imagen 4 :predict with one sample', imagen, {
        method: 'POST',
        path: '/v1beta/models/imagen-4.0-generate-001:predict',
        body: {
          instances: [{ prompt: 'A robot holding a red skateboard' }],
          parameters: { sampleCount: 1, aspectRatio: '1:1' },
        },
      }),
      'error-image-on-text-model': await call('gemini', '400 when a text model is asked for IMAGE', gemini, {
        method: 'POST',
        path: '/v1beta/models/gemini-2.5-flash:generateContent',
        body: {
          contents: [{ role: 'user', parts: [{ text: 'A fox' }] }],
          generationConfig: { responseModalities: ['IMAGE'] },
        },
      }),
    },
    bfl: {
      'submit-flux-2-pro': {
        ...(await call('bfl', 'Submit: a task id and the polling URL to use', bfl, {
          method: 'POST',
          path: '/v1/flux-2-pro',
          body: { prompt: 'A red fox in fresh snow, golden hour', width: 1024, height: 768, seed: 42 },
        })),
      },
      'get-result-pending': pending,
      'get-result-ready': await call('bfl', 'Ready: result.sample is a signed URL valid 10 minutes', bfl, {
        method: 'GET',
        path: '',
        absolute: task.polling_url,
      }),
      'get-result-content-moderated': await call(
        'bfl',
        'Content Moderated: result null',
        `${bfl}#poll-for-result`,
        {
          method: 'GET',
          path: '',
          absolute: moderated.polling_url,
        },
      ),
      'error-422-validation': await call(
        'bfl',
        '422: FastAPI validation problems',
        'https://docs.bfl.ai/api_integration/errors',
        {
          method: 'POST',
          path: '/v1/flux-2-pro',
          body: { width: 1000 },
        },
      ),
      'error-403-no-key': await call(
        'bfl',
        '403 without x-key',
        'https://docs.bfl.ai/api_integration/errors',
        {
          method: 'POST',
          path: '/v1/flux-2-pro',
          body: { prompt: 'A fox' },
          auth: false,
        },
      ),
    },
    'ark-images': {
      'generations-url': await call('ark-images', 'Seedream 4.0: one image as a signed TOS URL (24 h)', ark, {
        method: 'POST',
        path: '/api/v3/images/generations',
        body: { model: 'seedream-4-0-250828', prompt: 'A koi pond in autumn', size: '2K', watermark: false },
      }),
      'generations-b64-sequential': await call('ark-images', 'A sequential set of two, as base64', ark, {
        method: 'POST',
        path: '/api/v3/images/generations',
        body: {
          model: 'seedream-4-0-250828',
          prompt: 'Two panels of a comic about a koi',
          size: '1K',
          image: ['https://example.com/reference.png'],
          sequential_image_generation: 'auto',
          sequential_image_generation_options: { max_images: 2 },
          response_format: 'b64_json',
        },
      }),
      'error-401': await call(
        'ark-images',
        '401 AuthenticationError',
        'https://docs.byteplus.com/en/docs/ModelArk/1299023',
        {
          method: 'POST',
          path: '/api/v3/images/generations',
          body: { model: 'seedream-4-0-250828', prompt: 'A koi' },
          auth: false,
        },
      ),
      'error-sensitive-input': await call(
        'ark-images',
        '400 InputTextSensitiveContentDetected',
        'https://docs.byteplus.com/en/docs/ModelArk/1299023',
        {
          method: 'POST',
          path: '/api/v3/images/generations',
          body: { model: 'seedream-4-0-250828', prompt: 'A refused prompt [[sim:moderated]]' },
        },
      ),
    },
  };
}

function rewrite(vendor: keyof ImageFixtures, simUrl: string, fixture: ImageFixture): ImageFixture {
  const { api, delivery } = VENDORS[vendor];
  const text = JSON.stringify(fixture)
    .replaceAll(`${simUrl}/__delivery/blob/`, delivery)
    .replaceAll(`${simUrl}/__delivery/tos/`, delivery)
    .replaceAll(simUrl, api);
  return JSON.parse(text) as ImageFixture;
}

/**
 * The structure of a JSON value: object keys with the shape of their values, arrays as the shape
 * of their elements, scalars as their type. Two answers with the same shape differ only in data.
 */
export function shapeOf(value: unknown): unknown {
  if (Array.isArray(value))
    return [...new Set(value.map((entry) => JSON.stringify(shapeOf(entry))))].map(
      (entry) => JSON.parse(entry) as unknown,
    );
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => (a < b ? -1 : 1))
        .map(([key, entry]) => [key, shapeOf(entry)]),
    );
  }
  return value === null ? 'null' : typeof value;
}
