import type { RequestOptions } from '../core/http.ts';
import { cursorPages, type PagePromise } from '../core/pagination.ts';
import type {
  FileDeleted,
  FileListPage,
  FileListParams,
  StoredFile,
  UploadOptions,
} from '../types/storage.ts';
import { Resource, segment } from './resource.ts';
import { type Uploadable, uploadBody } from './upload-body.ts';

/** Your stored files: `/v1/storage/files` (uploads, and the outputs of image/video/audio calls). */
export class Storage extends Resource {
  /**
   * Uploads bytes, a Blob/File, a ReadableStream, or (on Node) a file path. A stream cannot
   * be replayed, so it is sent once without retries; everything else is retried as usual.
   */
  async uploadFile(
    file: Uploadable,
    upload: Partial<UploadOptions> = {},
    options: RequestOptions = {},
  ): Promise<StoredFile> {
    const source = await uploadBody(file);
    const filename = upload.filename ?? source.name;
    if (!filename) throw new TypeError('uploadFile: give { filename } for this kind of source.');
    return this.http.json<StoredFile>(
      {
        method: 'POST',
        path: '/v1/storage/files',
        query: { filename, kind: upload.kind },
        body: source.body,
        headers: { 'content-type': upload.contentType ?? source.type ?? 'application/octet-stream' },
      },
      options,
    );
  }

  /** Newest first, optionally one `kind`; `await` for a page, `for await` for every file. */
  list(params: FileListParams = {}, options: RequestOptions = {}): PagePromise<StoredFile> {
    return cursorPages<StoredFile, string>(async (cursor) => {
      const page = await this.http.json<FileListPage>(
        {
          method: 'GET',
          path: '/v1/storage/files',
          query: { kind: params.kind, limit: params.limit, cursor },
        },
        options,
      );
      return { data: page.data, next: page.nextCursor };
    }, params.cursor);
  }

  /** One file, with a fresh signed `url`. */
  get(id: string, options: RequestOptions = {}): Promise<StoredFile> {
    return this.http.json<StoredFile>({ method: 'GET', path: `/v1/storage/files/${segment(id)}` }, options);
  }

  /** A fresh signed link (no key needed to fetch it) and when it expires. */
  async signedUrl(id: string, options: RequestOptions = {}): Promise<{ url: string; expiresAt: Date }> {
    const file = await this.get(id, options);
    return { url: file.url, expiresAt: new Date(file.urlExpiresAt) };
  }

  /**
   * The file's bytes as a fetch Response (`.arrayBuffer()`, `.blob()`, `.body` to stream).
   * The timeout covers the wait for headers; the body streams for as long as it takes.
   */
  async download(id: string, options: RequestOptions = {}): Promise<globalThis.Response> {
    const open = await this.http.open(
      { method: 'GET', path: `/v1/storage/files/${segment(id)}/content`, streaming: true, accept: '*/*' },
      options,
    );
    return open.response;
  }

  delete(id: string, options: RequestOptions = {}): Promise<FileDeleted> {
    return this.http.json<FileDeleted>(
      { method: 'DELETE', path: `/v1/storage/files/${segment(id)}` },
      options,
    );
  }
}
