import type { AuthenticatedKey, Session } from '../accounts/index.ts';

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
