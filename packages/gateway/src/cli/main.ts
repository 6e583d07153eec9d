import { parseArgs } from 'node:util';
import {
  createApiKey,
  createUser,
  keyState,
  listApiKeys,
  listUsers,
  requireUser,
  revokeApiKey,
  setPassword,
  setUserPlan,
  setUserRateLimit,
} from '../accounts/index.ts';
import { publishKeyInvalidation } from '../accounts/key-invalidation.ts';
import { recordAudit, verifyAuditChain } from '../audit/index.ts';
import {
  adjustCredits,
  creditsToMicro,
  formatCredits,
  getBalance,
  grantTopUp,
  listLedger,
  type MediaPrice,
  mediaPriceInCredits,
} from '../billing/index.ts';
import { createRedeemCodes } from '../billing/redeem-codes.ts';
import { ConfigError, type GatewayConfig, loadConfig } from '../config/index.ts';
import { appliedVersions, type Database, migrate, migrations, openDatabase } from '../db/index.ts';
import { GatewayError } from '../errors/index.ts';
import { startGateway } from '../gateway.ts';
import { createWorkerToken, listWorkerTokens, revokeWorkerToken } from '../gpu/self-hosted/index.ts';
import { findOrg, listMembers, type Org } from '../orgs/index.ts';
import { mediaKinds } from '../routing/media-models.ts';
import { listRequestLogs, rollupNow } from '../usage/index.ts';
import { collectBootGarbage } from './collect-boot-garbage.ts';
import { printTable } from './print-table.ts';

const usage = `hypereal — self-hosted AI API gateway

  hypereal serve [--config FILE]                       start the gateway (default :8080, SQLite under ./data)
  hypereal migrate                                     bring the schema up to date (idempotent; prints what it applied)
  hypereal users create --email E [--plan P] [--password P]   create a user (dashboard sign-in with a password)
  hypereal users set-password --user U --password P    (or $HYPEREAL_PASSWORD instead of --password)
  hypereal users list
  hypereal users set-limit --user U --rpm N            per-user requests/minute (--rpm 0 clears it)
  hypereal users set-plan --user U --plan P
  hypereal credits grant --user U --credits N [--note T]   a top-up: N ≥ 200 credits
  hypereal credits grant --org O --credits N [--note T]    the same into an organisation's wallet
  hypereal credits balance --org O                     an organisation's wallet
  hypereal orgs members --org O                        an organisation's members and roles
  hypereal audit verify                                check the audit log's hash chain (exit 1 if broken)
  hypereal credits adjust --user U --credits=±N --note T   any other correction (small or negative), with why
  hypereal credits balance --user U
  hypereal credits ledger --user U [--limit N]
  hypereal keys create --user U [--name N] [--spending-limit CREDITS] [--auto-disable]
                                                       prints the ck_ key once; limit is per calendar month
  hypereal codes create --credits N [--count M] [--note T]   redeemable top-up codes (≥ 200 credits), printed once
  hypereal keys list --user U
  hypereal keys revoke --user U --key ID|PREFIX
  hypereal logs --user U [--limit N]                   recent requests
  hypereal usage rollup [--rebuild]                    bring the usage rollup up to the last closed day now
                                                       (--rebuild: from every raw row, e.g. after importing old logs)
  hypereal gpu-workers create-token --name N           a gwt_ token GPU boxes register with, printed once
  hypereal gpu-workers list-tokens
  hypereal gpu-workers revoke-token --token ID|PREFIX  its workers lose their sessions at once
  hypereal models                                      catalog with prices (chat: USD per 1M tokens;
                                                       image/video/audio/gpu: credits per unit)

  U is a user id or email; O an organisation id or slug. Global: --config FILE (else $HYPEREAL_CONFIG or ./hypereal.yaml);
  DATABASE_URL=postgres://… selects PostgreSQL.`;

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    config: { type: 'string' },
    email: { type: 'string' },
    plan: { type: 'string' },
    user: { type: 'string' },
    org: { type: 'string' },
    rpm: { type: 'string' },
    credits: { type: 'string' },
    note: { type: 'string' },
    name: { type: 'string' },
    key: { type: 'string' },
    token: { type: 'string' },
    limit: { type: 'string' },
    password: { type: 'string' },
    count: { type: 'string' },
    'spending-limit': { type: 'string' },
    'auto-disable': { type: 'boolean' },
    rebuild: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
});

