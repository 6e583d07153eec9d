import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type FileListPage, NotFoundError, type StoredFile } from '../src/index.ts';
import { type SdkHarness, startSdkHarness } from './helpers/gateway.ts';
import { expectFields, fieldsOf } from './helpers/shape.ts';

const fileFields = fieldsOf<StoredFile>()([
  'id',
  'kind',
  'filename',
  'contentType',
  'bytes',
  'sha256',
  'createdAt',
  'url',
  'urlExpiresAt',
]);
const pageFields = fieldsOf<FileListPage>()(['data', 'nextCursor']);

describe('client.storage against the gateway', () => {
  let gw: SdkHarness;
  beforeAll(async () => {
    gw = await startSdkHarness();
  });
  afterAll(async () => {
    await gw.close();
  });

  it('uploadFile from a Buffer, Uint8Array, Blob, File, ReadableStream and a path; download gives the bytes back', async () => {
    const { sdk } = await gw.newUser(1000);
    const path = join(tmpdir(), `sdk-upload-${Date.now()}.txt`);
    await writeFile(path, 'from a path\n');
    const sources = [
      { file: Buffer.from('a buffer'), options: { filename: 'buffer.bin' }, text: 'a buffer' },
      {
        file: new TextEncoder().encode('bytes'),
        options: { filename: 'bytes.txt', contentType: 'text/plain' },
        text: 'bytes',
      },
      {
        file: new Blob(['a blob'], { type: 'text/plain' }),
        options: { filename: 'blob.txt' },
        text: 'a blob',
      },
      { file: new File(['a file'], 'named.txt', { type: 'text/plain' }), options: {}, text: 'a file' },
      {
        file: new ReadableStream<Uint8Array>({
          start(controller) {
            controller.enqueue(new TextEncoder().encode('a str'));
            controller.enqueue(new TextEncoder().encode('eam'));
            controller.close();
          },
        }),
        options: { filename: 'stream.txt', contentType: 'text/plain' },
        text: 'a stream',
      },
      { file: path, options: { contentType: 'text/plain' }, text: 'from a path\n' },
    ];
    for (const source of sources) {
      const stored = await sdk.storage.uploadFile(source.file, { kind: 'dataset', ...source.options });
      expectFields(stored, fileFields);
      expect(stored.kind).toBe('dataset');
      expect(stored.bytes).toBe(Buffer.byteLength(source.text));
      const download = await sdk.storage.download(stored.id);
      expect(await download.text()).toBe(source.text);
    }
    const named = (await sdk.storage.list({ kind: 'dataset' })).data.map((file) => file.filename);
    expect(named).toEqual(expect.arrayContaining(['named.txt', path.split('/').pop()]));
    const typed = (await sdk.storage.list({ kind: 'dataset' })).data.find(
      (file) => file.filename === 'blob.txt',
    );
    expect(typed?.contentType).toMatch(/^text\/plain/);
  });

  it('list({kind}) is awaitable (one page) and async-iterable (every page); get, signedUrl, delete', async () => {
    const { sdk, key } = await gw.newUser(1000);
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      ids.push(
        (
          await sdk.storage.uploadFile(Buffer.from(`row ${index}`), {
            filename: `d${index}.csv`,
            kind: 'dataset',
          })
        ).id,
      );
    }
    await sdk.storage.uploadFile(Buffer.from('other'), { filename: 'other.txt', kind: 'upload' });
    const raw = await fetch(`${gw.url}/v1/storage/files?kind=dataset&limit=2`, {
      headers: { authorization: `Bearer ${key}` },
    });
    expectFields(await raw.json(), pageFields);
    const first = await sdk.storage.list({ kind: 'dataset', limit: 2 });
    expect(first.data).toHaveLength(2);
    const all: StoredFile[] = [];
    for await (const file of sdk.storage.list({ kind: 'dataset', limit: 2 })) all.push(file);
    expect(all.map((file) => file.id).sort()).toEqual([...ids].sort());
    const one = await sdk.storage.get(ids[0]!);
    expect(one.filename).toBe('d0.csv');
    const link = await sdk.storage.signedUrl(ids[0]!);
    expect(link.expiresAt.getTime()).toBeGreaterThan(Date.now());
    expect(await (await fetch(link.url)).text()).toBe('row 0');
    expect(await sdk.storage.delete(ids[0]!)).toEqual({ id: ids[0], deleted: true });
    await expect(sdk.storage.get(ids[0]!)).rejects.toBeInstanceOf(NotFoundError);
    await expect(sdk.storage.download(ids[0]!)).rejects.toBeInstanceOf(NotFoundError);
  });
});
