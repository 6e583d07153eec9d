import type { AuthenticatedKey, Session } from '../accounts/index.ts';
import type { CallContext } from '../metering/log-row.ts';

/** The little a request carries between hooks: who called, and whether it is already logged. */
export interface RequestState {
  requestId: string;
  startedAt: number;
  endpoint: string;
  principal: AuthenticatedKey | null;
  /** The signed-in dashboard user (account API only). */
  session: Session | null;
  model: string | null;
  /** Set once a hold exists: from then on the charge path writes the log row. */
  logged: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    hypereal: RequestState;
  }
}

/** The request's part of its log row: who called (if anyone authenticated) and when. */
export function callContext(
  state: RequestState,
  principal: Pick<AuthenticatedKey, 'userId' | 'keyId' | 'orgId'> | null,
): CallContext {
  return {
    requestId: state.requestId,
    userId: principal?.userId ?? null,
    keyId: principal?.keyId ?? null,
    orgId: principal?.orgId ?? null,
    endpoint: state.endpoint,
    startedAt: state.startedAt,
  };
}
