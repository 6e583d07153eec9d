import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config/index.ts';
import { checkVideoRules, type VideoRequestFields } from './check-video-rules.ts';

const catalog = loadConfig({ inline: {}, env: {} }).catalog;
const check = (model: string, fields: Partial<VideoRequestFields>) =>
  checkVideoRules(catalog.media(model)!, { prompt: 'a fox', ...fields });

const https = 'https://example.com/frame.png';

describe('checkVideoRules: accepted requests become the vendor job', () => {
  it.each([
    ['gemini_omni_flash', { aspect_ratio: '9:16', resolution: '720P', image_urls: [https] }, 8],
    ['kling-v3', { duration: 10, aspect_ratio: '1:1', image: https, last_image_url: https }, 10],
    ['MiniMax-Hailuo-02', { duration: 6, resolution: '1080P' }, 6],
    ['wan2.6', { duration: 15, aspect_ratio: '16:9', resolution: '1080p' }, 15],
    ['doubao-seedance-1-0-pro-fast', { aspect_ratio: 'adaptive', image_urls: [https] }, 5],
    ['vidu-q3-pro', { duration: 16, resolution: '540P', image_urls: [https], last_image_url: https }, 16],
    ['grok-video-3', { aspect_ratio: '3:2', resolution: '480P' }, 8],
  ] as const)('%s %j → %i s', (model, fields, seconds) => {
    const result = check(model, fields);
    if ('error' in result) throw result.error;
    expect(result.job.durationSeconds).toBe(seconds);
    expect(result.job.resolution).toBe(
      ('resolution' in fields ? fields.resolution : undefined)?.toUpperCase(),
    );
    const first =
      'image' in fields ? fields.image : 'image_urls' in fields ? fields.image_urls[0] : undefined;
    expect(result.job.imageUrls).toEqual(first ? [first] : []);
  });

  it('every video id in the catalog has rules, and its default request passes them', () => {
    const videos = catalog.mediaIds('video').map((id) => catalog.media(id)!);
    expect(videos.length).toBeGreaterThanOrEqual(20);
    for (const model of videos) {
      expect(model.videoRules?.durations.length, model.id).toBeGreaterThan(0);
      expect('job' in checkVideoRules(model, { prompt: 'p' }), model.id).toBe(true);
    }
  });
});

describe('checkVideoRules: each violation is a 400 naming the field and the allowed values', () => {
  it.each([
    ['gemini_omni_flash', { aspect_ratio: '1:1' }, 'aspect_ratio', /allowed: 16:9, 9:16/],
    ['gemini_omni_flash', { duration: 5 }, 'duration', /allowed durations \(s\): 4, 6, 8/],
    ['kling-2-6', { duration: 7 }, 'duration', /5, 10/],
    ['kling-2-6', { resolution: '480P' }, 'resolution', /allowed: 720P, 1080P/],
    ['MiniMax-Hailuo-02', { duration: 10, resolution: '1080P' }, 'duration', /at most 6 s at 1080P/],
    ['MiniMax-Hailuo-02', { aspect_ratio: '16:9' }, 'aspect_ratio', /does not take aspect_ratio/],
    [
      'MiniMax-Hailuo-2.3',
      { image: https, last_image_url: https },
      'last_image_url',
      /takes image_urls, image/,
    ],
    ['wan2.6', { last_image_url: https, image_urls: [https] }, 'last_image_url', /does not take/],
    ['wan2.6', { image_urls: [https, https] }, 'image_urls', /at most 1 image in/],
    ['grok-video-3', { duration: 16 }, 'duration', /1, 2, 3/],
    ['vidu-q3-pro', { last_image_url: https }, 'last_image_url', /needs a first frame/],
    ['doubao-seedance-2-0', { image: https, image_urls: [https] }, 'image', /not both/],
  ] as const)('%s %j → 400 on %s', (model, fields, param, message) => {
    const result = check(model, fields);
    if (!('error' in result)) throw new Error('expected a refusal');
    expect(result.error.status).toBe(400);
    expect(result.error.param).toBe(param);
    expect(result.error.message).toMatch(message);
  });
});
