/**
 * What a video model accepts, as catalog data (`videoRules:` on a video entry): every
 * request is checked against these before any vendor call, and each violation is a 400
 * naming the field and the allowed values. An unset `aspectRatios` / `resolutions` means
 * the model does not take that field (MiniMax Hailuo has no aspect ratio).
 */
export interface VideoRules {
  /** `duration` values accepted, in seconds (a per-second model bills what it delivers). */
  durations: readonly number[];
  /** The duration of a request that names none. */
  defaultDuration: number;
  aspectRatios?: readonly string[] | undefined;
  /** `resolution` values accepted (`720P`, `1080P`…), compared case-insensitively. */
  resolutions?: readonly string[] | undefined;
  /** Longest clip per resolution where the vendor limits it (Hailuo: 1080P only at 6 s). */
  maxDurationByResolution?: Readonly<Record<string, number>> | undefined;
  /** Which reference fields the model takes: `image_urls`, `image`, `last_image_url`. */
  referenceFields: readonly VideoReferenceField[];
  /** Most reference images in `image_urls`. */
  maxImages: number;
  /** A job not finished this long after creation is expired and refunded. */
  deadlineMinutes: number;
}

export const videoReferenceFields = ['image_urls', 'image', 'last_image_url'] as const;
export type VideoReferenceField = (typeof videoReferenceFields)[number];

/** A video model whose entry sets no rules: 5 s clips, no ratio or resolution choice, one first frame. */
export const defaultVideoRules: VideoRules = {
  durations: [5],
  defaultDuration: 5,
  referenceFields: ['image_urls', 'image'],
  maxImages: 1,
  deadlineMinutes: 30,
};
