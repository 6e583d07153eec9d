/** What `uploadFile` takes: bytes (a Node Buffer is a Uint8Array), a Blob/File, a stream, or a path (Node). */
export type Uploadable = Uint8Array | ArrayBuffer | Blob | ReadableStream<Uint8Array> | string | URL;

export interface UploadBody {
  body: Uint8Array | Blob | ReadableStream<Uint8Array>;
  /** A name the source itself carries (a File's name, a path's base name). */
  name: string | undefined;
  /** A type the source itself carries (a Blob's type). */
  type: string | undefined;
}

/** The part of node:fs used here (typed locally: the SDK does not depend on @types/node). */
interface NodeFs {
  openAsBlob(path: string | URL, options?: { type?: string }): Promise<Blob>;
}

/**
 * The upload's body. A path is read through node:fs's `openAsBlob` (a Blob backed by the
 * file, never read into memory whole; https://nodejs.org/api/fs.html#fsopenasblobpath-options),
 * imported only then, so browsers and edge bundles never see node:fs.
 */
export async function uploadBody(file: Uploadable): Promise<UploadBody> {
  if (typeof file === 'string' || file instanceof URL) {
    const specifier = 'node:fs';
    const fs = (await import(/* @vite-ignore */ specifier)) as NodeFs;
    const path = typeof file === 'string' ? file : decodeURIComponent(file.pathname);
    return { body: await fs.openAsBlob(file), name: path.split(/[\\/]/).pop(), type: undefined };
  }
  if (file instanceof ArrayBuffer) return { body: new Uint8Array(file), name: undefined, type: undefined };
  if (file instanceof Uint8Array) return { body: file, name: undefined, type: undefined };
  if (file instanceof ReadableStream) return { body: file, name: undefined, type: undefined };
  const named = file as Blob & { name?: unknown };
  return {
    body: file,
    name: typeof named.name === 'string' && named.name !== '' ? named.name : undefined,
    type: file.type || undefined,
  };
}
