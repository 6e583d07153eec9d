import { FinishReason, GoogleGenAI as GenAI, type GoogleGenAI, Modality } from '@google/genai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { readPngInfo } from '../images/png.ts';
import type { UpstreamSim } from '../server.ts';
import { apiError, errorBody, postGemini, startSimWithGemini } from '../testing/gemini-client.ts';

let sim: UpstreamSim;
let client: GoogleGenAI;

beforeAll(async () => {
  ({ sim, client } = await startSimWithGemini({ apiKeys: ['gemini-test-key'] }));
});
afterAll(() => sim.close());
beforeEach(() => sim.reset());

const png = (data: string | undefined) => readPngInfo(Buffer.from(data ?? '', 'base64'));

describe('native image output (generateContent)', () => {
  it('answers a caption and an inlineData PNG at the aspect ratio asked, with image usage', async () => {
    const response = await client.models.generateContent({
      model: 'gemini-2.5-flash-image',
      contents: 'a watercolour fox',
      config: { responseModalities: [Modality.TEXT, Modality.IMAGE], imageConfig: { aspectRatio: '16:9' } },
    });
    const parts = response.candidates?.[0]?.content?.parts ?? [];
    expect(
      parts.map((part) => Object.keys(part).filter((key) => part[key as keyof typeof part] !== undefined)),
    ).toEqual([['text'], ['inlineData']]);
    expect(parts[1]?.inlineData?.mimeType).toBe('image/png');
    expect(parts[1]?.thoughtSignature).toBeUndefined();
    expect(png(parts[1]?.inlineData?.data)).toMatchObject({ width: 1344, height: 768 });
    expect(response.data).toBe(parts[1]?.inlineData?.data);
    expect(response.candidates?.[0]?.finishReason).toBe(FinishReason.STOP);
    const usage = response.usageMetadata;
    const image = usage?.candidatesTokensDetails?.find((detail) => detail.modality === 'IMAGE');
    expect(image?.tokenCount).toBe(1290);
    const text = usage?.candidatesTokensDetails?.find((detail) => detail.modality === 'TEXT');
    expect(usage?.candidatesTokenCount).toBe(1290 + (text?.tokenCount ?? 0));
    expect(usage?.totalTokenCount).toBe((usage?.promptTokenCount ?? 0) + (usage?.candidatesTokenCount ?? 0));
  });

  it('Gemini 3 image models honour imageSize; IMAGE alone has no caption', async () => {
    const response = await client.models.generateContent({
      model: 'gemini-3-pro-image-preview',
      contents: 'a city at night',
      config: { responseModalities: [Modality.IMAGE], imageConfig: { aspectRatio: '1:1', imageSize: '2K' } },
    });
    const parts = (response.candidates?.[0]?.content?.parts ?? []).filter((part) => !part.thought);
    expect(parts).toHaveLength(1);
    expect(png(parts[0]?.inlineData?.data)).toMatchObject({ width: 2048, height: 2048 });
    expect(response.usageMetadata?.candidatesTokensDetails).toEqual([
      { modality: 'IMAGE', tokenCount: 1120 },
    ]);
    // Gemini 3 image models sign the image part, for multi-turn editing.
    expect(parts[0]?.thoughtSignature).toEqual(expect.any(String));
  });

  it('a Gemini 3 image turn replays, with its signatures, for multi-turn editing', async () => {
    const first = await client.models.generateContent({
      model: 'gemini-3-pro-image-preview',
      contents: 'a red bicycle',
    });
    const turn = first.candidates?.[0]?.content;
    const second = await client.models.generateContent({
      model: 'gemini-3-pro-image-preview',
      contents: [
        { role: 'user', parts: [{ text: 'a red bicycle' }] },
        { role: 'model', parts: turn?.parts ?? [] },
        { role: 'user', parts: [{ text: 'now make it blue' }] },
      ],
    });
    expect(second.data).toBeDefined();
    expect(second.data).not.toBe(first.data);
  });

  it('accepts reference images as inlineData parts and counts them as prompt', async () => {
    const reference = (
      await client.models.generateContent({
        model: 'gemini-3.1-flash-image-preview',
        contents: 'a plain cup',
        config: { responseModalities: [Modality.IMAGE], imageConfig: { imageSize: '512' } },
      })
    ).data;
    expect(png(reference)).toMatchObject({ width: 512, height: 512 });
    const edited = await client.models.generateContent({
      model: 'gemini-3.1-flash-image-preview',
      contents: [
        {
          role: 'user',
          parts: [{ inlineData: { mimeType: 'image/png', data: reference ?? '' } }, { text: 'make it red' }],
        },
      ],
      config: { imageConfig: { aspectRatio: '4:1' } },
    });
    expect(edited.data).toBeDefined();
    expect(png(edited.data).width).toBeGreaterThan(png(edited.data).height * 3);
    expect(edited.usageMetadata?.promptTokensDetails).toContainEqual({ modality: 'IMAGE', tokenCount: 258 });
  });

  it('streams the image whole in one chunk', async () => {
    const chunks = [];
    for await (const chunk of await client.models.generateContentStream({
      model: 'gemini-2.5-flash-image',
      contents: 'a boat',
    })) {
      chunks.push(chunk);
    }
    const images = chunks
      .flatMap((chunk) => chunk.candidates?.[0]?.content?.parts ?? [])
      .filter((part) => part.inlineData);
    expect(images).toHaveLength(1);
    expect(png(images[0]?.inlineData?.data)).toMatchObject({ width: 1024, height: 1024 });
    expect(chunks.at(-1)?.usageMetadata?.candidatesTokensDetails).toContainEqual({
      modality: 'IMAGE',
      tokenCount: 1290,
    });
  });

  it('TEXT only gets no image; the output filter withholds one with IMAGE_SAFETY', async () => {
    const text = await client.models.generateContent({
      model: 'gemini-2.5-flash-image',
      contents: 'describe a fox',
      config: { responseModalities: [Modality.TEXT] },
    });
    expect(text.data).toBeUndefined();
    expect(text.text).toBeTruthy();
    const blocked = await client.models.generateContent({
      model: 'gemini-2.5-flash-image',
      contents: 'something [[sim:moderated]]',
    });
    expect(blocked.candidates?.[0]?.finishReason).toBe(FinishReason.IMAGE_SAFETY);
    expect(blocked.candidates?.[0]?.content?.parts).toBeUndefined();
  });

  it('rejects IMAGE on a text model, and unsupported image settings', async () => {
    const textModel = await apiError(
      client.models.generateContent({
        model: 'gemini-2.5-flash',
        contents: 'a fox',
        config: { responseModalities: [Modality.IMAGE] },
      }),
    );
    expect(textModel.status).toBe(400);
    expect(errorBody(textModel).error.message).toContain('response modalities');
    const ratio = await postGemini(sim, '/v1beta/models/gemini-3-pro-image-preview:generateContent', {
      contents: [{ parts: [{ text: 'x' }] }],
      generationConfig: {
        responseModalities: ['IMAGE'],
        imageConfig: { aspectRatio: '7:3', imageSize: '2k' },
      },
    });
    expect(ratio.status).toBe(400);
    const body = (await ratio.json()) as { error: { status: string; message: string } };
    expect(body.error.status).toBe('INVALID_ARGUMENT');
    expect(body.error.message).toContain('generation_config.image_config.aspect_ratio');
    expect(body.error.message).toContain('generation_config.image_config.image_size');
    const unknown = await postGemini(sim, '/v1beta/models/gemini-2.5-flash-image:generateContent', {
      contents: [{ parts: [{ text: 'x' }] }],
      generationConfig: { imageConfig: { outputMimeType: 'image/jpeg' } },
    });
    expect(unknown.status).toBe(400);
    expect(((await unknown.json()) as { error: { message: string } }).error.message).toContain(
      'Unknown name "outputMimeType"',
    );
  });
});

