import type { Provider } from '../types.ts';

/** One reference image, as the client gave it (an https or data URL) and, when fetched, its bytes. */
export interface ReferenceImage {
  /** The client's URL: `https://…` or `data:image/…;base64,…`. */
  url: string;
  /** The image itself, for APIs that take bytes (present when `referenceInput` is `bytes`). */
  bytes?: Buffer | undefined;
  mimeType?: string | undefined;
}

/** A validated image request, vendor-neutral: the catalog's rules are already enforced. */
export interface ImageJob {
  prompt: string;
  /** Images wanted from this vendor call (≤ the adapter's `imagesPerCall`). */
  n: number;
  size?: { width: number; height: number } | undefined;
  aspectRatio?: string | undefined;
  /** `0.5K`, `1K`, `2K`, `4K` (the model's resolution tiers). */
  resolution?: string | undefined;
  quality?: string | undefined;
  references: readonly ReferenceImage[];
}

/** An image a vendor returned: inline bytes, or a (short-lived) URL the gateway copies at once. */
export type VendorImage = { bytes: Buffer; mimeType: string } | { url: string };

/** How an adapter reaches its vendor: JSON in, JSON out, failures already mapped to gateway errors. */
export interface VendorHttp {
  /** POST `path` (appended to the provider's base URL) with the adapter's auth. */
  postJson(path: string, body: unknown): Promise<unknown>;
  /** GET an absolute URL the vendor handed out (BFL's `polling_url`) with the adapter's auth. */
  getJson(url: string): Promise<unknown>;
  /** Waits (abortable) between polls. */
  sleep(ms: number): Promise<void>;
}

/** The target of one call: the upstream model id on a configured provider (a catalog route). */
export interface ImageTarget {
  model: string;
  provider: Pick<Provider, 'name' | 'baseUrl'>;
}

export interface ImageCall {
  job: ImageJob;
  route: ImageTarget;
  http: VendorHttp;
}

/**
 * One vendor image API (OpenAI Images, Gemini image output + Imagen, BFL FLUX, Seedream):
 * its auth, how many images one call yields, and the call itself. Vendor quirks stay in
 * the adapter's module, as data and named functions.
 */
export interface ImageAdapter {
  readonly id: string;
  authHeaders(apiKey: string): Record<string, string>;
  /** `url`: references are passed to the vendor as URLs; `bytes`: the gateway fetches them first. */
  readonly referenceInput: 'url' | 'bytes';
  /** Most images one call to `upstreamModel` returns (the gateway makes parallel calls for more). */
  imagesPerCall(upstreamModel: string): number;
  generate(call: ImageCall): Promise<VendorImage[]>;
}
