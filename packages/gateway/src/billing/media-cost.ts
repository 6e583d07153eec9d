import { microToCredits } from './money.ts';

/**
 * Media prices in integer micro-credits per unit (the catalog's credits × 1,000,000),
 * one shape per kind (docs/api-contract.md §13: images per generation, video per second and/or per
 * clip, audio per request, GPU per call or per second).
 */
export type MediaPrice = ImagePrice | VideoPrice | AudioPrice | GpuPrice;

export interface ImagePrice {
  kind: 'image';
  /** Per image returned (`creditsPerGeneration`). */
  perImage: number;
  /** Per image at a resolution tier (`1K`, `2K`, `4K`…) priced apart; others cost `perImage`. */
  tiers: Readonly<Record<string, number>>;
}

export interface VideoPrice {
  kind: 'video';
  /** Per second of output video (0 for per-clip models). */
  perSecond: number;
  /** Per clip (0 for per-second models). */
  perClip: number;
}

export interface AudioPrice {
  kind: 'audio';
  perRequest: number;
}

export interface GpuPrice {
  kind: 'gpu';
  /** Per call (0 for per-second models). */
  perCall: number;
  /** Per second of execution (0 for per-call models). */
  perSecond: number;
  /** The model's maximum execution time: longer runs are billed as this long. */
  maxSeconds: number;
}

/** What was delivered, in each kind's unit. */
export interface MediaUsageByKind {
  /** Images actually returned, at the request's resolution tier if the model prices tiers. */
  image: { images: number; tier?: string | undefined };
  /** Clips delivered and their total length (counted to the millisecond). */
  video: { clips: number; seconds: number };
  audio: { requests: number };
  /** One call that ran this long (counted to the millisecond, capped at `maxSeconds`). */
  gpu: { seconds: number };
}

export type MediaUsage<P extends MediaPrice = MediaPrice> = MediaUsageByKind[P['kind']];

const count = (value: unknown): bigint =>
  BigInt(typeof value === 'number' && Number.isFinite(value) && value > 0 ? Math.floor(value) : 0);
const milliseconds = (seconds: unknown): bigint =>
  BigInt(
    typeof seconds === 'number' && Number.isFinite(seconds) && seconds > 0 ? Math.round(seconds * 1000) : 0,
  );

/**
 * Exact cost in integer micro-credits, rounded up once at the end. Hold with the
 * worst case (images requested, seconds requested, `{ seconds: price.maxSeconds }`),
 * then settle with what was delivered. Negative or non-finite amounts count as 0.
 */
export function mediaCost<P extends MediaPrice>(price: P, usage: MediaUsage<P>): number {
  // Everything in micro-credits × 1/1000, so per-second prices stay exact to the millisecond.
  let thousandths: bigint;
  switch (price.kind) {
    case 'image': {
      const { images, tier } = usage as MediaUsageByKind['image'];
      const each = (tier === undefined ? undefined : price.tiers[tier]) ?? price.perImage;
      thousandths = count(images) * BigInt(each) * 1000n;
      break;
    }
    case 'video': {
      const { clips, seconds } = usage as MediaUsageByKind['video'];
      thousandths =
        count(clips) * BigInt(price.perClip) * 1000n + milliseconds(seconds) * BigInt(price.perSecond);
      break;
    }
    case 'audio':
      thousandths = count((usage as MediaUsageByKind['audio']).requests) * BigInt(price.perRequest) * 1000n;
      break;
    case 'gpu': {
      let ran = milliseconds((usage as MediaUsageByKind['gpu']).seconds);
      const cap = milliseconds(price.maxSeconds);
      if (ran > cap) ran = cap; // bigints: no Math.min
      thousandths = BigInt(price.perCall) * 1000n + ran * BigInt(price.perSecond);
      break;
    }
  }
  return Number((thousandths + 999n) / 1000n);
}

/** A media price in credits per unit, as the catalog file writes it (zero components left out). */
export interface MediaPriceCredits {
  perImage?: number;
  tiers?: Record<string, number>;
  perSecond?: number;
  perClip?: number;
  perRequest?: number;
  perCall?: number;
  maxSeconds?: number;
}

/** The price of one unit in credits, for listings: `{ perImage: 3.9 }`, `{ perSecond: 2, maxSeconds: 600 }`… */
export function mediaPriceInCredits(price: MediaPrice): MediaPriceCredits {
  const credits = microToCredits;
  switch (price.kind) {
    case 'image':
      return Object.keys(price.tiers).length === 0
        ? { perImage: credits(price.perImage) }
        : {
            perImage: credits(price.perImage),
            tiers: Object.fromEntries(
              Object.entries(price.tiers).map(([tier, micro]) => [tier, credits(micro)]),
            ),
          };
    case 'video':
      return {
        ...(price.perSecond > 0 || price.perClip === 0 ? { perSecond: credits(price.perSecond) } : {}),
        ...(price.perClip > 0 ? { perClip: credits(price.perClip) } : {}),
      };
    case 'audio':
      return { perRequest: credits(price.perRequest) };
    case 'gpu':
      return {
        ...(price.perCall > 0 || price.perSecond === 0 ? { perCall: credits(price.perCall) } : {}),
        ...(price.perSecond > 0 ? { perSecond: credits(price.perSecond) } : {}),
        maxSeconds: price.maxSeconds,
      };
  }
}
