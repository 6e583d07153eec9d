import type { FastifyRequest } from 'fastify';
import { type AuditEntry, type AuditInput, recordAudit } from '../audit/index.ts';
import type { Services } from './services.ts';

/** What a request adds to its audit row: who (the session's user), from where, with what. */
export function auditContext(request: FastifyRequest): Pick<AuditInput, 'actorId' | 'ip' | 'userAgent'> {
  return {
    actorId: request.hypereal.session?.userId ?? null,
    ip: request.ip,
    userAgent: request.headers['user-agent'] ?? null,
  };
}

/** Records an administrative action taken by this request (`recordAudit` with the request's context). */
export function auditRequest(
  services: Pick<Services, 'db'>,
  request: FastifyRequest,
  input: Omit<AuditInput, 'actorId' | 'ip' | 'userAgent'>,
): Promise<AuditEntry> {
  return recordAudit(services.db, { ...auditContext(request), ...input });
}
