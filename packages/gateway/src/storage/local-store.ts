import { randomBytes } from 'node:crypto';
import { type FileHandle, mkdir, open, rename, rm, stat } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import {
  assertSafeKey,
  type ByteRange,
  type ObjectBody,
  type ObjectHead,
  type ObjectStore,
  type PutOptions,
  type StoredObject,
} from './object-store.ts';
import { spoolToFile } from './spool.ts';

/**
 * Files under one directory. A write goes to `<dir>/.tmp/` first and is renamed into
 * place (atomic on one filesystem), so readers never see half a file.
 */
export class LocalObjectStore implements ObjectStore {
  readonly backend = 'local';
  readonly #root: string;
  readonly #tmp: string;

  constructor(dir: string) {
    this.#root = resolve(dir);
    this.#tmp = join(this.#root, '.tmp');
  }

  #path(key: string): string {
    assertSafeKey(key);
    const path = resolve(this.#root, key);
    if (!path.startsWith(this.#root + sep)) throw new Error(`Storage key escapes the store: ${key}`);
    return path;
  }

  async put(key: string, body: Buffer | Readable, options: PutOptions): Promise<StoredObject> {
    const path = this.#path(key);
    await mkdir(this.#tmp, { recursive: true });
    const temp = join(this.#tmp, `${randomBytes(12).toString('hex')}.part`);
    const stored = await spoolToFile(body, temp, options.maxBytes);
    try {
      await mkdir(dirname(path), { recursive: true });
      await rename(temp, path);
    } catch (error) {
      await rm(temp, { force: true });
      throw error;
    }
    return stored;
  }

  async head(key: string): Promise<ObjectHead | undefined> {
    try {
      const info = await stat(this.#path(key));
      return info.isFile() ? { size: info.size } : undefined;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async get(key: string, range?: ByteRange): Promise<ObjectBody | undefined> {
    // One open file handle: a delete racing this read cannot cut the stream short.
    let handle: FileHandle;
    try {
      handle = await open(this.#path(key), 'r');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
    const { size } = await handle.stat();
    const stream = handle.createReadStream(range ? { start: range.start, end: range.end } : {});
    return { contentLength: range ? range.end - range.start + 1 : size, stream };
  }

  async delete(key: string): Promise<void> {
    await rm(this.#path(key), { force: true });
  }

  close(): void {}
}
