/** What the simulator saw of one request, for assertions in tests. */
export interface RecordedRequest {
  method: string;
  path: string;
  /** The query string with its `?`, or '' (e.g. `?beta=true`). */
  query: string;
  /** Header names are lowercased; repeated headers are joined with `, `. */
  headers: Record<string, string>;
  /** Parsed JSON, or the raw text when the body is not JSON (empty string when there was none). */
  body: unknown;
  /** The client went away before the response finished. */
  aborted: boolean;
  /** The response was fully written. */
  completed: boolean;
}
