import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { findUserByEmail } from '../../src/accounts/index.ts';
import { getBalance, ledgerSum } from '../../src/billing/index.ts';
import { openDatabase } from '../../src/db/index.ts';
import { createOrg } from '../../src/orgs/index.ts';
import { tempDir } from '../helpers/databases.ts';
import { runCli } from '../helpers/run-cli.ts';

const bin = join(import.meta.dirname, '../../bin/hypereal.js');

describe('`hypereal audit verify` and org grants from the CLI', () => {
  const dataDir = tempDir();
  const hypereal = (...args: string[]) =>
    runCli(process.execPath, [bin, ...args], { env: { HYPEREAL_DATA_DIR: dataDir }, cwd: dataDir });

  it('grants into an org wallet (audited), verifies the chain, and fails once a row is edited', async () => {
    expect((await hypereal('users', 'create', '--email', 'owner@acme.test')).code).toBe(0);
    const open = () => openDatabase({ sqlitePath: join(dataDir, 'hypereal.db') });
    let db = await open();
    const owner = await findUserByEmail(db, 'owner@acme.test');
    const org = await createOrg(db, { name: 'Acme', ownerId: owner!.id });
    await db.close();

    const granted = await hypereal('credits', 'grant', '--org', 'acme', '--credits', '250');
    expect(granted.code, granted.stderr).toBe(0);
    expect(granted.stdout).toContain('balance 250');
    expect((await hypereal('credits', 'grant', '--user', 'owner@acme.test', '--credits', '300')).code).toBe(
      0,
    );

    db = await open();
    const orgWallet = await getBalance(db, owner!.id, org.id);
    expect(orgWallet.balanceMicro).toBe(250_000_000);
    expect(await ledgerSum(db, owner!.id, org.id)).toBe(orgWallet.balanceMicro);
    const personal = await getBalance(db, owner!.id);
    expect(personal.balanceMicro).toBe(300_000_000);
    expect(await ledgerSum(db, owner!.id)).toBe(personal.balanceMicro);
    await db.close();

    const intact = await hypereal('audit', 'verify');
    expect(intact.code, intact.stderr).toBe(0);
    expect(intact.stdout).toContain('2 row(s), hash chain verified');

    db = await open();
    await db.run(`UPDATE audit_log SET after_json = REPLACE(after_json, '250', '25000') WHERE seq = 1`);
    await db.close();
    const broken = await hypereal('audit', 'verify');
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('BROKEN at row 1: row content altered');
  }, 60_000);
});
