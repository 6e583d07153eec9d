import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { type AuditEntry, type AuditScope, auditCsv, listAudit } from '../../audit/index.ts';
import type { Services } from '../services.ts';
import { validate } from '../validate-body.ts';

const filterQuery = z.object({
  action: z.string().max(100).optional(),
  actor: z.string().max(64).optional(),
  days: z.coerce.number().int().min(1).max(3650).optional(),
  before: z.coerce.number().int().min(1).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
});

const view = (entry: AuditEntry) => ({
  seq: entry.seq,
  id: entry.id,
  createdAt: entry.createdAt,
  actorId: entry.actorId,
  actorEmail: entry.actorEmail,
  action: entry.action,
  targetType: entry.targetType,
  targetId: entry.targetId,
  before: entry.before,
  after: entry.after,
  ip: entry.ip,
  userAgent: entry.userAgent,
  hash: entry.hash,
});

/** The audit trail of `scopeOf` at `path` (newest first, paged by `before`) and `path/export` (CSV). */
export function registerAuditEndpoints(
  app: FastifyInstance,
  services: Services,
  options: {
    path: string;
    scopeOf: (request: FastifyRequest) => AuditScope;
    config?: FastifyContextConfig;
    filename: (request: FastifyRequest) => string;
  },
): void {
  const { db } = services;
  const config = options.config ?? {};
  const filterOf = (request: FastifyRequest, query: z.infer<typeof filterQuery>) => ({
    scope: options.scopeOf(request),
    action: query.action || undefined,
    actorId: query.actor || undefined,
    sinceMs: query.days ? Date.now() - query.days * 86_400_000 : undefined,
    beforeSeq: query.before,
  });
  app.get(options.path, { config }, async (request) => {
    const query = validate(filterQuery, request.query);
    const rows = await listAudit(db, { ...filterOf(request, query), limit: query.limit + 1 });
    const page = rows.slice(0, query.limit);
    return {
      data: page.map(view),
      nextBefore: rows.length > query.limit ? page[page.length - 1]!.seq : null,
    };
  });
  app.get(`${options.path}/export`, { config }, async (request, reply) => {
    const query = validate(filterQuery, request.query);
    const rows = await listAudit(db, { ...filterOf(request, query), limit: 10_000 });
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header(
        'content-disposition',
        `attachment; filename="${options.filename(request)}-${new Date().toISOString().slice(0, 10)}.csv"`,
      )
      .header('cache-control', 'no-store');
    return `\uFEFF${auditCsv(rows)}`;
  });
}

/** The signed-in user's personal trail: their own keys, credits and account actions. */
export function registerPersonalAuditRoutes(app: FastifyInstance, services: Services): void {
  registerAuditEndpoints(app, services, {
    path: '/api/audit',
    scopeOf: (request) => ({ userId: request.hypereal.session!.userId }),
    filename: () => 'hypereal-audit',
  });
}
