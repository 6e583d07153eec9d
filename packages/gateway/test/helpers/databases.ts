import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/db/index.ts';

/** CI provides a real PostgreSQL (.ci/postgres.sh); locally the PostgreSQL half is skipped out loud. */
export const postgresUrl = process.env['HYPEREAL_TEST_POSTGRES_URL'];
if (!postgresUrl && process.env['CI']) {
  throw new Error(
    'CI must set HYPEREAL_TEST_POSTGRES_URL (see .ci/postgres.sh): the store tests run on both engines.',
  );
}
if (!postgresUrl) {
  console.warn(
    'HYPEREAL_TEST_POSTGRES_URL is not set: PostgreSQL store tests are skipped (run .ci/postgres.sh).',
  );
}

export type Engine = 'sqlite' | 'postgres';
export const engines: Engine[] = postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];

export function tempDir(prefix = 'hypereal-test-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/** The URL of a new, empty PostgreSQL schema (for a gateway process of its own). */
export async function freshPostgresUrl(): Promise<string> {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: postgresUrl });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  await admin.end();
  const url = new URL(postgresUrl!);
  url.searchParams.set('options', `-c search_path=${schema}`);
  return url.toString();
}

/** A fresh, migrated database: a new SQLite file, or a new PostgreSQL schema. */
export async function freshDatabase(engine: Engine): Promise<Database> {
  if (engine === 'sqlite') return openDatabase({ sqlitePath: join(tempDir(), 'test.db') });
  return openDatabase({ databaseUrl: await freshPostgresUrl(), sqlitePath: '' });
}

/**
 * Two separate handles (connections / pools) on one fresh database, as two replicas or
 * processes of one deployment have: a new SQLite file, or a new PostgreSQL schema.
 */
export async function sharedDatabase(engine: Engine): Promise<[Database, Database]> {
  if (engine === 'sqlite') {
    const sqlitePath = join(tempDir(), 'shared.db');
    const first = await openDatabase({ sqlitePath });
    return [first, await openDatabase({ sqlitePath })];
  }
  const databaseUrl = await freshPostgresUrl();
  const first = await openDatabase({ databaseUrl, sqlitePath: '' });
  return [first, await openDatabase({ databaseUrl, sqlitePath: '' })];
}