describe('Imagen :predict', () => {
  it('answers predictions of base64 PNGs (REST, Gemini API path)', async () => {
    const response = await postGemini(sim, '/v1beta/models/imagen-4.0-generate-001:predict', {
      instances: [{ prompt: 'a robot' }],
      parameters: {
        sampleCount: 2,
        aspectRatio: '9:16',
        sampleImageSize: '2K',
        personGeneration: 'ALLOW_ADULT',
      },
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      predictions: Array<{ bytesBase64Encoded: string; mimeType: string }>;
    };
    expect(body.predictions).toHaveLength(2);
    for (const prediction of body.predictions) {
      expect(prediction.mimeType).toBe('image/png');
      expect(png(prediction.bytesBase64Encoded)).toMatchObject({ width: 1536, height: 2816 });
    }
  });

  it('works with @google/genai generateImages (Vertex AI express path) and defaults to 4 images', async () => {
    const vertex = new GenAI({
      vertexai: true,
      apiKey: 'gemini-test-key',
      httpOptions: { baseUrl: sim.url },
    });
    const response = await vertex.models.generateImages({
      model: 'imagen-4.0-fast-generate-001',
      prompt: 'a lake',
      config: { aspectRatio: '4:3' },
    });
    expect(response.generatedImages).toHaveLength(4);
    const image = response.generatedImages?.[0]?.image;
    expect(image?.mimeType).toBe('image/png');
    expect(png(image?.imageBytes)).toMatchObject({ width: 1280, height: 896 });
    expect(sim.requests[0]?.path).toBe(
      '/v1beta1/publishers/google/models/imagen-4.0-fast-generate-001:predict',
    );
  });

  it('filters moderated images, with the reason when asked', async () => {
    const response = await postGemini(sim, '/v1beta/models/imagen-4.0-generate-001:predict', {
      instances: [{ prompt: 'x [[sim:moderated]]' }],
      parameters: { sampleCount: 1, includeRaiReason: true },
    });
    const body = (await response.json()) as { predictions: Array<Record<string, unknown>> };
    expect(body.predictions[0]?.['raiFilteredReason']).toEqual(expect.any(String));
    expect(body.predictions[0]?.['bytesBase64Encoded']).toBeUndefined();
  });

  it('validates parameters and the model, with Google errors and auth', async () => {
    const count = await postGemini(sim, '/v1beta/models/imagen-4.0-generate-001:predict', {
      instances: [{ prompt: 'x' }],
      parameters: { sampleCount: 5, aspectRatio: '2:1' },
    });
    expect(count.status).toBe(400);
    expect(((await count.json()) as { error: { message: string } }).error.message).toContain('sample_count');
    const noPrompt = await postGemini(sim, '/v1beta/models/imagen-4.0-generate-001:predict', {
      instances: [{}],
    });
    expect(noPrompt.status).toBe(400);
    const wrongModel = await postGemini(sim, '/v1beta/models/gemini-2.5-flash:predict', {
      instances: [{ prompt: 'x' }],
    });
    expect(wrongModel.status).toBe(404);
    const noKey = await postGemini(
      sim,
      '/v1beta/models/imagen-4.0-generate-001:predict',
      { instances: [{ prompt: 'x' }] },
      {},
    );
    expect(noKey.status).toBe(403);
    const badKey = await postGemini(
      sim,
      '/v1beta/models/imagen-4.0-generate-001:predict',
      { instances: [{ prompt: 'x' }] },
      { 'x-goog-api-key': 'nope' },
    );
    expect(badKey.status).toBe(400);
    expect(((await badKey.json()) as { error: { message: string } }).error.message).toBe(
      'API key not valid. Please pass a valid API key.',
    );
  });

  it('status faults apply, matched by the model in the path', async () => {
    sim.addFault({ status: 503, match: { model: 'imagen-4.0-generate-001' } });
    const response = await postGemini(sim, '/v1beta/models/imagen-4.0-generate-001:predict', {
      instances: [{ prompt: 'x' }],
    });
    expect(response.status).toBe(503);
    expect(((await response.json()) as { error: { status: string } }).error.status).toBe('UNAVAILABLE');
  });
});
