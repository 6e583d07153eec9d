/**
 * What image generation needs from the file store and the SSRF-safe fetcher, as two
 * small interfaces: the route depends on these, and `wiring.ts` binds them to
 * `storage/` and `net/safe-fetch.ts`.
 */

/** A stored output: its id and the gateway's own signed, expiring URL. */
export interface StoredImage {
  id: string;
  url: string;
}

export interface ImageStore {
  /** Saves a generated image owned by `userId`; `baseUrl` is where clients reach the gateway. */
  save(input: {
    userId: string;
    bytes: Buffer;
    contentType: string;
    filename: string;
    baseUrl: string;
  }): Promise<StoredImage>;
}

/**
 * Fetches a client's reference image URL (public https only, size- and type-checked);
 * a refused URL is a 400 `invalid_request` whose `param` is `param`.
 */
export type ReferenceFetcher = (
  url: string,
  param: string,
  signal: AbortSignal,
) => Promise<{ bytes: Buffer; contentType: string }>;

export interface ImageServices {
  store: ImageStore;
  fetchReference: ReferenceFetcher;
}
