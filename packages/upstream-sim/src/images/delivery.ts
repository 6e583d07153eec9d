import { createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto';
import { type Exchange, headerValue } from '../http/exchange.ts';
import type { SimApi } from '../sim-api.ts';

/**
 * How a vendor's signed result URLs look and fail:
 * - `azure-blob`: Azure Blob Storage SAS URLs (`se` expiry, `sig`), as BFL's `delivery-*.bfl.ai`
 *   and OpenAI's DALL·E `oaidalleapiprodscus.blob.core.windows.net` links are; an expired or
 *   tampered link answers 403 `AuthenticationFailed` in Azure's XML error body.
 *   @see https://learn.microsoft.com/en-us/rest/api/storageservices/create-service-sas
 * - `tos`: Volcengine TOS pre-signed URLs (`X-Tos-Date`, `X-Tos-Expires`, `X-Tos-Signature`), as
 *   Ark/ModelArk image URLs are; expired → 403 `AccessDenied` "Request has expired".
 *   @see https://docs.byteplus.com/en/docs/tos/docs-pre-signed-urls
 * - `oss`: Alibaba Cloud OSS signed URLs (`OSSAccessKeyId`, `Expires` in epoch seconds,
 *   `Signature`), as DashScope and MiniMax video links are; expired → 403 `AccessDenied`
 *   "Request has expired.".
 *   @see https://www.alibabacloud.com/help/en/oss/user-guide/upload-files-using-presigned-urls
 * - `cloudfront`: Amazon CloudFront signed URLs (`Expires`, `Signature`, `Key-Pair-Id`), the CDN
 *   links video vendors such as Vidu hand out; expired or tampered → 403 `AccessDenied`.
 *   @see https://docs.aws.amazon.com/AmazonCloudFront/latest/DeveloperGuide/private-content-creating-signed-url-canned-policy.html
 */
export type DeliveryStyle = 'azure-blob' | 'tos' | 'oss' | 'cloudfront';

const FOLDERS: Record<DeliveryStyle, string> = {
  'azure-blob': 'blob',
  tos: 'tos',
  oss: 'oss',
  cloudfront: 'cf',
};
const SIGNATURE_PARAM: Record<DeliveryStyle, string> = {
  'azure-blob': 'sig',
  tos: 'X-Tos-Signature',
  oss: 'Signature',
  cloudfront: 'Signature',
};

interface Stored {
  bytes: Buffer;
  mimeType: string;
  expiresAt: number;
  style: DeliveryStyle;
}

const PREFIX = '/__delivery/';

interface Refusal {
  status: number;
  code: string;
  message: string;
  detail?: string;
}

/**
 * Generated images served back by the simulator at signed, expiring URLs, as vendors hand out
 * links to their storage. Tests force every link to expire (`expireAll`) to prove a gateway copied
 * the bytes instead of passing the vendor's URL on.
 */
export class DeliveryStore {
  readonly #items = new Map<string, Stored>();
  readonly #secret = randomBytes(32);

  /**
   * Stores `bytes` and returns the absolute URL, on the host the client reached the simulator at
   * (its `Host` header), valid for `ttlMs`.
   */
  publish(
    exchange: Pick<Exchange, 'request'>,
    image: { bytes: Buffer; mimeType: string },
    options: { ttlMs: number; style: DeliveryStyle; name: string },
  ): string {
    const id = randomUUID();
    const expiresAt = Date.now() + options.ttlMs;
    const key = `${FOLDERS[options.style]}/${id}/${options.name}`;
    this.#items.set(key, { ...image, expiresAt, style: options.style });
    const query = styleQuery(options.style, expiresAt, options.ttlMs, image.mimeType);
    query.set(SIGNATURE_PARAM[options.style], this.#sign(key, query));
    return `${baseUrl(exchange)}${PREFIX}${key}?${query.toString()}`;
  }

  /** Makes every link issued so far answer as expired. */
  expireAll(): number {
    for (const item of this.#items.values()) item.expiresAt = 0;
    return this.#items.size;
  }

  clear(): void {
    this.#items.clear();
  }

  /** The `GET /__delivery/…` route, as its own API with a storage service's error bodies. */
  api(): SimApi {
    return {
      routes: [
        {
          method: 'GET',
          path: /^\/__delivery\/(?:blob|tos|oss|cf)\/[^/]+\/[^/]+$/,
          handle: async (exchange) => this.#serve(exchange),
        },
      ],
      claimsPath: (path) => path.startsWith(PREFIX),
      sendError: (exchange, status, message) =>
        sendStorageError(exchange, status, status === 404 ? 'BlobNotFound' : 'InternalError', message),
      reset: () => this.clear(),
    };
  }

  #serve(exchange: Exchange): void {
    const key = exchange.path.slice(PREFIX.length);
    const item = this.#items.get(key);
    const failure = this.#refusal(key, item, exchange.record.query);
    if (failure || !item) {
      const refusal = failure ?? {
        status: 404,
        code: 'BlobNotFound',
        message: 'The specified blob does not exist.',
      };
      sendStorageError(exchange, refusal.status, refusal.code, refusal.message, refusal.detail);
      return;
    }
    exchange.response.writeHead(200, {
      'content-type': item.mimeType,
      'content-length': String(item.bytes.length),
      'cache-control': 'private, max-age=0',
    });
    exchange.response.end(item.bytes);
  }

  /** Why a link is refused, in the storage service's words: unknown, tampered or expired. */
  #refusal(key: string, item: Stored | undefined, rawQuery: string): Refusal | undefined {
    if (!item) {
      return key.startsWith('blob/')
        ? { status: 404, code: 'BlobNotFound', message: 'The specified blob does not exist.' }
        : { status: 404, code: 'NoSuchKey', message: 'The specified key does not exist.' };
    }
    const query = new URLSearchParams(rawQuery.replace(/^\?/, ''));
    const signatureName = SIGNATURE_PARAM[item.style];
    const given = query.get(signatureName) ?? '';
    query.delete(signatureName);
    if (!safeEqual(given, this.#sign(key, query))) return badSignature(item.style);
    if (Date.now() < item.expiresAt) return undefined;
    return expired(item.style, item.expiresAt);
  }

  #sign(key: string, query: URLSearchParams): string {
    const sorted = [...query.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return createHmac('sha256', this.#secret)
      .update(`${key}\n${new URLSearchParams(sorted).toString()}`)
      .digest('base64url');
  }
}

const AZURE_AUTH_FAILED =
  'Server failed to authenticate the request. Make sure the value of Authorization header is formed correctly including the signature.';

function badSignature(style: DeliveryStyle): Refusal {
  switch (style) {
    case 'azure-blob':
      return {
        status: 403,
        code: 'AuthenticationFailed',
        message: AZURE_AUTH_FAILED,
        detail: 'Signature did not match.',
      };
    case 'cloudfront':
      return { status: 403, code: 'AccessDenied', message: 'Access denied' };
    default:
      return {
        status: 403,
        code: 'SignatureDoesNotMatch',
        message: 'The request signature we calculated does not match the signature you provided.',
      };
  }
}

function expired(style: DeliveryStyle, expiresAt: number): Refusal {
  switch (style) {
    case 'azure-blob':
      return {
        status: 403,
        code: 'AuthenticationFailed',
        message: AZURE_AUTH_FAILED,
        detail: `Signed expiry time [${new Date(expiresAt).toUTCString()}] must be after signed start time [${new Date().toUTCString()}]`,
      };
    case 'tos':
      return { status: 403, code: 'AccessDenied', message: 'Request has expired' };
    case 'oss':
      return { status: 403, code: 'AccessDenied', message: 'Request has expired.' };
    case 'cloudfront':
      return { status: 403, code: 'AccessDenied', message: 'Access denied' };
  }
}

function styleQuery(
  style: DeliveryStyle,
  expiresAt: number,
  ttlMs: number,
  mimeType: string,
): URLSearchParams {
  const epochSeconds = String(Math.ceil(expiresAt / 1000));
  switch (style) {
    case 'azure-blob':
      return blobQuery(expiresAt, mimeType);
    case 'tos':
      return tosQuery(ttlMs);
    case 'oss':
      return new URLSearchParams({ OSSAccessKeyId: 'LTAIsimulated', Expires: epochSeconds });
    case 'cloudfront':
      return new URLSearchParams({ Expires: epochSeconds, 'Key-Pair-Id': 'K2SIMULATED' });
  }
}

function blobQuery(expiresAt: number, mimeType: string): URLSearchParams {
  return new URLSearchParams({
    st: new Date(Date.now() - 60_000).toISOString().replace(/\.\d+Z$/, 'Z'),
    se: new Date(expiresAt).toISOString().replace(/\.\d+Z$/, 'Z'),
    sp: 'r',
    sv: '2024-11-04',
    sr: 'b',
    rsct: mimeType,
  });
}

function tosQuery(ttlMs: number): URLSearchParams {
  const date = new Date()
    .toISOString()
    .replace(/[-:]/g, '')
    .replace(/\.\d+Z$/, 'Z');
  return new URLSearchParams({
    'X-Tos-Algorithm': 'TOS4-HMAC-SHA256',
    'X-Tos-Credential': `AKLTsimulated/${date.slice(0, 8)}/ap-southeast-1/tos/request`,
    'X-Tos-Date': date,
    'X-Tos-Expires': String(Math.max(1, Math.round(ttlMs / 1000))),
    'X-Tos-SignedHeaders': 'host',
  });
}

/** `http://<Host header>`, the address the client used to reach the simulator. */
export function baseUrl(exchange: Pick<Exchange, 'request'>): string {
  const host = headerValue(exchange.request, 'host') ?? '127.0.0.1';
  return `http://${host}`;
}

function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

/** Azure's and TOS's (S3-style) XML error body. */
function sendStorageError(
  exchange: Exchange,
  status: number,
  code: string,
  message = 'The server encountered an internal error.',
  detail?: string,
): void {
  const xml =
    '<?xml version="1.0" encoding="utf-8"?>' +
    `<Error><Code>${code}</Code><Message>${escapeXml(message)}\nRequestId:${exchange.requestId}\nTime:${new Date().toISOString()}</Message>` +
    (detail ? `<AuthenticationErrorDetail>${escapeXml(detail)}</AuthenticationErrorDetail>` : '') +
    '</Error>';
  exchange.response.writeHead(status, {
    'content-type': 'application/xml',
    'content-length': String(Buffer.byteLength(xml)),
  });
  exchange.response.end(xml);
}

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
