import type { FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import {
  createApiKey,
  createUser,
  listApiKeys,
  requireUser,
  revokeApiKey,
  setPassword,
  setUserRateLimit,
} from '../../accounts/index.ts';
import { recordAudit } from '../../audit/index.ts';
import { adjustCredits, creditsToMicro, formatCredits, getBalance, grantTopUp } from '../../billing/index.ts';
import { createRedeemCodes } from '../../billing/redeem-codes.ts';
import { GatewayError } from '../../errors/index.ts';
import { sameSecret } from '../same-secret.ts';
import type { Services } from '../services.ts';
import { validateBody } from '../validate-body.ts';
import { registerGpuWorkerTokenRoutes } from './gpu-workers.ts';

const createUserSchema = z
  .object({ email: z.string().min(3), plan: z.string().min(1).optional(), password: z.string().optional() })
  .strict();
const passwordSchema = z.object({ password: z.string() }).strict();
const codesSchema = z
  .object({
    credits: z.number().positive(),
    count: z.number().int().min(1).max(1000).default(1),
    note: z.string().max(200).optional(),
    expiresAt: z.number().int().positive().nullable().optional(),
  })
  .strict();
/**
 * A `grant` is a top-up (≥ 200 credits); an `adjustment` is any other correction, small
 * or negative, and needs a note (billing/operator-credits.ts).
 */
const grantSchema = z
  .object({
    credits: z.number().refine((value) => value !== 0, 'must not be 0'),
    note: z.string().max(500).optional(),
    kind: z.enum(['grant', 'adjustment']).default('grant'),
  })
  .strict();
const createKeySchema = z
  .object({
    name: z.string().min(1).max(100).default('default'),
    spendingLimit: z.number().positive().nullable().optional(),
    autoDisable: z.boolean().optional(),
  })
  .strict();
const rateLimitSchema = z.object({ rpm: z.number().int().positive().nullable() }).strict();

/**
 * Operator API (`Authorization: Bearer $HYPEREAL_ADMIN_TOKEN`): users, credits, keys.
 * Without a configured token the routes do not exist (404). Revoking here evicts the
 * key cache, so the key stops working on this replica at once.
 */
export function registerAdminRoutes(
  app: FastifyInstance,
  services: Services,
  adminToken: string | undefined,
): void {
  if (!adminToken) return;
  app.register(async (admin) => {
    admin.addHook('onRequest', async (request) => {
      const match = /^Bearer\s+(.+)$/i.exec(request.headers.authorization ?? '');
      if (!sameSecret(match?.[1]?.trim(), adminToken)) {
        throw new GatewayError('invalid_api_key', {
          message: 'Admin routes need Authorization: Bearer <admin token>.',
        });
      }
    });
    const { db, keys } = services;
    const userView = async (idOrEmail: string) => {
      const user = await requireUser(db, idOrEmail);
      const balance = await getBalance(db, user.id);
      return {
        id: user.id,
        email: user.email,
        plan: user.plan,
        rateLimitRpm: user.rate_limit_rpm,
        balanceCredits: formatCredits(balance.balanceMicro),
        availableCredits: formatCredits(balance.availableMicro),
      };
    };
    const userParam = (request: FastifyRequest) =>
      // Fastify has already decoded the path parameter; decoding twice breaks on `%25`.
      (request.params as { user: string }).user;

    admin.post('/admin/users', async (request, reply) => {
      const input = validateBody(createUserSchema, request);
      const user = await createUser(db, {
        email: input.email,
        ...(input.plan ? { plan: input.plan } : {}),
        ...(input.password !== undefined ? { password: input.password } : {}),
      });
      reply.code(201);
      return userView(user.id);
    });
    admin.get('/admin/users/:user', async (request) => userView(userParam(request)));
    admin.post('/admin/users/:user/credits', async (request) => {
      const input = validateBody(grantSchema, request);
      const user = await requireUser(db, userParam(request));
      const amountMicro = creditsToMicro(input.credits);
      const entry =
        input.kind === 'adjustment'
          ? await adjustCredits(db, user.id, amountMicro, input.note ?? '')
          : await grantTopUp(db, user.id, amountMicro, input.note ?? 'operator grant (admin API)');
      await recordAudit(db, {
        scope: { userId: user.id },
        actorId: null,
        action: entry.kind === 'adjustment' ? 'credits.adjusted' : 'credits.granted',
        targetType: 'ledger_entry',
        targetId: entry.id,
        after: { credits: formatCredits(entry.amount_micro), note: entry.description, via: 'admin-api' },
        ip: request.ip,
        userAgent: request.headers['user-agent'] ?? null,
      });
      return {
        ledgerEntryId: entry.id,
        kind: entry.kind,
        balanceCredits: formatCredits(entry.balance_after_micro),
      };
    });
    admin.put('/admin/users/:user/password', async (request, reply) => {
      const input = validateBody(passwordSchema, request);
      const user = await requireUser(db, userParam(request));
      await setPassword(db, user.id, input.password);
      reply.code(204).send();
    });
    admin.post('/admin/redeem-codes', async (request, reply) => {
      const input = validateBody(codesSchema, request);
      const codes = await createRedeemCodes(db, {
        amountMicro: creditsToMicro(input.credits),
        count: input.count,
        ...(input.note ? { note: input.note } : {}),
        expiresAt: input.expiresAt ?? null,
      });
      reply.code(201).header('cache-control', 'no-store');
      return { credits: input.credits, codes };
    });
    admin.put('/admin/users/:user/rate-limit', async (request) => {
      const input = validateBody(rateLimitSchema, request);
      const user = await requireUser(db, userParam(request));
      await setUserRateLimit(db, user.id, input.rpm);
      keys.invalidate({ userId: user.id });
      return userView(user.id);
    });
    admin.post('/admin/users/:user/keys', async (request, reply) => {
      const input = validateBody(createKeySchema, request);
      const user = await requireUser(db, userParam(request));
      const { secret, record } = await createApiKey(db, {
        userId: user.id,
        name: input.name,
        spendingLimitMicro: input.spendingLimit ? creditsToMicro(input.spendingLimit) : null,
        autoDisable: input.autoDisable ?? false,
      });
      reply.code(201);
      return { id: record.id, name: record.name, prefix: record.prefix, key: secret };
    });
    admin.get('/admin/users/:user/keys', async (request) => {
      const user = await requireUser(db, userParam(request));
      return {
        data: (await listApiKeys(db, user.id)).map((key) => ({
          id: key.id,
          name: key.name,
          prefix: key.prefix,
          createdAt: Number(key.created_at),
          lastUsedAt: key.last_used_at === null ? null : Number(key.last_used_at),
          revoked: key.revoked_at !== null,
        })),
      };
    });
    admin.delete('/admin/users/:user/keys/:key', async (request) => {
      const user = await requireUser(db, userParam(request));
      const key = await revokeApiKey(db, user.id, (request.params as { key: string }).key);
      keys.invalidate({ keyId: key.id });
      return { id: key.id, revoked: true };
    });
    registerGpuWorkerTokenRoutes(admin, services);
  });
}
