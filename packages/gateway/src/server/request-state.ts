import type { AuthenticatedKey } from '../accounts/index.ts';

/** The little a request carries between hooks: who called, and whether it is already logged. */
export interface RequestState {
  requestId: string;
  startedAt: number;
  endpoint: string;
  principal: AuthenticatedKey | null;
  model: string | null;
  /** Set once a hold exists: from then on the charge path writes the log row. */
  logged: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    hypereal: RequestState;
  }
}
