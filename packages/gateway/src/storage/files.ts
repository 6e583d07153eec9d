import type { Readable } from 'node:stream';
import type { Database } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { newId } from '../ids.ts';
import type { ByteRange, ObjectBody, ObjectStore } from './object-store.ts';
import type { UrlSigner } from './signed-urls.ts';

/** What a file is for; media features add theirs here. */
export const fileKinds = ['dataset', 'image', 'video', 'audio', 'output', 'upload'] as const;
export type FileKind = (typeof fileKinds)[number];

export const isFileKind = (value: unknown): value is FileKind =>
  typeof value === 'string' && (fileKinds as readonly string[]).includes(value);

export interface FileRecord {
  id: string;
  userId: string;
  kind: FileKind;
  filename: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  createdAt: number;
}

export interface SaveFileInput {
  userId: string;
  body: Buffer | Readable;
  filename: string;
  contentType: string;
  kind: FileKind;
}

export interface ListFilesOptions {
  kind?: FileKind | undefined;
  limit?: number | undefined;
  /** The `nextCursor` of the previous page. */
  cursor?: string | undefined;
}

/** A file a signed link may read. */
export interface SignedFile {
  file: FileRecord;
  /** The bytes, or one inclusive byte range of them. */
  open(range?: ByteRange): Promise<ObjectBody>;
}

export interface FileServiceOptions {
  db: Database;
  store: ObjectStore;
  signer: UrlSigner;
  maxFileBytes: number;
  urlTtlSeconds: number;
  /** Bytes one user may keep stored (live files); unset: no quota. */
  quotaBytes?: number | undefined;
}

interface FileRow {
  id: string;
  user_id: string;
  kind: string;
  filename: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  created_at: number;
}

const toRecord = (row: FileRow): FileRecord => ({
  id: row.id,
  userId: row.user_id,
  kind: isFileKind(row.kind) ? row.kind : 'upload',
  filename: row.filename,
  contentType: row.content_type,
  sizeBytes: Number(row.size_bytes),
  sha256: row.sha256,
  createdAt: Number(row.created_at),
});

/** The last path segment, without control characters, at most 200 characters. */
export function cleanFilename(name: string): string {
  const base = (name.split(/[/\\]/).pop() ?? '')
    // biome-ignore lint/suspicious/noControlCharactersInRegex: stripping them is the point
    .replace(/[\u0000-\u001f\u007f]/g, '')
    .trim()
    .slice(0, 200);
  return base === '' || base === '.' || base === '..' ? 'file' : base;
}

