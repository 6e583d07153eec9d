import { createHmac, timingSafeEqual } from 'node:crypto';
import { isRecord } from '../json.ts';

/** Why a Kling API token is refused, with Kling's service code. */
export type JwtRefusal =
  | { code: 1001; message: 'Authorization is empty' }
  | { code: 1002; message: 'Authorization is invalid' }
  | { code: 1000; message: 'Authentication failed' }
  | { code: 1003; message: 'Authorization is not yet valid' }
  | { code: 1004; message: 'Authorization has expired' };

/**
 * Checks a Kling API token: a JWT (RFC 7519) signed HS256 with the secret key, `iss` = the access
 * key, `exp` and `nbf` in seconds. A missing token → 1001, one that is not a JWT → 1002, an unknown
 * access key or a bad signature → 1000, `nbf` in the future → 1003, `exp` past → 1004. Returns
 * the access key or the refusal.
 * @see https://app.klingai.com/global/dev/document-api
 */
export function verifyKlingToken(
  token: string,
  secretFor: (accessKey: string) => string | undefined,
  nowSeconds = Math.floor(Date.now() / 1000),
): { accessKey: string } | { refusal: JwtRefusal } {
  if (token === '') return { refusal: { code: 1001, message: 'Authorization is empty' } };
  const parts = token.split('.');
  const invalid = { refusal: { code: 1002, message: 'Authorization is invalid' } } as const;
  if (parts.length !== 3) return invalid;
  const [headerPart = '', payloadPart = '', signaturePart = ''] = parts;
  const header = decodeJson(headerPart);
  const payload = decodeJson(payloadPart);
  if (!isRecord(header) || !isRecord(payload) || header['alg'] !== 'HS256') return invalid;
  const accessKey = payload['iss'];
  if (typeof accessKey !== 'string') return invalid;
  const secret = secretFor(accessKey);
  const failed = { refusal: { code: 1000, message: 'Authentication failed' } } as const;
  if (secret === undefined) return failed;
  const expected = createHmac('sha256', secret).update(`${headerPart}.${payloadPart}`).digest();
  const given = Buffer.from(signaturePart, 'base64url');
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return failed;
  const nbf = payload['nbf'];
  const exp = payload['exp'];
  if (typeof nbf === 'number' && nbf > nowSeconds) {
    return { refusal: { code: 1003, message: 'Authorization is not yet valid' } };
  }
  if (typeof exp !== 'number' || exp <= nowSeconds) {
    return { refusal: { code: 1004, message: 'Authorization has expired' } };
  }
  return { accessKey };
}

/** Signs a Kling API token the way Kling's sample code does (30 minutes, valid from 5 s ago). */
export function signKlingToken(
  accessKey: string,
  secretKey: string,
  claims: { exp?: number; nbf?: number } = {},
): string {
  const now = Math.floor(Date.now() / 1000);
  const header = Buffer.from(JSON.stringify({ alg: 'HS256', typ: 'JWT' })).toString('base64url');
  const payload = Buffer.from(
    JSON.stringify({ iss: accessKey, exp: claims.exp ?? now + 1800, nbf: claims.nbf ?? now - 5 }),
  ).toString('base64url');
  const signature = createHmac('sha256', secretKey).update(`${header}.${payload}`).digest('base64url');
  return `${header}.${payload}.${signature}`;
}

function decodeJson(part: string): unknown {
  try {
    return JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
}