function required(name: keyof typeof values): string {
  const value = values[name];
  if (typeof value !== 'string' || value.length === 0) throw new UsageError(`missing --${name}`);
  return value;
}

function numberOption(name: keyof typeof values, fallback?: number): number {
  const raw = values[name];
  if (raw === undefined && fallback !== undefined) return fallback;
  const value = Number(required(name));
  if (!Number.isFinite(value)) throw new UsageError(`--${name} must be a number`);
  return value;
}

class UsageError extends Error {}

async function requireOrg(db: Database, idOrSlug: string): Promise<Org> {
  const org = await findOrg(db, idOrSlug);
  if (!org) throw new GatewayError('not_found', { message: `No such organisation: ${idOrSlug}` });
  return org;
}

/** The org's owner: ledger rows name a user, and on an operator's grant that is the owner. */
async function ownerOf(db: Database, org: Org): Promise<string> {
  const owner = (await listMembers(db, org.id)).find((member) => member.role === 'owner');
  if (!owner) throw new GatewayError('not_found', { message: `${org.slug} has no owner` });
  return owner.userId;
}

async function withDb<T>(config: GatewayConfig, fn: (db: Database) => Promise<T>): Promise<T> {
  const db = await openDatabase({ databaseUrl: config.database.url, sqlitePath: config.database.sqlitePath });
  try {
    return await fn(db);
  } finally {
    await db.close();
  }
}

/**
 * `hypereal migrate`: the schema step of an upgrade, before (or instead of) the replicas'
 * own migration on start. Forward-only and idempotent, under the same advisory lock.
 */
async function migrateCommand(config: GatewayConfig): Promise<void> {
  const db = await openDatabase({
    databaseUrl: config.database.url,
    sqlitePath: config.database.sqlitePath,
    migrate: false,
  });
  try {
    const before = await appliedVersions(db);
    const count = await migrate(db, {
      onApplied: (migration, ms) =>
        console.log(`applied ${migration.version}: ${migration.name} (${Math.round(ms)} ms)`),
    });
    const after = await appliedVersions(db);
    const known = new Set(migrations.map((migration) => migration.version));
    const unknown = after.filter((version) => !known.has(version));
    const latest = Math.max(0, ...after);
    console.log(
      count === 0
        ? `schema up to date at version ${latest} (${db.engine}); nothing applied`
        : `schema at version ${latest} (${db.engine}): ${count} migration${count === 1 ? '' : 's'} applied, from ${before.length === 0 ? 'an empty database' : `version ${Math.max(...before)}`}`,
    );
    if (unknown.length > 0) {
      console.error(`note: versions ${unknown.join(', ')} were applied by a newer Hypereal than this one`);
    }
  } finally {
    await db.close();
  }
}

/** A key or a limit changed from the CLI: the running replicas drop their key caches now. */
async function tellReplicas(config: GatewayConfig): Promise<void> {
  if (!config.redisUrl) return;
  const { Redis } = await import('ioredis');
  const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1, lazyConnect: true });
  redis.on('error', () => undefined);
  try {
    await redis.connect();
    await publishKeyInvalidation(redis);
  } catch {
    console.error('note: Redis unreachable; replicas see the change within their 1 s fallback');
  } finally {
    redis.disconnect();
  }
}

