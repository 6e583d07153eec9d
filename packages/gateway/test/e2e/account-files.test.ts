import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AccountClient, signedIn } from '../helpers/account-client.ts';
import { type Harness, startHarness, type TestUser } from '../helpers/harness.ts';

const password = 'correct horse battery';

interface FileView {
  id: string;
  kind: string;
  filename: string;
  contentType: string;
  bytes: number;
  createdAt: number;
  url: string;
}

describe('account API: GET /api/files and DELETE /api/files/{id}', () => {
  let harness: Harness;
  let root: string;

  beforeAll(async () => {
    harness = await startHarness();
    root = harness.gateway.url;
  });
  afterAll(async () => {
    // Let streamed downloads finish before the gateway closes (see files.test.ts).
    await new Promise((resolve) => setTimeout(resolve, 100));
    await harness.close();
  });

  const upload = async (user: TestUser, filename: string, kind: string, body: string) => {
    const response = await fetch(
      `${harness.baseUrl}/storage/files?filename=${encodeURIComponent(filename)}&kind=${kind}`,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${user.key}`, 'content-type': 'text/plain' },
        body,
      },
    );
    expect(response.status, await response.clone().text()).toBe(201);
    return (await response.json()) as FileView;
  };
  const list = async (client: AccountClient, query = '') => {
    const response = await client.call('GET', `/api/files${query}`);
    expect(response.status, response.text).toBe(200);
    return response.body as unknown as { data: FileView[]; nextCursor: string | null };
  };

  it('lists only the signed-in user’s files, newest first, by kind, paged, each with a working link', async () => {
    const ada = await harness.newUser(0, { email: 'ada-files@example.com', password });
    const bob = await harness.newUser(0, { email: 'bob-files@example.com', password });
    const first = await upload(ada, 'notes.txt', 'upload', 'first file');
    const second = await upload(ada, 'train.jsonl', 'dataset', '{"a":1}\n');
    const third = await upload(ada, 'more.txt', 'upload', 'third');
    await upload(bob, 'bobs.txt', 'upload', 'not ada’s');
    const client = await signedIn(root, ada.user.email, password);

    const all = await list(client);
    expect(all.data.map((file) => file.id)).toEqual([third.id, second.id, first.id]);
    expect(all.nextCursor).toBeNull();
    expect(all.data[1]).toMatchObject({
      filename: 'train.jsonl',
      kind: 'dataset',
      contentType: 'text/plain',
      bytes: 8,
    });
    const download = await fetch(all.data[2]!.url);
    expect(download.status).toBe(200);
    expect(await download.text()).toBe('first file');

    expect((await list(client, '?kind=dataset')).data.map((file) => file.id)).toEqual([second.id]);
    const page1 = await list(client, '?limit=2');
    expect(page1.data.map((file) => file.id)).toEqual([third.id, second.id]);
    const page2 = await list(client, `?limit=2&cursor=${page1.nextCursor}`);
    expect(page2.data.map((file) => file.id)).toEqual([first.id]);
    expect(page2.nextCursor).toBeNull();

    const badKind = await client.call('GET', '/api/files?kind=spreadsheet');
    expect(badKind.status).toBe(400);
    expect(badKind.body.error?.code).toBe('invalid_request');
    expect((await new AccountClient(root).call('GET', '/api/files')).status).toBe(401);
  });

  it('deletes a file (its link stops working); needs the CSRF token; another user’s file is a 404', async () => {
    const carol = await harness.newUser(0, { email: 'carol-files@example.com', password });
    const dave = await harness.newUser(0, { email: 'dave-files@example.com', password });
    const mine = await upload(carol, 'keep-or-not.txt', 'upload', 'carol’s bytes');
    const theirs = await upload(dave, 'dave.txt', 'upload', 'dave’s bytes');
    const client = await signedIn(root, carol.user.email, password);

    const noToken = await client.call('DELETE', `/api/files/${mine.id}`, undefined, { csrf: null });
    expect(noToken.status).toBe(403);
    expect(noToken.body.error?.code).toBe('csrf_failed');
    const forged = await client.call('DELETE', `/api/files/${mine.id}`, undefined, {
      csrf: 'forged-token-forged-token',
    });
    expect(forged.status).toBe(403);
    expect((await list(client)).data.map((file) => file.id)).toEqual([mine.id]);

    const other = await client.call('DELETE', `/api/files/${theirs.id}`);
    expect(other.status).toBe(404);
    expect(other.body.error?.code).toBe('not_found');
    expect((await fetch(theirs.url)).status).toBe(200);

    const deleted = await client.call('DELETE', `/api/files/${mine.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body).toEqual({ id: mine.id, deleted: true });
    expect((await list(client)).data).toEqual([]);
    expect((await fetch(mine.url)).status).toBe(404);
    expect((await client.call('DELETE', `/api/files/${mine.id}`)).status).toBe(404);
  });
});
