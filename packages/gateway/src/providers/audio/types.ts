/** An audio file going to or coming from a vendor. */
export interface AudioFile {
  bytes: Buffer;
  contentType: string;
  filename: string;
}

/** One part of a `multipart/form-data` body: a text field, or a file. */
export type FormPart = { name: string; value: string } | { name: string; file: AudioFile };

/** A vendor answer that is audio bytes, not JSON. */
export interface AudioAnswer {
  bytes: Buffer;
  contentType: string | undefined;
}

/**
 * How an audio adapter reaches its vendor: the provider's base URL and key are bound,
 * failures arrive already mapped to gateway errors (`UpstreamError`).
 */
export interface AudioVendorHttp {
  /** POST JSON to `path`; the answer is audio bytes (capped). `headers` are extra request headers. */
  postJsonForAudio(path: string, body: unknown, headers?: Record<string, string>): Promise<AudioAnswer>;
  /** POST `multipart/form-data` to `path`; the answer is JSON. */
  postForm(path: string, parts: readonly FormPart[]): Promise<unknown>;
}

/** A transcript as the gateway returns it (docs/api-contract.md §7: `text`, optional `segments`, `duration`). */
export interface Transcript {
  text: string;
  duration: number;
  segments: Array<{ text: string; start: number; end: number }>;
  language?: string | undefined;
}
