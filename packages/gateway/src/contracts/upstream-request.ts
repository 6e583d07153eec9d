/** One HTTP call to an upstream, relative to its provider's base URL (auth headers are added by the router). */
export interface UpstreamRequest {
  path: string;
  headers: Record<string, string>;
  /** JSON text; bytes when it was spliced from a client's bytes (`spliceJsonBody`). */
  body: string | Buffer;
}
