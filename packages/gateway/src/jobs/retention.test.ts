import { describe, expect, it } from 'vitest';
import { freshDatabase } from '../../test/helpers/databases.ts';
import { deleteExpiredOutputs } from './retention.ts';

describe('job output retention', () => {
  it('deletes the outputs of jobs ended before the retention, once, and keeps newer ones', async () => {
    const db = await freshDatabase('sqlite');
    const now = Date.now();
    await db.run("INSERT INTO users (id, email, created_at) VALUES ('u1', 'r@example.com', 0)");
    const insert = (id: string, finishedAt: number, fileId: string) =>
      db.run(
        `INSERT INTO jobs (id, user_id, kind, model, state, input, hold_id, hold_micro, outputs, next_poll_at, deadline_at,
           created_at, updated_at, finished_at) VALUES (?, 'u1', 'video', 'm', 'succeeded', '{}', 'h', 0, ?, 0, 0, 0, 0, ?)`,
        [id, JSON.stringify([{ fileId, contentType: 'video/mp4' }]), finishedAt],
      );
    await insert('old', now - 10_000, 'file_old');
    await insert('new', now - 10, 'file_new');
    const deleted: string[] = [];
    const files = {
      delete: async (_user: string, id: string) => {
        deleted.push(id);
      },
    };
    expect(await deleteExpiredOutputs(db, files, 1_000, now)).toBe(1);
    expect(deleted).toEqual(['file_old']);
    expect(await deleteExpiredOutputs(db, files, 1_000, now)).toBe(0);
    expect(deleted).toEqual(['file_old']);
    await db.close();
  });
});
