import { describe, expect, it } from 'vitest';
import type { AudioPrice, GpuPrice, ImagePrice, MediaPrice, VideoPrice } from './media-cost.ts';
import { mediaCost, mediaPriceInCredits } from './media-cost.ts';
import { creditsToMicro } from './money.ts';

const image: ImagePrice = {
  kind: 'image',
  perImage: creditsToMicro(6.7),
  tiers: { '0.5K': creditsToMicro(4.5), '4K': creditsToMicro(15.1) },
};
const perSecondVideo: VideoPrice = { kind: 'video', perSecond: creditsToMicro(10), perClip: 0 };
const perClipVideo: VideoPrice = { kind: 'video', perSecond: 0, perClip: creditsToMicro(120) };
const audio: AudioPrice = { kind: 'audio', perRequest: creditsToMicro(2) };
const gpuPerCall: GpuPrice = { kind: 'gpu', perCall: creditsToMicro(50), perSecond: 0, maxSeconds: 120 };
const gpuPerSecond: GpuPrice = { kind: 'gpu', perCall: 0, perSecond: creditsToMicro(2), maxSeconds: 600 };

describe('mediaCost: integer micro-credits in each kind unit', () => {
  it('images: per image × images returned, at the tier price when the model prices that tier', () => {
    expect(mediaCost(image, { images: 1 })).toBe(6_700_000);
    expect(mediaCost(image, { images: 3 })).toBe(20_100_000);
    expect(mediaCost(image, { images: 2, tier: '4K' })).toBe(30_200_000);
    expect(mediaCost(image, { images: 2, tier: '0.5K' })).toBe(9_000_000);
    // A tier the model does not price apart costs the base price.
    expect(mediaCost(image, { images: 1, tier: '2K' })).toBe(6_700_000);
    expect(mediaCost(image, { images: 0 })).toBe(0);
  });

  it('video: per second of output and/or per clip', () => {
    expect(mediaCost(perSecondVideo, { clips: 1, seconds: 6 })).toBe(60_000_000);
    expect(mediaCost(perClipVideo, { clips: 1, seconds: 8 })).toBe(120_000_000);
    expect(mediaCost(perClipVideo, { clips: 2, seconds: 16 })).toBe(240_000_000);
    const both: VideoPrice = { kind: 'video', perSecond: creditsToMicro(1), perClip: creditsToMicro(5) };
    expect(mediaCost(both, { clips: 1, seconds: 4 })).toBe(9_000_000);
  });

  it('audio: per request', () => {
    expect(mediaCost(audio, { requests: 1 })).toBe(2_000_000);
    expect(mediaCost(audio, { requests: 3 })).toBe(6_000_000);
  });

  it('gpu: per call, or per second counted to the millisecond and capped at maxSeconds', () => {
    expect(mediaCost(gpuPerCall, { seconds: 4.21 })).toBe(50_000_000);
    expect(mediaCost(gpuPerCall, { seconds: 0 })).toBe(50_000_000);
    // The contract's example: 156 s at 2 credits/s settle to 312 credits.
    expect(mediaCost(gpuPerSecond, { seconds: 156 })).toBe(312_000_000);
    expect(mediaCost(gpuPerSecond, { seconds: 18.42 })).toBe(36_840_000);
    expect(mediaCost(gpuPerSecond, { seconds: 10_000 })).toBe(1_200_000_000);
    // The hold: the worst case is maxSeconds.
    expect(mediaCost(gpuPerSecond, { seconds: gpuPerSecond.maxSeconds })).toBe(1_200_000_000);
  });

  it('rounds up once, at the end, to a whole micro-credit', () => {
    const odd: VideoPrice = { kind: 'video', perSecond: 7, perClip: 0 };
    // 7 micro/s × 1.001 s = 7.007 micro → 8, not 7 + a rounding per part.
    expect(mediaCost(odd, { clips: 1, seconds: 1.001 })).toBe(8);
    expect(mediaCost(odd, { clips: 1, seconds: 1 })).toBe(7);
    const gpu: GpuPrice = { kind: 'gpu', perCall: 1, perSecond: 3, maxSeconds: 10 };
    // 1 micro per call + 3 micro/s × 1 ms = 1.003 micro → 2.
    expect(mediaCost(gpu, { seconds: 0.001 })).toBe(2);
    expect(Number.isInteger(mediaCost(image, { images: 7, tier: '4K' }))).toBe(true);
  });

  it('counts negative, fractional and non-finite amounts safely', () => {
    expect(mediaCost(image, { images: -2 })).toBe(0);
    expect(mediaCost(image, { images: 2.9 })).toBe(13_400_000);
    expect(mediaCost(perSecondVideo, { clips: 1, seconds: Number.NaN })).toBe(0);
    expect(mediaCost(audio, { requests: Number.POSITIVE_INFINITY })).toBe(0);
    expect(mediaCost(gpuPerSecond, { seconds: -5 })).toBe(0);
  });

  it('stays exact for large amounts (BigInt arithmetic)', () => {
    // × 1000 internally (millisecond precision) would leave the safe-integer range as a float.
    const pricey: ImagePrice = { kind: 'image', perImage: Number.MAX_SAFE_INTEGER, tiers: {} };
    expect(mediaCost(pricey, { images: 1 })).toBe(9_007_199_254_740_991);
    const video: VideoPrice = { kind: 'video', perSecond: 3_000_000_000_001, perClip: 0 };
    expect(mediaCost(video, { clips: 1, seconds: 3 })).toBe(9_000_000_000_003);
  });

  it('shows a price back in credits, zero components left out', () => {
    expect(mediaPriceInCredits(image)).toEqual({ perImage: 6.7, tiers: { '0.5K': 4.5, '4K': 15.1 } });
    expect(mediaPriceInCredits(perClipVideo)).toEqual({ perClip: 120 });
    expect(mediaPriceInCredits(perSecondVideo)).toEqual({ perSecond: 10 });
    expect(mediaPriceInCredits(audio)).toEqual({ perRequest: 2 });
    expect(mediaPriceInCredits(gpuPerSecond)).toEqual({ perSecond: 2, maxSeconds: 600 });
    expect(mediaPriceInCredits(gpuPerCall as MediaPrice)).toEqual({ perCall: 50, maxSeconds: 120 });
  });
});
