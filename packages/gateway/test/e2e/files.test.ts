import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ConfigFile } from '../../src/config/index.ts';
import { freshDatabase, tempDir } from '../helpers/databases.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';
import { startTestS3, type TestS3 } from '../helpers/s3-server.ts';

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('fake png body'),
]);

interface FileView {
  id: string;
  kind: string;
  filename: string;
  contentType: string;
  bytes: number;
  sha256: string;
  createdAt: number;
  url: string;
  urlExpiresAt: number;
}

const bearer = (user: TestUser) => ({ authorization: `Bearer ${user.key}` });

async function uploadRaw(
  harness: Harness,
  user: TestUser,
  body: Buffer | string,
  query: string,
  contentType = 'image/png',
): Promise<Response> {
  return fetch(`${harness.baseUrl}/storage/files?${query}`, {
    method: 'POST',
    headers: { ...bearer(user), 'content-type': contentType },
    body,
  });
}

async function upload(harness: Harness, user: TestUser, body: Buffer | string, query: string, type?: string) {
  const response = await uploadRaw(harness, user, body, query, type);
  expect(response.status, await response.clone().text()).toBe(201);
  return (await response.json()) as FileView;
}

async function errorOf(response: Response) {
  expect(response.headers.get('content-type')).toMatch(/application\/json/);
  return ((await response.json()) as { error: { code: string; message: string; param: string | null } })
    .error;
}

/**
 * A streamed download can reach the client a moment before the server marks its
 * keep-alive connection idle; a close in that moment waits out keepAliveTimeout. So
 * in-flight responses finish before a gateway closes.
 */
async function closeSettled(harness: Harness): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 100));
  await harness.close();
}

let s3: TestS3;
beforeAll(async () => {
  s3 = await startTestS3();
});
afterAll(() => s3.close());

describe.each([
  ['local disk', (): ConfigFile => ({})],
  [
    'S3 (s3rver)',
    (): ConfigFile => ({
      storage: {
        backend: 's3',
        s3: {
          bucket: s3.config.bucket,
          region: s3.config.region,
          endpoint: s3.config.endpoint!,
          forcePathStyle: true,
          accessKeyId: s3.config.credentials!.accessKeyId,
          secretAccessKey: s3.config.credentials!.secretAccessKey,
          prefix: 'e2e/',
        },
      },
    }),
  ],
])('files on %s', (_name, config) => {
  let harness: Harness;
  let user: TestUser;
  beforeAll(async () => {
    harness = await startHarness({ config: config() });
    user = await harness.newUser(0);
  });
  afterAll(() => closeSettled(harness));

  it('uploads a raw body and serves it back at its signed link, without a key', async () => {
    const file = await upload(harness, user, png, 'filename=cat.png&kind=image');
    expect(file).toMatchObject({
      kind: 'image',
      filename: 'cat.png',
      contentType: 'image/png',
      bytes: png.length,
    });
    expect(Math.abs(file.createdAt - Date.now())).toBeLessThan(60_000);
    // Links last storage.urlTtlSeconds, 7 days by default.
    expect(Math.abs(file.urlExpiresAt - (Date.now() + 7 * 24 * 3600 * 1000))).toBeLessThan(60_000);
    expect(new URL(file.url).searchParams.get('expires')).toBe(String(file.urlExpiresAt / 1000));
    expect(file.url).toMatch(
      new RegExp(`^${harness.gateway.url}/v1/files/${file.id}/content\\?expires=\\d+&signature=`),
    );

    const response = await fetch(file.url);
    expect(response.status).toBe(200);
    expect(Buffer.from(await response.arrayBuffer()).equals(png)).toBe(true);
    expect(response.headers.get('content-type')).toBe('image/png');
    expect(response.headers.get('content-length')).toBe(String(png.length));
    expect(response.headers.get('content-disposition')).toBe(
      `inline; filename="cat.png"; filename*=UTF-8''cat.png`,
    );
    expect(response.headers.get('etag')).toBe(`"${file.sha256}"`);
    expect(response.headers.get('accept-ranges')).toBe('bytes');
  });

  it('serves byte ranges and answers 304 to a matching If-None-Match', async () => {
    const file = await upload(harness, user, '0123456789', 'filename=digits.txt', 'text/plain');
    const partial = await fetch(file.url, { headers: { range: 'bytes=2-5' } });
    expect(partial.status).toBe(206);
    expect(partial.headers.get('content-range')).toBe('bytes 2-5/10');
    expect(await partial.text()).toBe('2345');
    const tail = await fetch(file.url, { headers: { range: 'bytes=-3' } });
    expect([tail.status, await tail.text()]).toEqual([206, '789']);
    const outside = await fetch(file.url, { headers: { range: 'bytes=20-' } });
    expect(outside.status).toBe(416);
    expect(outside.headers.get('content-range')).toBe('bytes */10');
    const cached = await fetch(file.url, { headers: { 'if-none-match': `"${file.sha256}"` } });
    expect(cached.status).toBe(304);
  });

  it('takes a multipart upload with the kind as a form field', async () => {
    const form = new FormData();
    form.append('kind', 'audio');
    form.append('file', new Blob([Buffer.from('ID3 fake mp3')], { type: 'audio/mpeg' }), 'voice.mp3');
    const response = await fetch(`${harness.baseUrl}/storage/files`, {
      method: 'POST',
      headers: bearer(user),
      body: form,
    });
    expect(response.status).toBe(201);
    const file = (await response.json()) as FileView;
    expect(file).toMatchObject({
      kind: 'audio',
      filename: 'voice.mp3',
      contentType: 'audio/mpeg',
      bytes: 12,
    });
    expect(await (await fetch(file.url)).text()).toBe('ID3 fake mp3');
  });
});