const mediaTypePattern = /^[a-z0-9][a-z0-9!#$&^_.+-]*\/[a-z0-9][a-z0-9!#$&^_.+-]*$/;

/** `type/subtype` lower-cased without parameters; anything else is octet-stream. */
export function cleanContentType(value: string | undefined): string {
  const essence = (value ?? '').split(';', 1)[0]!.trim().toLowerCase();
  return mediaTypePattern.test(essence) ? essence : 'application/octet-stream';
}

const notFound = (id: string) =>
  new GatewayError('not_found', { message: `No such file: ${id}`, param: 'id' });

/**
 * Users' files: bytes in the object store, metadata in `files`. Every lookup is by
 * owner, so another user's file is simply not found. Links to the bytes are signed
 * (signed-urls.ts) and need no key.
 */
export class FileService {
  readonly #options: FileServiceOptions;

  constructor(options: FileServiceOptions) {
    this.#options = options;
  }

  close(): void {
    this.#options.store.close();
  }

  get maxFileBytes(): number {
    return this.#options.maxFileBytes;
  }

  get urlTtlSeconds(): number {
    return this.#options.urlTtlSeconds;
  }

  async save(input: SaveFileInput): Promise<FileRecord> {
    if (!isFileKind(input.kind)) {
      throw new GatewayError('invalid_request', {
        message: `Unknown file kind "${String(input.kind)}" (known: ${fileKinds.join(', ')}).`,
        param: 'kind',
      });
    }
    const { db, store } = this.#options;
    const maxBytes = await this.#sizeAllowance(input.userId);
    const id = newId('file');
    const key = `files/${input.userId}/${id}`;
    const contentType = cleanContentType(input.contentType);
    const stored = await store.put(key, input.body, { maxBytes, contentType });
    const row: FileRow = {
      id,
      user_id: input.userId,
      kind: input.kind,
      filename: cleanFilename(input.filename),
      content_type: contentType,
      size_bytes: stored.size,
      sha256: stored.sha256,
      storage_key: key,
      created_at: Date.now(),
    };
    try {
      await db.run(
        `INSERT INTO files (id, user_id, kind, filename, content_type, size_bytes, sha256, storage_backend, storage_key, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        [
          row.id,
          row.user_id,
          row.kind,
          row.filename,
          row.content_type,
          row.size_bytes,
          row.sha256,
          store.backend,
          key,
          row.created_at,
        ],
      );
    } catch (error) {
      await store.delete(key).catch(() => undefined);
      throw error;
    }
    return toRecord(row);
  }

  /** The per-file limit, lowered to what is left of the user's quota. */
  async #sizeAllowance(userId: string): Promise<number> {
    const { maxFileBytes, quotaBytes } = this.#options;
    if (quotaBytes === undefined) return maxFileBytes;
    const left = quotaBytes - (await this.usedBytes(userId));
    if (left <= 0) {
      throw new GatewayError('payload_too_large', {
        message: `Storage quota reached: ${quotaBytes} bytes are in use; delete files to upload more.`,
        param: 'file',
      });
    }
    return Math.min(maxFileBytes, left);
  }

  async usedBytes(userId: string): Promise<number> {
    const row = await this.#options.db.get<{ total: number | null }>(
      'SELECT COALESCE(SUM(size_bytes), 0) AS total FROM files WHERE user_id = ? AND deleted_at IS NULL',
      [userId],
    );
    return Number(row?.total ?? 0);
  }

  async #row(id: string, userId?: string): Promise<FileRow | undefined> {
    return this.#options.db.get<FileRow>(
      `SELECT * FROM files WHERE id = ?${userId === undefined ? '' : ' AND user_id = ?'} AND deleted_at IS NULL`,
      userId === undefined ? [id] : [id, userId],
    );
  }

  async get(userId: string, id: string): Promise<FileRecord> {
    const row = await this.#row(id, userId);
    if (!row) throw notFound(id);
    return toRecord(row);
  }

  /** Newest first; keyset-paged on the time-ordered id. */
  async list(
    userId: string,
    options: ListFilesOptions = {},
  ): Promise<{ files: FileRecord[]; nextCursor: string | null }> {
    const limit = Math.min(Math.max(Math.trunc(options.limit ?? 50), 1), 200);
    const where = ['user_id = ?', 'deleted_at IS NULL'];
    const params: Array<string | number> = [userId];
    if (options.kind) {
      where.push('kind = ?');
      params.push(options.kind);
    }
    if (options.cursor) {
      where.push('id < ?');
      params.push(options.cursor);
    }
    const rows = await this.#options.db.all<FileRow>(
      `SELECT * FROM files WHERE ${where.join(' AND ')} ORDER BY id DESC LIMIT ?`,
      [...params, limit + 1],
    );
    const page = rows.slice(0, limit).map(toRecord);
    return { files: page, nextCursor: rows.length > limit ? page.at(-1)!.id : null };
  }

  /** Marks the file deleted (its links stop working at once), then removes the bytes. */
  async delete(userId: string, id: string): Promise<void> {
    const row = await this.#row(id, userId);
    if (!row) throw notFound(id);
    const { changes } = await this.#options.db.run(
      'UPDATE files SET deleted_at = ? WHERE id = ? AND user_id = ? AND deleted_at IS NULL',
      [Date.now(), id, userId],
    );
    if (changes === 0) throw notFound(id);
    await this.#options.store.delete(row.storage_key);
  }

  /** `<baseUrl>/v1/files/<id>/content?expires=…&signature=…`, valid for `urlTtlSeconds`. */
  signedUrl(fileId: string, baseUrl: string, nowMs = Date.now()): { url: string; expiresAt: number } {
    const expires = Math.floor(nowMs / 1000) + this.#options.urlTtlSeconds;
    const signature = this.#options.signer.sign(fileId, expires);
    const url = `${baseUrl.replace(/\/+$/, '')}/v1/files/${encodeURIComponent(fileId)}/content?expires=${expires}&signature=${signature}`;
    return { url, expiresAt: expires };
  }

  /** For a signed link: 403 when the signature is wrong or old, 404 when the file is gone. */
  /**
   * The file behind a signed link: 403 when the signature is wrong or old, 404 when the
   * file is gone. Its bytes are opened only on `open`, so a cache check costs no read.
   */
  async openSigned(
    id: string,
    expires: string | undefined,
    signature: string | undefined,
  ): Promise<SignedFile> {
    const check = this.#options.signer.verify(id, expires, signature, Date.now());
    if (check !== 'valid') {
      throw new GatewayError('forbidden', {
        message:
          check === 'expired'
            ? 'This file link has expired.'
            : 'This file link is not valid (bad signature).',
        param: check === 'expired' ? 'expires' : 'signature',
      });
    }
    const row = await this.#row(id);
    if (!row) throw notFound(id);
    const store = this.#options.store;
    return {
      file: toRecord(row),
      open: async (range) => {
        const body = await store.get(row.storage_key, range);
        if (!body) throw notFound(id);
        return body;
      },
    };
  }
}
