import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import {
  type ApiKeyChanges,
  type ApiKeyRecord,
  createApiKey,
  keyState,
  listApiKeys,
  monthOf,
  requireApiKey,
  revokeApiKey,
  updateApiKey,
} from '../../accounts/index.ts';
import { creditsToMicro, microToCredits } from '../../billing/index.ts';
import { keysMonthSpend } from '../../billing/key-budget.ts';
import { checkPublicUrl } from '../../net/safe-fetch.ts';
import { auditRequest } from '../audit-context.ts';
import type { Services } from '../services.ts';
import { validateBody } from '../validate-body.ts';

/** Credits per calendar month; 50 000 = $500 (docs/api-contract.md §11). */
const spendingLimit = z.number().positive().max(1e9).nullable();
export const createKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    spendingLimit: spendingLimit.optional(),
    autoDisable: z.boolean().optional(),
  })
  .strict();
export const updateKeySchema = z
  .object({
    name: z.string().trim().min(1).max(100).optional(),
    spendingLimit: spendingLimit.optional(),
    autoDisable: z.boolean().optional(),
    disabled: z.boolean().optional(),
    /** Where this key's jobs report their end (signed webhooks); null removes it. */
    webhookUrl: z.url().max(2000).nullable().optional(),
  })
  .strict();

export const toMicro = (limit: number | null | undefined) =>
  limit === undefined ? undefined : limit === null ? null : creditsToMicro(limit);

export function keyView(key: ApiKeyRecord, spentMicro: number) {
  return {
    id: key.id,
    name: key.name,
    prefix: key.prefix,
    createdAt: Number(key.created_at),
    lastUsedAt: key.last_used_at === null ? null : Number(key.last_used_at),
    expiresAt: key.expires_at === null ? null : Number(key.expires_at),
    spendingLimit:
      key.spending_limit_micro === null ? null : microToCredits(Number(key.spending_limit_micro)),
    autoDisable: Boolean(key.auto_disable),
    monthToDateSpend: microToCredits(spentMicro),
    state: keyState(key),
  };
}

/** What the audit log keeps of a key: its settings, never its secret or hash. */
export const auditedKey = (key: ApiKeyRecord) => ({
  name: key.name,
  prefix: key.prefix,
  spendingLimit: key.spending_limit_micro === null ? null : microToCredits(Number(key.spending_limit_micro)),
  autoDisable: Boolean(key.auto_disable),
  state: keyState(key),
});

/** /api/api-keys: the signed-in user's keys only; anyone else's key id is a 404. */
export function registerKeyRoutes(app: FastifyInstance, services: Services): void {
  const { db, keys } = services;
  const userOf = (request: FastifyRequest) => request.hypereal.session!.userId;
  const keyParam = (request: FastifyRequest) => (request.params as { id: string }).id;
  const view = async (key: ApiKeyRecord) => {
    const spent = await keysMonthSpend(db, [key.id], monthOf(Date.now()));
    const hook = await db.get<{ webhook_url: string | null }>(
      'SELECT webhook_url FROM api_keys WHERE id = ?',
      [key.id],
    );
    return { ...keyView(key, spent.get(key.id) ?? 0), webhookUrl: hook?.webhook_url ?? null };
  };
  const changed = async (key: ApiKeyRecord) => {
    keys.invalidate({ keyId: key.id });
    return view(key);
  };
  /** A change to a key, recorded in the user's own audit trail with the key before and after. */
  const audited = async (request: FastifyRequest, action: string, change: () => Promise<ApiKeyRecord>) => {
    const before = await requireApiKey(db, userOf(request), keyParam(request));
    const after = await change();
    await auditRequest(services, request, {
      scope: { userId: userOf(request) },
      action,
      targetType: 'api_key',
      targetId: after.id,
      before: auditedKey(before),
      after: auditedKey(after),
    });
    return changed(after);
  };

  app.get('/api/api-keys', async (request) => {
    const list = await listApiKeys(db, userOf(request));
    const spent = await keysMonthSpend(
      db,
      list.map((key) => key.id),
      monthOf(Date.now()),
    );
    return { data: list.map((key) => keyView(key, spent.get(key.id) ?? 0)) };
  });
  app.post('/api/api-keys', async (request, reply) => {
    const input = validateBody(createKeySchema, request);
    const { secret, record } = await createApiKey(db, {
      userId: userOf(request),
      name: input.name,
      spendingLimitMicro: toMicro(input.spendingLimit) ?? null,
      autoDisable: input.autoDisable ?? false,
    });
    await auditRequest(services, request, {
      scope: { userId: userOf(request) },
      action: 'key.created',
      targetType: 'api_key',
      targetId: record.id,
      after: auditedKey(record),
    });
    reply.code(201).header('cache-control', 'no-store');
    return { ...keyView(record, 0), key: secret };
  });
  app.get('/api/api-keys/:id', async (request) =>
    view(await requireApiKey(db, userOf(request), keyParam(request))),
  );
  app.patch('/api/api-keys/:id', async (request) => {
    const input = validateBody(updateKeySchema, request);
    const changes: ApiKeyChanges = {};
    if (input.name !== undefined) changes.name = input.name;
    if (input.spendingLimit !== undefined) changes.spendingLimitMicro = toMicro(input.spendingLimit)!;
    if (input.autoDisable !== undefined) changes.autoDisable = input.autoDisable;
    if (input.disabled !== undefined) changes.disabled = input.disabled;
    return audited(request, 'key.updated', async () => {
      if (input.webhookUrl !== undefined) {
        const key = await requireApiKey(db, userOf(request), keyParam(request));
        await setKeyWebhook(services, key.id, input.webhookUrl);
        if (Object.keys(changes).length === 0) return requireApiKey(db, userOf(request), keyParam(request));
      }
      return updateApiKey(db, userOf(request), keyParam(request), changes);
    });
  });
  app.delete('/api/api-keys/:id', async (request) =>
    audited(request, 'key.revoked', () => revokeApiKey(db, userOf(request), keyParam(request))),
  );
  app.post('/api/api-keys/:id/enable', async (request) =>
    audited(request, 'key.updated', () =>
      updateApiKey(db, userOf(request), keyParam(request), { disabled: false }),
    ),
  );
}

/** Sets (or clears, with null) the URL a key's job webhooks go to, SSRF-checked on save. */
export async function setKeyWebhook(services: Services, keyId: string, url: string | null): Promise<void> {
  if (url !== null)
    await checkPublicUrl(url, { param: 'webhookUrl', allowPrivate: services.config.network.allowPrivate });
  await services.db.run('UPDATE api_keys SET webhook_url = ? WHERE id = ?', [url, keyId]);
}