async function run(): Promise<void> {
  const [command, sub] = positionals;
  if (values.help || !command) {
    console.log(usage);
    return;
  }
  const config = loadConfig({ path: values.config });
  const route = `${command}${sub ? ` ${sub}` : ''}`;
  switch (route) {
    case 'serve': {
      const gateway = await startGateway(config);
      const stop = () => {
        gateway.close().then(
          () => process.exit(0),
          () => process.exit(1),
        );
      };
      process.once('SIGINT', stop);
      process.once('SIGTERM', stop);
      // Before the ready line: what a supervisor (or the bench) reads as idle memory is after it.
      collectBootGarbage();
      console.log(
        `Hypereal gateway on ${gateway.url} (config: ${config.source}, ${config.catalog.size} chat and ${config.catalog.mediaSize} media models)`,
      );
      return;
    }
    case 'migrate':
      await migrateCommand(config);
      return;
    case 'models':
      printTable(
        config.catalog.ids().map((id) => {
          const model = config.catalog.resolve(id)!;
          const usd = (micro: number | undefined) => (micro === undefined ? '' : String(micro / 1e8));
          return {
            model: id,
            dialect: model.dialect,
            route: model.routes.map((r) => `${r.provider.name}/${r.model}`).join(' → '),
            input: usd(model.price.input),
            cached: usd(model.price.cachedInput),
            output: usd(model.price.output),
          };
        }),
      );
      console.log('\nMedia models (credits per unit; 100 credits = $1):');
      printTable(
        mediaKinds
          .flatMap((kind) => config.catalog.mediaIds(kind))
          .map((id) => {
            const model = config.catalog.media(id)!;
            return {
              model: id,
              kind: model.kind,
              route: model.routes.map((r) => `${r.provider.name}/${r.model}`).join(' → '),
              price: describeMediaPrice(model.price),
              modalities: model.modalities.join(', '),
            };
          }),
      );
      return;
  }
  await withDb(config, async (db) => {
    switch (route) {
      case 'users create': {
        const password = values.password ?? process.env['HYPEREAL_PASSWORD'];
        const user = await createUser(db, {
          email: required('email'),
          ...(values.plan ? { plan: values.plan } : {}),
          ...(password ? { password } : {}),
        });
        console.log(`created user ${user.email} (${user.id})`);
        return;
      }
      case 'users list':
        printTable(
          (await listUsers(db)).map((u) => ({
            id: u.id,
            email: u.email,
            plan: u.plan,
            rpm: u.rate_limit_rpm ?? '',
            balance: formatCredits(Number(u.balance_micro)),
          })),
        );
        return;
      case 'users set-limit': {
        const user = await requireUser(db, required('user'));
        const rpm = numberOption('rpm');
        await setUserRateLimit(db, user.id, rpm > 0 ? Math.floor(rpm) : null);
        await tellReplicas(config);
        console.log(
          rpm > 0 ? `${user.email}: ${Math.floor(rpm)} requests/minute` : `${user.email}: plan default`,
        );
        return;
      }
      case 'users set-password': {
        const user = await requireUser(db, required('user'));
        const password = values.password ?? process.env['HYPEREAL_PASSWORD'];
        if (!password) throw new UsageError('missing --password (or $HYPEREAL_PASSWORD)');
        await setPassword(db, user.id, password);
        console.log(`${user.email}: password set`);
        return;
      }
      case 'codes create': {
        const codes = await createRedeemCodes(db, {
          amountMicro: creditsToMicro(numberOption('credits')),
          count: Math.floor(numberOption('count', 1)),
          ...(values.note ? { note: values.note } : {}),
        });
        for (const code of codes) console.log(code);
        console.error(
          `${codes.length} code(s) worth ${values.credits} credits each: hand them out now, they are not shown again`,
        );
        return;
      }
      case 'users set-plan': {
        const user = await requireUser(db, required('user'));
        await setUserPlan(db, user.id, required('plan'));
        await tellReplicas(config);
        console.log(`${user.email}: plan ${values.plan}`);
        return;
      }
      case 'credits grant': {
        if (values.org) {
          const org = await requireOrg(db, values.org);
          const entry = await grantTopUp(
            db,
            await ownerOf(db, org),
            creditsToMicro(numberOption('credits')),
            values.note ?? 'operator grant',
            org.id,
          );
          await recordAudit(db, {
            scope: { orgId: org.id },
            actorId: null,
            action: 'credits.granted',
            targetType: 'ledger_entry',
            targetId: entry.id,
            after: { credits: formatCredits(entry.amount_micro), note: entry.description, via: 'cli' },
          });
          console.log(
            `granted ${formatCredits(entry.amount_micro)} credits to ${org.slug}; balance ${formatCredits(entry.balance_after_micro)}`,
          );
          return;
        }
        const user = await requireUser(db, required('user'));
        const entry = await grantTopUp(
          db,
          user.id,
          creditsToMicro(numberOption('credits')),
          values.note ?? 'operator grant',
        );
        await recordAudit(db, {
          scope: { userId: user.id },
          actorId: null,
          action: 'credits.granted',
          targetType: 'ledger_entry',
          targetId: entry.id,
          after: { credits: formatCredits(entry.amount_micro), note: entry.description, via: 'cli' },
        });
        console.log(
          `granted ${formatCredits(entry.amount_micro)} credits to ${user.email}; balance ${formatCredits(entry.balance_after_micro)}`,
        );
        return;
      }
      case 'credits adjust': {
        const user = await requireUser(db, required('user'));
        const entry = await adjustCredits(
          db,
          user.id,
          creditsToMicro(numberOption('credits')),
          required('note'),
        );
        console.log(
          `adjusted ${user.email} by ${formatCredits(entry.amount_micro)} credits (${entry.description}); balance ${formatCredits(entry.balance_after_micro)}`,
        );
        return;
      }
      case 'credits balance': {
        if (values.org) {
          const org = await requireOrg(db, values.org);
          const balance = await getBalance(db, '', org.id);
          console.log(
            `${org.slug}: balance ${formatCredits(balance.balanceMicro)} credits, held ${formatCredits(balance.heldMicro)}, available ${formatCredits(balance.availableMicro)}`,
          );
          return;
        }
        const user = await requireUser(db, required('user'));
        const balance = await getBalance(db, user.id);
        console.log(
          `${user.email}: balance ${formatCredits(balance.balanceMicro)} credits, held ${formatCredits(balance.heldMicro)}, available ${formatCredits(balance.availableMicro)}`,
        );
        return;
      }
      case 'credits ledger': {
        const user = await requireUser(db, required('user'));
        printTable(
          (await listLedger(db, user.id, numberOption('limit', 50))).map((e) => ({
            at: new Date(Number(e.created_at)).toISOString(),
            kind: e.kind,
            amount: formatCredits(Number(e.amount_micro)),
            balance: formatCredits(Number(e.balance_after_micro)),
            description: e.description,
          })),
        );
        return;
      }
      case 'keys create': {
        const user = await requireUser(db, required('user'));
        const limit = values['spending-limit'];
        const { secret, record } = await createApiKey(db, {
          userId: user.id,
          name: values.name ?? 'default',
          spendingLimitMicro: limit === undefined ? null : creditsToMicro(numberOption('spending-limit')),
          autoDisable: values['auto-disable'] ?? false,
        });
        console.log(secret);
        console.error(
          `key ${record.id} (${record.prefix}…) for ${user.email}: store it now, it is not shown again`,
        );
        return;
      }
      case 'keys list': {
        const user = await requireUser(db, required('user'));
        printTable(
          (await listApiKeys(db, user.id)).map((k) => ({
            id: k.id,
            name: k.name,
            prefix: `${k.prefix}…`,
            created: new Date(Number(k.created_at)).toISOString(),
            last_used: k.last_used_at ? new Date(Number(k.last_used_at)).toISOString() : '',
            limit: k.spending_limit_micro === null ? '' : formatCredits(Number(k.spending_limit_micro)),
            state: keyState(k),
          })),
        );
        return;
      }
      case 'keys revoke': {
        const user = await requireUser(db, required('user'));
        const key = await revokeApiKey(db, user.id, required('key'));
        await tellReplicas(config);
        console.log(`revoked ${key.id} (${key.prefix}…)`);
        return;
      }
      case 'logs': {
        const user = await requireUser(db, required('user'));
        printTable(
          (await listRequestLogs(db, user.id, numberOption('limit', 20))).map((l) => ({
            at: new Date(Number(l.created_at)).toISOString(),
            endpoint: l.endpoint,
            model: l.model ?? '',
            status: l.status,
            ms: l.latency_ms,
            in: l.prompt_tokens,
            out: l.completion_tokens,
            cost: formatCredits(Number(l.cost_micro)),
            error: l.error_code ?? '',
          })),
        );
        return;
      }
      case 'usage rollup': {
        const run = await rollupNow(db, {
          rebuild: values.rebuild === true,
          marginMs: config.usage.rollupMarginMs,
        });
        const day = (value: number | undefined) =>
          value === undefined ? 'none' : new Date(value * 86_400_000).toISOString().slice(0, 10);
        console.log(
          `usage rollup through ${day(run.throughDay)} (was ${day(run.fromDay)}): ${run.owners} owners, ${run.chunks} chunks, ${run.rows} rollup rows written in ${Math.round(run.ms)} ms`,
        );
        return;
      }
      case 'orgs members': {
        const org = await requireOrg(db, required('org'));
        printTable(
          (await listMembers(db, org.id)).map((m) => ({
            user: m.userId,
            email: m.email,
            role: m.role,
            joined: new Date(m.joinedAt).toISOString(),
          })),
        );
        return;
      }
      case 'gpu-workers create-token': {
        const { secret, record } = await createWorkerToken(db, required('name'));
        console.log(secret);
        console.error(
          `worker token ${record.id} (${record.prefix}…) "${record.name}": store it now, it is not shown again.\n` +
            `on the GPU box: hypereal-worker --gateway <gateway URL> --token ${record.prefix}… --serve sdxl`,
        );
        return;
      }
      case 'gpu-workers list-tokens': {
        printTable(
          (await listWorkerTokens(db)).map((token) => ({
            id: token.id,
            name: token.name,
            prefix: `${token.prefix}…`,
            created: new Date(Number(token.created_at)).toISOString(),
            last_used: token.last_used_at ? new Date(Number(token.last_used_at)).toISOString() : '',
            state: token.revoked_at === null ? 'active' : 'revoked',
          })),
        );
        return;
      }
      case 'gpu-workers revoke-token': {
        const token = required('token');
        if (!(await revokeWorkerToken(db, token))) {
          throw new GatewayError('not_found', { message: `No live GPU worker token ${token}` });
        }
        console.log(`revoked ${token}`);
        return;
      }
      case 'audit verify': {
        const report = await verifyAuditChain(db);
        if (report.ok) {
          console.log(`audit log intact: ${report.rows} row(s), hash chain verified`);
          return;
        }
        console.error(
          `audit log BROKEN at row ${report.brokenAt?.seq}: ${report.brokenAt?.reason} (${report.rows} row(s) verified before it)`,
        );
        process.exitCode = 1;
        return;
      }
      default:
        throw new UsageError(`unknown command: ${route}`);
    }
  });
}

run().catch((error: unknown) => {
  if (error instanceof UsageError) console.error(`error: ${error.message}\n\n${usage}`);
  else if (error instanceof ConfigError || error instanceof GatewayError)
    console.error(`error: ${error.message}`);
  else console.error(error);
  process.exit(1);
});

/** `3.9/image (0.5K 4.5, 2K 10.1)`, `2/second (max 600 s)`, `120/clip`… */
function describeMediaPrice(price: MediaPrice): string {
  const { tiers, maxSeconds, perImage, perSecond, perClip, perRequest, perCall } = mediaPriceInCredits(price);
  const perUnit = { image: perImage, second: perSecond, clip: perClip, request: perRequest, call: perCall };
  let text = Object.entries(perUnit)
    .filter(([, credits]) => credits !== undefined)
    .map(([unit, credits]) => `${credits}/${unit}`)
    .join(' + ');
  if (tiers)
    text += ` (${Object.entries(tiers)
      .map(([tier, credits]) => `${tier} ${credits}`)
      .join(', ')})`;
  if (maxSeconds !== undefined) text += ` (max ${maxSeconds} s)`;
  return text;
}
