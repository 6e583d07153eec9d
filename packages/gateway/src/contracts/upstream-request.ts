/** One HTTP call to an upstream, relative to its provider's base URL (auth headers are added by the router). */
export interface UpstreamRequest {
  path: string;
  headers: Record<string, string>;
  body: string;
}
