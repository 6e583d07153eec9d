import { createHash } from 'node:crypto';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { PassThrough, Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tempDir } from '../../test/helpers/databases.ts';
import { startTestS3, type TestS3 } from '../../test/helpers/s3-server.ts';
import { GatewayError } from '../errors/index.ts';
import { LocalObjectStore } from './local-store.ts';
import type { ObjectStore } from './object-store.ts';
import { S3ObjectStore } from './s3-store.ts';

let s3: TestS3;
let s3Store: S3ObjectStore;
const localDir = tempDir('hypereal-files-');
const local = new LocalObjectStore(localDir);

beforeAll(async () => {
  s3 = await startTestS3();
  s3Store = new S3ObjectStore(s3.config);
});
afterAll(async () => {
  s3Store.close();
  await s3.close();
});

const sha256 = (data: string | Buffer) => createHash('sha256').update(data).digest('hex');
const options = { maxBytes: 1_000, contentType: 'text/plain' };

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe.each([
  ['local disk', () => local as ObjectStore],
  ['S3 (s3rver)', () => s3Store as ObjectStore],
])('object store on %s', (_name, store) => {
  it('stores a Buffer and a stream, and reads them back with their length', async () => {
    const stored = await store().put('files/u1/buffer', Buffer.from('hello world'), options);
    expect(stored).toEqual({ size: 11, sha256: sha256('hello world') });
    const streamed = await store().put('files/u1/stream', Readable.from(['hel', 'lo ', 'stream']), options);
    expect(streamed).toEqual({ size: 12, sha256: sha256('hello stream') });

    const body = await store().get('files/u1/buffer');
    expect(body?.contentLength).toBe(11);
    expect(await text(body!.stream)).toBe('hello world');
    expect(await store().head('files/u1/stream')).toEqual({ size: 12 });
  });

  it('reads a byte range', async () => {
    await store().put('files/u1/range', Buffer.from('0123456789'), options);
    const body = await store().get('files/u1/range', { start: 2, end: 5 });
    expect(body?.contentLength).toBe(4);
    expect(await text(body!.stream)).toBe('2345');
  });

  it('deletes, and deleting again is no error', async () => {
    await store().put('files/u1/gone', Buffer.from('x'), options);
    await store().delete('files/u1/gone');
    expect(await store().head('files/u1/gone')).toBeUndefined();
    expect(await store().get('files/u1/gone')).toBeUndefined();
    await store().delete('files/u1/gone');
  });

  it('refuses a body over the limit with 413 and keeps nothing of it', async () => {
    const tooBig = await failure(store().put('files/u1/big', Buffer.alloc(1_001), options));
    expect(tooBig.status).toBe(413);
    expect(tooBig.message).toMatch(/1000-byte limit/);
    const streamed = await failure(
      store().put('files/u1/big', Readable.from([Buffer.alloc(600), Buffer.alloc(600)]), options),
    );
    expect(streamed.status).toBe(413);
    expect(await store().head('files/u1/big')).toBeUndefined();
  });

  it('refuses keys that could leave the store', async () => {
    for (const key of ['../escape', 'files/../../etc/passwd', '/absolute', 'files/./x', 'a//b', 'a\\b', ''])
      await expect(store().put(key, Buffer.from('x'), options), key).rejects.toThrow(/Unsafe storage key/);
  });
});

describe('local disk store', () => {
  it('publishes a file only once it is complete, and leaves no temporary files', async () => {
    const source = new PassThrough();
    const writing = local.put('files/u2/slow', source, options);
    source.write('first half ');
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await local.head('files/u2/slow')).toBeUndefined();
    source.end('second half');
    expect((await writing).size).toBe(22);
    expect(await text((await local.get('files/u2/slow'))!.stream)).toBe('first half second half');
    expect(readdirSync(join(localDir, '.tmp'))).toEqual([]);
    expect(readdirSync(join(localDir, 'files/u2'))).toEqual(['slow']);
  });
});
