import { Readable } from 'node:stream';
import type { FastifyContextConfig, FastifyInstance, FastifyRequest } from 'fastify';
import * as z from 'zod';
import { microToCredits } from '../../billing/index.ts';
import {
  costByModel,
  dailyCost,
  streamUsageLogs,
  topExpensive,
  type UsageFilter,
  type UsageLogRow,
  usageCount,
  usageLogs,
} from '../../usage/analytics.ts';
import { csvRow, usageCsvHeader, usageCsvLine } from '../../usage/csv.ts';
import { readRolledThroughDay } from '../../usage/rollup-build.ts';
import type { Services } from '../services.ts';
import { validate } from '../validate-body.ts';

const filterQuery = z.object({
  days: z.coerce.number().int().min(1).max(365).default(30),
  endpoint: z.string().max(200).optional(),
  model: z.string().max(200).optional(),
  status: z
    .string()
    .regex(/^([1-5]xx|[1-5]\d\d)$/i, 'expected a status code such as 429, or a class such as 4xx')
    .optional(),
  keyId: z.string().max(64).optional(),
  q: z.string().max(200).optional(),
});
const pageQuery = filterQuery.extend({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
});

/** Whose calls: the user's personal ones, or an org's (optionally one member's). */
export type UsageScope = Pick<UsageFilter, 'userId' | 'orgId'>;

function filterOf(scope: UsageScope, query: z.infer<typeof filterQuery>): UsageFilter {
  const now = Date.now();
  return {
    ...scope,
    sinceMs: now - query.days * 86_400_000,
    endpoint: query.endpoint || undefined,
    model: query.model || undefined,
    status: query.status || undefined,
    keyId: query.keyId || undefined,
    q: query.q?.trim() || undefined,
  };
}

const logView = (row: UsageLogRow) => ({
  id: row.id,
  createdAt: Number(row.created_at),
  endpoint: row.endpoint,
  model: row.model,
  provider: row.provider,
  status: Number(row.status),
  stream: Boolean(Number(row.stream)),
  latencyMs: Number(row.latency_ms),
  promptTokens: Number(row.prompt_tokens),
  completionTokens: Number(row.completion_tokens),
  cachedTokens: Number(row.cached_tokens),
  reasoningTokens: Number(row.reasoning_tokens),
  images: Number(row.image_count ?? 0),
  imageTier: row.image_tier ?? null,
  cost: microToCredits(Number(row.cost_micro)),
  keyId: row.key_id,
  keyName: row.key_name,
  errorMessage: row.error_message,
});

/** The signed-in user's request log: analytics JSON and a streamed CSV export. */
export function registerUsageRoutes(app: FastifyInstance, services: Services): void {
  registerUsageEndpoints(app, services, {
    path: '/api/api-usage',
    scopeOf: (request) => ({ userId: request.hypereal.session!.userId }),
  });
}

/** The analytics and CSV routes at `path` and `path/export`, over the calls `scopeOf` picks. */
export function registerUsageEndpoints(
  app: FastifyInstance,
  services: Services,
  options: {
    path: string;
    scopeOf: (request: FastifyRequest) => UsageScope;
    config?: FastifyContextConfig;
    filename?: (request: FastifyRequest) => string;
  },
): void {
  const { db } = services;
  const config = options.config ?? {};
  app.get(options.path, { config }, async (request) => {
    const query = validate(pageQuery, request.query);
    const filter = filterOf(options.scopeOf(request), query);
    // The totals read the rollup's closed days and the raw rows for the rest (usage/usage-filter.ts).
    const rolledThroughDay = await readRolledThroughDay(db);
    const [logs, total, byModel, top, daily] = await Promise.all([
      usageLogs(db, filter, { limit: query.limit, offset: query.offset }),
      usageCount(db, filter, rolledThroughDay),
      costByModel(db, filter, rolledThroughDay),
      topExpensive(db, filter, 10),
      dailyCost(db, filter, Date.now(), rolledThroughDay),
    ]);
    return {
      logs: logs.map(logView),
      total,
      limit: query.limit,
      offset: query.offset,
      costByModel: byModel.map((entry) => ({
        model: entry.model,
        cost: microToCredits(entry.costMicro),
        requests: entry.requests,
      })),
      topExpensiveRequests: top.map(logView),
      dailyCost: daily.map((day) => ({
        date: day.date,
        cost: microToCredits(day.costMicro),
        requests: day.requests,
      })),
    };
  });

  app.get(`${options.path}/export`, { config }, async (request, reply) => {
    const filter = filterOf(options.scopeOf(request), validate(filterQuery, request.query));
    const filename = `${options.filename?.(request) ?? 'hypereal-usage'}-${new Date().toISOString().slice(0, 10)}.csv`;
    async function* lines() {
      yield `\uFEFF${csvRow(usageCsvHeader)}`;
      for await (const row of streamUsageLogs(db, filter)) yield usageCsvLine(row);
    }
    reply
      .header('content-type', 'text/csv; charset=utf-8')
      .header('content-disposition', `attachment; filename="${filename}"`)
      .header('cache-control', 'no-store');
    return reply.send(Readable.from(lines()));
  });
}