describe('file links and the storage API', () => {
  let harness: Harness;
  let alice: TestUser;
  let bob: TestUser;
  beforeAll(async () => {
    harness = await startHarness({
      config: { storage: { maxFileBytes: 1_000, quotaBytes: 3_000 } },
      env: { HYPEREAL_PUBLIC_URL: 'https://files.example.com' },
    });
    alice = await harness.newUser(0);
    bob = await harness.newUser(0);
  });
  afterAll(() => closeSettled(harness));

  /** Links point at HYPEREAL_PUBLIC_URL; the test reaches the same path on the local gateway. */
  const local = (url: string) => url.replace('https://files.example.com', harness.gateway.url);

  it('builds links on HYPEREAL_PUBLIC_URL, also served under /api/v1', async () => {
    const file = await upload(harness, alice, 'hello', 'filename=hello.txt', 'text/plain');
    expect(file.url.startsWith(`https://files.example.com/v1/files/${file.id}/content?`)).toBe(true);
    expect(await (await fetch(local(file.url))).text()).toBe('hello');
    expect(await (await fetch(local(file.url).replace('/v1/', '/api/v1/'))).text()).toBe('hello');
  });

  it('answers 403 to a tampered or expired link and 404 once the file is deleted', async () => {
    const file = await upload(harness, alice, 'secret', 'filename=s.txt', 'text/plain');
    const url = new URL(local(file.url));

    const otherFile = new URL(url);
    otherFile.pathname = otherFile.pathname.replace(file.id, `${file.id.slice(0, -1)}0`);
    const moved = new URL(url);
    moved.searchParams.set('expires', String(Number(url.searchParams.get('expires')) + 1));
    const forged = new URL(url);
    forged.searchParams.set('signature', 'A'.repeat(43));
    const unsigned = new URL(url);
    unsigned.search = '';
    for (const bad of [otherFile, moved, forged, unsigned]) {
      const response = await fetch(bad);
      expect(response.status, bad.href).toBe(403);
      expect(await errorOf(response)).toMatchObject({
        code: 'forbidden',
        message: 'This file link is not valid (bad signature).',
      });
    }

    const past = Date.now() - 8 * 24 * 3600 * 1000;
    const expired = local(
      harness.gateway.services.files.signedUrl(file.id, 'https://files.example.com', past).url,
    );
    const old = await fetch(expired);
    expect(old.status).toBe(403);
    expect(await errorOf(old)).toMatchObject({ code: 'forbidden', message: 'This file link has expired.' });

    const deleted = await fetch(`${harness.baseUrl}/storage/files/${file.id}`, {
      method: 'DELETE',
      headers: bearer(alice),
    });
    expect(await deleted.json()).toEqual({ id: file.id, deleted: true });
    const gone = await fetch(url);
    expect(gone.status).toBe(404);
    expect((await errorOf(gone)).code).toBe('not_found');
  });

  it('answers HEAD with the headers only, and stores an empty upload', async () => {
    const empty = await fetch(`${harness.baseUrl}/storage/files?filename=empty.txt`, {
      method: 'POST',
      headers: bearer(alice),
    });
    expect(empty.status).toBe(201);
    const file = (await empty.json()) as FileView;
    expect(file.bytes).toBe(0);
    const head = await fetch(local(file.url), { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(head.headers.get('content-length')).toBe('0');
    const sized = await upload(harness, alice, 'twelve bytes', 'filename=t.txt', 'text/plain');
    const headSized = await fetch(local(sized.url), { method: 'HEAD' });
    expect([headSized.status, headSized.headers.get('content-length'), await headSized.text()]).toEqual([
      200,
      '12',
      '',
    ]);
  });

  it('downloads what a browser must not render, with nosniff and a sandbox policy', async () => {
    const file = await upload(harness, alice, '<script>alert(1)</script>', 'filename=page.html', 'text/html');
    const response = await fetch(local(file.url));
    expect(response.headers.get('content-type')).toBe('text/html');
    expect(response.headers.get('content-disposition')).toBe(
      `attachment; filename="page.html"; filename*=UTF-8''page.html`,
    );
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toBe("default-src 'none'; sandbox");
    const unicode = await upload(
      harness,
      alice,
      'x',
      `filename=${encodeURIComponent('résumé "v2".txt')}`,
      'text/plain',
    );
    expect((await fetch(local(unicode.url))).headers.get('content-disposition')).toBe(
      `attachment; filename="r_sum_ _v2_.txt"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22v2%22.txt`,
    );
  });

  it("lists, shows and redirects to the caller's own files only", async () => {
    const a = await upload(harness, bob, png, 'filename=a.png&kind=image');
    const b = await upload(harness, bob, png, 'filename=b.png&kind=image');
    await upload(harness, bob, 'data', 'filename=c.csv&kind=dataset', 'text/csv');

    const page1 = (await (
      await fetch(`${harness.baseUrl}/storage/files?kind=image&limit=1`, { headers: bearer(bob) })
    ).json()) as { nextCursor: string };
    expect(page1).toMatchObject({ data: [{ id: b.id }] });
    expect(page1.nextCursor).toBe(b.id);
    const page2 = await (
      await fetch(`${harness.baseUrl}/storage/files?kind=image&limit=1&cursor=${page1.nextCursor}`, {
        headers: bearer(bob),
      })
    ).json();
    expect(page2).toMatchObject({ nextCursor: null, data: [{ id: a.id }] });

    const shown = await (
      await fetch(`${harness.baseUrl}/storage/files/${a.id}`, { headers: bearer(bob) })
    ).json();
    expect(shown).toMatchObject({ id: a.id, filename: 'a.png', bytes: png.length, sha256: a.sha256 });

    const redirect = await fetch(`${harness.gateway.url}/api/v1/storage/files/${a.id}/content`, {
      headers: bearer(bob),
      redirect: 'manual',
    });
    expect(redirect.status).toBe(302);
    expect(redirect.headers.get('location')).toMatch(
      `https://files.example.com/v1/files/${a.id}/content?expires=`,
    );

    for (const [method, path] of [
      ['GET', `/storage/files/${a.id}`],
      ['GET', `/storage/files/${a.id}/content`],
      ['DELETE', `/storage/files/${a.id}`],
    ] as const) {
      const response = await fetch(`${harness.baseUrl}${path}`, {
        method,
        headers: bearer(alice),
        redirect: 'manual',
      });
      expect(response.status, `${method} ${path}`).toBe(404);
    }
    const alices = (await (
      await fetch(`${harness.baseUrl}/storage/files`, { headers: bearer(alice) })
    ).json()) as { data: FileView[] };
    expect(alices.data.map((file) => file.id)).not.toContain(a.id);
  });

  it('needs an API key', async () => {
    const response = await fetch(`${harness.baseUrl}/storage/files`);
    expect(response.status).toBe(401);
    const upload = await fetch(`${harness.baseUrl}/storage/files?filename=x`, { method: 'POST', body: 'x' });
    expect(upload.status).toBe(401);
  });

  it('refuses bad uploads: 413 over the size limit or the quota, 400 for a bad kind or no filename', async () => {
    const carol = await harness.newUser(0);
    const big = await uploadRaw(
      harness,
      carol,
      Buffer.alloc(1_001),
      'filename=big.bin',
      'application/octet-stream',
    );
    expect(big.status).toBe(413);
    expect((await errorOf(big)).message).toMatch(/larger than the 1000-byte limit/);

    const form = new FormData();
    form.append('file', new Blob([Buffer.alloc(1_500)]), 'big.bin');
    const bigForm = await fetch(`${harness.baseUrl}/storage/files`, {
      method: 'POST',
      headers: bearer(carol),
      body: form,
    });
    expect(bigForm.status).toBe(413);
    expect((await errorOf(bigForm)).message).toMatch(/larger than the 1000-byte limit/);
    expect(
      (await (await fetch(`${harness.baseUrl}/storage/files`, { headers: bearer(carol) })).json()) as object,
    ).toMatchObject({
      data: [],
    });

    const kind = await uploadRaw(harness, carol, 'x', 'filename=x&kind=movie');
    expect(kind.status).toBe(400);
    expect((await errorOf(kind)).param).toBe('kind');
    const nameless = await uploadRaw(harness, carol, 'x', 'kind=image');
    expect((await errorOf(nameless)).param).toBe('filename');

    for (let index = 0; index < 3; index++)
      await upload(harness, carol, Buffer.alloc(1_000), 'filename=full.bin');
    const quota = await uploadRaw(harness, carol, 'x', 'filename=one-more.bin');
    expect(quota.status).toBe(413);
    expect((await errorOf(quota)).message).toMatch(/Storage quota reached/);
  });
});

describe('signing secret', () => {
  it('is generated once into the data dir, so links survive a restart', async () => {
    const db = await freshDatabase('sqlite');
    const env = { HYPEREAL_DATA_DIR: tempDir() };
    const first = await startHarness({ db, env });
    const user = await first.newUser(0);
    const file = await upload(first, user, 'kept', 'filename=kept.txt', 'text/plain');
    const path = new URL(file.url);
    await closeSettled(first);

    const second = await startHarness({ db, env });
    const response = await fetch(`${second.gateway.url}${path.pathname}${path.search}`);
    expect([response.status, await response.text()]).toEqual([200, 'kept']);
    await closeSettled(second);

    const elsewhere = await startHarness({ db, env: { HYPEREAL_DATA_DIR: tempDir() } });
    expect((await fetch(`${elsewhere.gateway.url}${path.pathname}${path.search}`)).status).toBe(403);
    await closeSettled(elsewhere);
    await db.close();
  });
});

describe('upload size', () => {
  it('is bounded by storage.maxFileBytes, not by the JSON body limit', async () => {
    const harness = await startHarness({
      config: { server: { bodyLimitMb: 0.01 }, storage: { maxFileBytes: 64 * 1024 } },
    });
    const user = await harness.newUser(0);
    const body = Buffer.alloc(50 * 1024, 7);
    const raw = await upload(harness, user, body, 'filename=blob.bin', 'application/octet-stream');
    expect(raw.bytes).toBe(body.length);
    const form = new FormData();
    form.append('file', new Blob([body]), 'blob.bin');
    const multipart = await fetch(`${harness.baseUrl}/storage/files`, {
      method: 'POST',
      headers: bearer(user),
      body: form,
    });
    expect(multipart.status).toBe(201);
    const tooBig = await uploadRaw(
      harness,
      user,
      Buffer.alloc(65 * 1024),
      'filename=big.bin',
      'application/octet-stream',
    );
    expect(tooBig.status).toBe(413);
    // The JSON routes keep their own limit.
    const chat = await fetch(`${harness.baseUrl}/chat/completions`, {
      method: 'POST',
      headers: { ...bearer(user), 'content-type': 'application/json' },
      body: JSON.stringify({
        model: 'deepseek-v3.2',
        messages: [{ role: 'user', content: 'x'.repeat(20_000) }],
      }),
    });
    expect(chat.status).toBe(413);
    await closeSettled(harness);
  });
});
