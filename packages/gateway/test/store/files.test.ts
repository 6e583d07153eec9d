import { Readable } from 'node:stream';
import { text } from 'node:stream/consumers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUser } from '../../src/accounts/index.ts';
import type { Database } from '../../src/db/index.ts';
import { GatewayError } from '../../src/errors/index.ts';
import { FileService, LocalObjectStore, UrlSigner } from '../../src/storage/index.ts';
import { engines, freshDatabase, tempDir } from '../helpers/databases.ts';

async function failure(promise: Promise<unknown>): Promise<GatewayError> {
  const error = await promise.then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatewayError);
  return error as GatewayError;
}

describe.each(engines)('files on %s', (engine) => {
  let db: Database;
  let files: FileService;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    db = await freshDatabase(engine);
    files = new FileService({
      db,
      store: new LocalObjectStore(tempDir()),
      signer: new UrlSigner('store-test-secret-0123456789abcdefghij'),
      maxFileBytes: 1_000,
      urlTtlSeconds: 600,
      quotaBytes: 2_500,
    });
    alice = (await createUser(db, { email: `alice-${engine}@example.com` })).id;
    bob = (await createUser(db, { email: `bob-${engine}@example.com` })).id;
  });
  afterAll(() => db.close());

  it('saves bytes or a stream with their metadata, and reads them back', async () => {
    const saved = await files.save({
      userId: alice,
      body: Readable.from(['id,name\n', '1,cat\n']),
      filename: '../../etc/data set.csv',
      contentType: 'Text/CSV; charset=utf-8',
      kind: 'dataset',
    });
    expect(saved).toMatchObject({
      userId: alice,
      kind: 'dataset',
      filename: 'data set.csv',
      contentType: 'text/csv',
      sizeBytes: 14,
    });
    expect(saved.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(await files.get(alice, saved.id)).toEqual(saved);

    const link = files.signedUrl(saved.id, 'https://gw.example/');
    const url = new URL(link.url);
    expect(url.pathname).toBe(`/v1/files/${saved.id}/content`);
    const opened = await files.openSigned(
      saved.id,
      url.searchParams.get('expires') ?? undefined,
      url.searchParams.get('signature') ?? undefined,
    );
    expect(opened.file).toEqual(saved);
    expect(await text((await opened.open()).stream)).toBe('id,name\n1,cat\n');
    expect(await text((await opened.open({ start: 3, end: 6 })).stream)).toBe('name');
  });

  it("never shows one user another user's file", async () => {
    const secret = await files.save({
      userId: alice,
      body: Buffer.from('private'),
      filename: 'a.txt',
      contentType: 'text/plain',
      kind: 'upload',
    });
    expect((await failure(files.get(bob, secret.id))).status).toBe(404);
    expect((await failure(files.delete(bob, secret.id))).status).toBe(404);
    expect((await files.list(bob)).files.map((file) => file.id)).not.toContain(secret.id);
    expect((await files.get(alice, secret.id)).id).toBe(secret.id);
  });

  it('lists newest first, by kind, in keyset pages', async () => {
    const ids: string[] = [];
    for (let index = 0; index < 5; index++) {
      const file = await files.save({
        userId: bob,
        body: Buffer.from(`image ${index}`),
        filename: `${index}.png`,
        contentType: 'image/png',
        kind: 'image',
      });
      ids.push(file.id);
    }
    await files.save({
      userId: bob,
      body: Buffer.from('x'),
      filename: 'x.mp3',
      contentType: 'audio/mpeg',
      kind: 'audio',
    });
    const first = await files.list(bob, { kind: 'image', limit: 2 });
    expect(first.files.map((file) => file.id)).toEqual([ids[4], ids[3]]);
    const second = await files.list(bob, { kind: 'image', limit: 2, cursor: first.nextCursor! });
    expect(second.files.map((file) => file.id)).toEqual([ids[2], ids[1]]);
    const third = await files.list(bob, { kind: 'image', limit: 2, cursor: second.nextCursor! });
    expect(third.files.map((file) => file.id)).toEqual([ids[0]]);
    expect(third.nextCursor).toBeNull();
    expect((await files.list(bob)).files).toHaveLength(6);
  });

  it('deletes: the file is gone from lookups, lists and its signed links', async () => {
    const file = await files.save({
      userId: bob,
      body: Buffer.from('bye'),
      filename: 'b',
      contentType: 'x/y',
      kind: 'output',
    });
    const url = new URL(files.signedUrl(file.id, 'http://localhost').url);
    await files.delete(bob, file.id);
    expect((await failure(files.get(bob, file.id))).status).toBe(404);
    expect((await failure(files.delete(bob, file.id))).status).toBe(404);
    const gone = await failure(
      files.openSigned(file.id, url.searchParams.get('expires')!, url.searchParams.get('signature')!),
    );
    expect(gone.status).toBe(404);
    expect((await files.list(bob, { kind: 'output' })).files).toEqual([]);
  });

  it('refuses an unknown kind, a file over the limit and uploads past the quota', async () => {
    const kind = await failure(
      files.save({
        userId: bob,
        body: Buffer.from('x'),
        filename: 'x',
        contentType: 'x/y',
        kind: 'movie' as never,
      }),
    );
    expect([kind.status, kind.param]).toEqual([400, 'kind']);
    const big = await failure(
      files.save({
        userId: bob,
        body: Buffer.alloc(1_001),
        filename: 'x',
        contentType: 'x/y',
        kind: 'upload',
      }),
    );
    expect(big.status).toBe(413);

    const carol = (await createUser(db, { email: `carol-${engine}@example.com` })).id;
    for (let index = 0; index < 2; index++)
      await files.save({
        userId: carol,
        body: Buffer.alloc(1_000),
        filename: 'x',
        contentType: 'x/y',
        kind: 'upload',
      });
    // 500 bytes of quota left: the per-file limit shrinks to it.
    const over = await failure(
      files.save({
        userId: carol,
        body: Buffer.alloc(600),
        filename: 'x',
        contentType: 'x/y',
        kind: 'upload',
      }),
    );
    expect(over.status).toBe(413);
    await files.save({
      userId: carol,
      body: Buffer.alloc(500),
      filename: 'x',
      contentType: 'x/y',
      kind: 'upload',
    });
    const full = await failure(
      files.save({ userId: carol, body: Buffer.alloc(1), filename: 'x', contentType: 'x/y', kind: 'upload' }),
    );
    expect(full.message).toMatch(/Storage quota reached: 2500 bytes/);
    expect(await files.usedBytes(carol)).toBe(2_500);
  });
});
