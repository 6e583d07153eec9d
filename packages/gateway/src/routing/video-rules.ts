/**
 * What a video model accepts, as catalog data (`rules:` on a video entry): every request is
 * checked against these before any vendor call, and each violation is a 400 naming the field
 * and the allowed values. A field whose list is unset is not accepted by the model.
 */
export interface VideoRules {
  /** Clip lengths in seconds the model renders (`duration`). */
  durations: readonly number[];
  /** The length of a request that names none (also what a per-second hold is taken for). */
  defaultDuration: number;
  aspectRatios?: readonly string[] | undefined;
  /** As the contract spells them: `480P`, `720P`, `1080P`… */
  resolutions?: readonly string[] | undefined;
  /** Longest clip per resolution where the vendor limits it (Hailuo: 1080P only at 6 s). */
  maxDurationByResolution?: Readonly<Record<string, number>> | undefined;
  /** Which reference fields the model takes: `image_urls`, `image` (one URL), `last_image_url`. */
  referenceFields: readonly VideoReferenceField[];
  /** Most `image_urls` (the first is the first frame). */
  maxImages: number;
}

export const videoReferenceFields = ['image_urls', 'image', 'last_image_url'] as const;
export type VideoReferenceField = (typeof videoReferenceFields)[number];

/** A video model whose entry sets no rules: any duration the vendor takes is not known, so 5 s only, text only. */
export const defaultVideoRules: VideoRules = {
  durations: [5],
  defaultDuration: 5,
  referenceFields: [],
  maxImages: 0,
};
