import type { VendorHttp } from '../images/types.ts';
import type { Provider } from '../types.ts';

/**
 * A validated video request, vendor-neutral: the catalog's rules for the model are already
 * enforced (durations, aspect ratios, resolutions, which reference fields it takes).
 */
export interface VideoJob {
  prompt: string;
  /** Seconds of video asked for (per-second models; per-clip models have a fixed length). */
  durationSeconds: number | undefined;
  aspectRatio: string | undefined;
  /** As the contract spells it: `480P`, `720P`, `1080P`… */
  resolution: string | undefined;
  /** Reference images (`image_urls`, or `image`): the first frame first. */
  imageUrls: readonly string[];
  /** A last frame, for models that take one (`last_image_url`). */
  lastImageUrl: string | undefined;
  negativePrompt: string | undefined;
  seed: number | undefined;
}

/** Credentials as the operator configured them: most vendors take a key, Kling signs a JWT. */
export interface VideoCredentials {
  apiKey: string | undefined;
  /** Kling: `KLING_ACCESS_KEY` / `KLING_SECRET_KEY`. */
  accessKey?: string | undefined;
  secretKey?: string | undefined;
}

/** The target of one call: the upstream model id on a configured provider (a catalog route). */
export interface VideoTarget {
  model: string;
  provider: Pick<Provider, 'name' | 'baseUrl'>;
}

export interface VideoCall {
  job: VideoJob;
  route: VideoTarget;
  http: VendorHttp;
}

/** A task the vendor accepted; `taskId` is what `poll` and `cancel` take (an operation name for Veo). */
export interface SubmittedTask {
  taskId: string;
}

/** What one poll of a vendor task says, in the gateway's terms. */
export type VendorTaskStatus =
  | { state: 'queued' | 'running'; progress?: number | undefined }
  | {
      state: 'succeeded';
      /** The vendor's (short-lived) result URLs, copied into the file store at once. */
      outputs: ReadonlyArray<{ url: string; seconds?: number | undefined }>;
    }
  | {
      state: 'failed';
      /** `moderated`: the vendor refused the content; `vendor_error`: anything else. */
      reason: 'moderated' | 'vendor_error';
      message: string;
    };

/**
 * One vendor video API (Veo, Seedance, Kling, MiniMax Hailuo, Wan, Vidu, Grok video):
 * submit a task, poll it, cancel it. Vendor quirks stay in the adapter's module, as data
 * and named functions; the job engine owns timing, retries, billing and storage.
 */
export interface VideoAdapter {
  readonly id: string;
  /** Headers for one call (a JWT is minted per call where the vendor wants one). */
  authHeaders(credentials: VideoCredentials): Record<string, string>;
  /** How long to wait before the first poll and between polls, per the vendor's guidance. */
  readonly pollIntervalMs: number;
  submit(call: VideoCall): Promise<SubmittedTask>;
  poll(taskId: string, call: VideoCall): Promise<VendorTaskStatus>;
  /** Best effort: some vendors cannot cancel a running task. */
  cancel?(taskId: string, call: VideoCall): Promise<void>;
}
