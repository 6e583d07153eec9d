export type FileKind = 'dataset' | 'image' | 'video' | 'audio' | 'output' | 'upload';

/** A stored file (`/v1/storage/files`). `createdAt` and `urlExpiresAt` are epoch milliseconds. */
export interface StoredFile {
  id: string;
  kind: FileKind;
  filename: string;
  contentType: string;
  bytes: number;
  sha256: string;
  createdAt: number;
  /** A fresh signed link (no key needed) that expires at `urlExpiresAt`. */
  url: string;
  urlExpiresAt: number;
}

export interface FileListPage {
  data: StoredFile[];
  nextCursor: string | null;
}

export interface FileListParams {
  kind?: FileKind;
  /** Page size (1–200). */
  limit?: number;
  cursor?: string;
}

export interface FileDeleted {
  id: string;
  deleted: true;
}

export interface UploadOptions {
  filename: string;
  /** Defaults to the Blob's type, else application/octet-stream. */
  contentType?: string;
  kind?: FileKind;
}
