export { type ErrorCode, errorCodes } from './codes.ts';
export { GatewayError, type GatewayErrorOptions, UpstreamError } from './gateway-error.ts';
