import type { Exchange } from '../http/exchange.ts';
import { sendJson } from '../http/send.ts';

/**
 * Ark / ModelArk error envelope: `{"error": {code, message, param, type}}`, the message ending
 * with `Request id: <id>`, the same id in the `x-request-id` header.
 * @see https://docs.byteplus.com/en/docs/ModelArk/1299023
 * @see https://github.com/volcengine/volcengine-python-sdk/blob/master/volcenginesdkarkruntime/_exceptions.py
 */
export interface ArkError {
  code: string;
  message: string;
  param?: string;
  type?: string;
}

const STATUS_ERRORS: Record<number, { code: string; type: string; message: string }> = {
  400: { code: 'InvalidParameter', type: 'BadRequest', message: 'The request failed because it is invalid.' },
  401: {
    code: 'AuthenticationError',
    type: 'Unauthorized',
    message: 'The API key or AK/SK in the request is missing or invalid.',
  },
  403: {
    code: 'AccessDenied',
    type: 'Forbidden',
    message: 'The request failed because you do not have access to the requested resource.',
  },
  404: {
    code: 'InvalidEndpointOrModel.NotFound',
    type: 'NotFound',
    message: 'The model or endpoint does not exist or you do not have access to it.',
  },
  429: {
    code: 'RateLimitExceeded.EndpointIPMExceeded',
    type: 'TooManyRequests',
    message:
      'The request has exceeded the images per minute (IPM) limit of the endpoint. Please try again later.',
  },
  500: {
    code: 'InternalServiceError',
    type: 'InternalServerError',
    message: 'The service encountered an unexpected internal error.',
  },
  503: {
    code: 'ServiceUnavailable',
    type: 'ServiceUnavailable',
    message: 'The service is temporarily unavailable. Please try again later.',
  },
};

/** A request id in Ark's style: `021` + milliseconds + hex. */
export function arkRequestId(): string {
  const hex = Array.from({ length: 24 }, () => Math.floor(Math.random() * 16).toString(16)).join('');
  return `021${Date.now()}${hex}`;
}

export function sendArkError(exchange: Exchange, status: number, error?: Partial<ArkError>): void {
  const known = STATUS_ERRORS[status];
  const requestId = arkRequestId();
  const message = error?.message ?? known?.message ?? `The request failed with status ${status}.`;
  sendJson(
    exchange.response,
    status,
    {
      error: {
        code: error?.code ?? known?.code ?? (status >= 500 ? 'InternalServiceError' : 'InvalidParameter'),
        message: `${message} Request id: ${requestId}`,
        param: error?.param ?? '',
        type: error?.type ?? known?.type ?? (status >= 500 ? 'InternalServerError' : 'BadRequest'),
      },
    },
    { 'x-request-id': requestId },
  );
}
