import { randomBytes } from 'node:crypto';
import type { Queryable } from '../db/index.ts';

/** A Standard Webhooks signing secret: `whsec_` + base64 of 32 random bytes. */
const newSecret = () => `whsec_${randomBytes(32).toString('base64')}`;

/** The user's signing secret, created on first use. */
export async function webhookSecret(db: Queryable, userId: string): Promise<string> {
  const row = await db.get<{ secret: string }>('SELECT secret FROM webhook_secrets WHERE user_id = ?', [
    userId,
  ]);
  if (row) return row.secret;
  const secret = newSecret();
  await db.run(
    'INSERT INTO webhook_secrets (user_id, secret, created_at) VALUES (?, ?, ?) ON CONFLICT (user_id) DO NOTHING',
    [userId, secret, Date.now()],
  );
  return (await db.get<{ secret: string }>('SELECT secret FROM webhook_secrets WHERE user_id = ?', [userId]))!
    .secret;
}

/** Replaces the user's secret; the new one is shown once, in this answer. */
export async function rotateWebhookSecret(db: Queryable, userId: string): Promise<string> {
  const secret = newSecret();
  await db.run(
    `INSERT INTO webhook_secrets (user_id, secret, created_at) VALUES (?, ?, ?)
     ON CONFLICT (user_id) DO UPDATE SET secret = excluded.secret, created_at = excluded.created_at`,
    [userId, secret, Date.now()],
  );
  return secret;
}
