import type { Database } from '../db/index.ts';
import type { FileService } from '../storage/index.ts';
import type { JobOutput } from './types.ts';

/**
 * Deletes the stored outputs of jobs that ended more than `retentionMs` ago (their links
 * already stopped being handed out), once per job: the job row keeps its file ids and cost.
 * Returns how many jobs were swept.
 */
export async function deleteExpiredOutputs(
  db: Database,
  files: Pick<FileService, 'delete'>,
  retentionMs: number,
  now = Date.now(),
  limit = 100,
): Promise<number> {
  const due = await db.all<{ id: string; user_id: string; outputs: string | null }>(
    `SELECT id, user_id, outputs FROM jobs WHERE finished_at < ? AND outputs IS NOT NULL
       AND outputs_deleted_at IS NULL ORDER BY finished_at LIMIT ?`,
    [now - retentionMs, limit],
  );
  let swept = 0;
  for (const job of due) {
    const { changes } = await db.run(
      'UPDATE jobs SET outputs_deleted_at = ? WHERE id = ? AND outputs_deleted_at IS NULL',
      [now, job.id],
    );
    if (changes === 0) continue; // another replica took it
    let outputs: JobOutput[] = [];
    try {
      outputs = JSON.parse(job.outputs ?? '[]') as JobOutput[];
    } catch {
      outputs = [];
    }
    for (const output of outputs) {
      // A file the user already deleted is gone either way.
      await files.delete(job.user_id, output.fileId).catch(() => undefined);
    }
    swept++;
  }
  return swept;
}
