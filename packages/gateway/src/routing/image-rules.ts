/**
 * What an image model accepts, as catalog data (`rules:` on an image entry): every
 * request is checked against these before any vendor call, and each violation is a
 * 400 naming the field and the allowed values.
 */
export interface ImageRules {
  /** Largest `n` (images per request). */
  maxImages: number;
  /** Exact `size` values accepted (`1024x1024`…); unset with `sizeGrid` unset: no `size`, or one matching an aspect ratio. */
  sizes?: readonly string[] | undefined;
  /** Free `WIDTHxHEIGHT` sizes within limits (FLUX.2, Seedream). */
  sizeGrid?: SizeGrid | undefined;
  /** The price tier of each accepted `size` (`1024x1024: 1K`). */
  sizeTiers?: Readonly<Record<string, string>> | undefined;
  aspectRatios?: readonly string[] | undefined;
  /** `resolution` values accepted; each is also the price tier of the request. */
  resolutions?: readonly string[] | undefined;
  qualities?: readonly string[] | undefined;
  /** Reference images accepted (0: text-to-image only). */
  maxReferences: number;
  /** Where references may come from: public `https` URLs and/or `data` URLs (base64). */
  referenceSources: readonly ReferenceSource[];
  /** The tier of a request that names none (the price of `perImage` otherwise). */
  defaultTier?: string | undefined;
}

export interface SizeGrid {
  multipleOf: number;
  minSide: number;
  maxPixels: number;
}

export const referenceSources = ['https', 'data'] as const;
export type ReferenceSource = (typeof referenceSources)[number];

/** An image model whose entry sets no rules: one to ten images, no references, no size checks. */
export const defaultImageRules: ImageRules = {
  maxImages: 10,
  maxReferences: 0,
  referenceSources: ['https', 'data'],
};
