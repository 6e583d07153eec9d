import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { GatewayError } from '../errors/index.ts';
import { requestLogRow } from '../metering/log-row.ts';
import { insertRequestLog } from '../usage/index.ts';
import { callContext } from './request-state.ts';
import { routeDialect } from './route-dialect.ts';
import type { Services } from './services.ts';

/** Fastify's own failures (body limits, parsing) in our catalogue's terms. */
function fromFastify(error: FastifyError): GatewayError {
  if (error.code === 'FST_ERR_CTP_BODY_TOO_LARGE')
    return new GatewayError('payload_too_large', { cause: error });
  if (error.code === 'FST_ERR_CTP_EMPTY_JSON_BODY' || error.code === 'FST_ERR_CTP_INVALID_JSON_BODY') {
    return new GatewayError('invalid_json', { cause: error });
  }
  if (typeof error.statusCode === 'number' && error.statusCode >= 400 && error.statusCode < 500) {
    return new GatewayError('invalid_request', { message: error.message, cause: error });
  }
  return new GatewayError('internal_error', { cause: error });
}

/**
 * The one error handler: renders the envelope (no stack traces, ever) and logs the
 * call when no charge path has logged it yet.
 */
export function errorHandler(services: Services) {
  return async (error: unknown, request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const failure = error instanceof GatewayError ? error : fromFastify(error as FastifyError);
    if (failure.status >= 500) request.log.error({ err: error }, 'request failed');
    const state = request.hypereal;
    // A caller without a valid key is counted in the metrics, never written to the request
    // log: rows no user owns, with whatever path was sent, would grow without bound.
    if (state && !state.logged && state.principal && state.endpoint.startsWith('/v1')) {
      state.logged = true;
      await insertRequestLog(
        services.db,
        requestLogRow(
          callContext(state, state.principal),
          {
            model: state.model,
            status: failure.status,
            errorCode: failure.code,
            errorMessage: failure.message,
          },
          null,
          0,
        ),
      ).catch((logError: unknown) => request.log.error({ err: logError }, 'request log write failed'));
    }
    if (reply.sent || reply.raw.headersSent) return;
    renderedError(services, request, reply, failure);
  };
}

/** Sends `failure` in the envelope of the dialect the route (or, unrouted, the path) speaks. */
export function renderedError(
  services: Services,
  request: FastifyRequest,
  reply: FastifyReply,
  failure: GatewayError,
): void {
  const { status, body } = services.dialects[routeDialect(request)].renderError(failure);
  reply
    .code(status)
    .headers(failure.headers)
    .header('x-request-id', request.id)
    .header('content-type', 'application/json')
    .send(body);
}
