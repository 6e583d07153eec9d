import type { Readable } from 'node:stream';

/** Where file bytes live: local disk or an S3-compatible bucket. Keys are ours, never a user's. */
export interface ObjectStore {
  readonly backend: 'local' | 's3';
  /** Stores `body` under `key`, refusing (413) past `maxBytes`; nothing is left behind on failure. */
  put(key: string, body: Buffer | Readable, options: PutOptions): Promise<StoredObject>;
  /** `undefined` when there is no such object. */
  get(key: string, range?: ByteRange): Promise<ObjectBody | undefined>;
  head(key: string): Promise<ObjectHead | undefined>;
  /** Idempotent: deleting a missing object is not an error. */
  delete(key: string): Promise<void>;
  /** Releases connections (S3); a no-op on disk. */
  close(): void;
}

export interface PutOptions {
  maxBytes: number;
  contentType: string;
}

export interface StoredObject {
  size: number;
  /** Hex SHA-256 of the bytes, computed while they streamed in. */
  sha256: string;
}

export interface ObjectHead {
  size: number;
}

export interface ObjectBody {
  /** Bytes in this answer: the range's length, or the whole size. */
  contentLength: number;
  stream: Readable;
}

/** Inclusive byte offsets, as in an HTTP Range header. */
export interface ByteRange {
  start: number;
  end: number;
}

const keyPattern = /^[A-Za-z0-9_-]+(?:\/[A-Za-z0-9_.-]+)*$/;

/** Our keys are `segment/segment…` of safe characters, never `.`/`..`: no traversal by construction. */
export function assertSafeKey(key: string): void {
  if (!keyPattern.test(key) || key.split('/').some((segment) => segment === '.' || segment === '..'))
    throw new Error(`Unsafe storage key: ${JSON.stringify(key)}`);
}
