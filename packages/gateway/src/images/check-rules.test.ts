import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import type { GatewayError } from '../errors/index.ts';
import { checkImageRequest, ratioOf } from './check-rules.ts';
import { parseImageRequest } from './image-request.ts';

const catalog = loadConfig({ inline: {}, env: {} }).catalog;
const check = (model: string, body: Record<string, unknown>) =>
  checkImageRequest(catalog.media(model)!, parseImageRequest({ model, prompt: 'p', ...body }));
const refusal = (model: string, body: Record<string, unknown>) => {
  try {
    check(model, body);
  } catch (error) {
    return error as GatewayError;
  }
  throw new Error('expected a refusal');
};

describe('checkImageRequest', () => {
  it('prices gpt-image-2 by the tier of its size, 1K by default', () => {
    expect(check('gpt-image-2', {}).tier).toBe('1K');
    expect(check('gpt-image-2', { size: '1024x1536' }).tier).toBe('1K');
    expect(check('gpt-image-2', { size: '4096x4096' }).tier).toBe('4K');
    expect(check('gpt-image-2', { size: 'auto' }).job.size).toBeUndefined();
  });

  it('a model sized by aspect ratio reads a WxH size as its ratio', () => {
    expect(ratioOf({ width: 1536, height: 1024 })).toBe('3:2');
    expect(check('nano_banana_pro', { size: '1024x1024' }).job).toMatchObject({ aspectRatio: '1:1' });
    expect(refusal('nano_banana_pro', { size: '1000x333' }).param).toBe('size');
  });

  it('resolution is the tier; Seedream’s size "2K" means resolution 2K', () => {
    expect(check('nano_banana_2', { resolution: '4K' })).toMatchObject({
      tier: '4K',
      job: { resolution: '4K' },
    });
    expect(check('doubao-seedream-4-5', { size: '2K' }).job).toMatchObject({ resolution: '2K' });
    expect(check('gemini-3-pro-image-preview-4K', {}).job.resolution).toBe('4K');
  });

  it('references: the three spellings, counted and checked per source', () => {
    expect(check('gemini-3-1-flash-t2i', { image_urls: ['https://a.example/1.png'] }).references).toEqual([
      { url: 'https://a.example/1.png', param: 'image_urls[0]' },
    ]);
    expect(check('flux-kontext-pro', { image: 'https://a.example/1.png' }).references[0]?.param).toBe(
      'image',
    );
    expect(
      check('gpt-image-2', { reference_images: [{ url: 'https://a.example/1.png' }] }).references,
    ).toHaveLength(1);
  });

  it('two reference fields at once is a 400', () => {
    expect(() => parseImageRequest({ prompt: 'p', image: 'https://a', image_urls: ['https://b'] })).toThrow(
      /one field only/,
    );
    expect(() => parseImageRequest({ prompt: '' })).toThrow(/prompt/);
    expect(() => parseImageRequest({ prompt: 'p', n: 0 })).toThrow(/from 1 to 10/);
    expect(() => parseImageRequest({ prompt: 'p', response_format: 'png' })).toThrow(/url, b64_json/);
  });
});
