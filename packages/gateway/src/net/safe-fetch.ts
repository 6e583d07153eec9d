import { lookup as systemLookup } from 'node:dns/promises';
import { isIP, type LookupFunction } from 'node:net';
import { Agent, request } from 'undici';
import { GatewayError } from '../errors/index.ts';
import { checkAddress, PrivateAllowlist } from './address-policy.ts';
import { type SniffedType, sniffBytes, sniffMediaType } from './sniff-media.ts';

/**
 * Fetches a URL a user gave us (reference image, reference audio, webhook target)
 * without letting it reach the gateway's own network (SSRF):
 * - `https:` only, on port 443; `http:` and other ports only for hosts the operator
 *   allowlisted (`network.allowPrivate`); no user:password@ in the URL;
 * - the host is resolved here, every address is checked (address-policy.ts), and the
 *   socket connects to exactly those checked addresses (a pinned `lookup`), so a DNS
 *   answer that changes between check and connect (rebinding) is never used;
 * - redirects are followed by hand, at most 5, each hop checked like the first;
 * - the body is capped while it streams, the whole fetch has one deadline, and the
 *   type is sniffed from the bytes and must be one the caller accepts.
 * Every refusal is a 400 `invalid_request` whose `param` is the caller's field.
 */

export type ResolvedAddress = { address: string; family: 4 | 6 };
export type Resolver = (hostname: string) => Promise<ResolvedAddress[]>;

export interface SafeFetchOptions {
  /** The request field the URL came from (`image_url`…): errors name it. */
  param: string;
  maxBytes: number;
  /** For the whole fetch: DNS, every redirect, the body. */
  timeoutMs: number;
  allowedContentTypes: readonly SniffedType[];
  /** Hosts or CIDRs that may be fetched although private, and over http (`network.allowPrivate`). */
  allowPrivate?: readonly string[];
  /** DNS; default the system resolver (every address it returns is checked). */
  resolve?: Resolver;
  maxRedirects?: number;
}

export interface SafeFetchResult {
  bytes: Buffer;
  contentType: SniffedType;
  finalUrl: string;
}

const redirectStatuses = new Set([301, 302, 303, 307, 308]);

export const systemResolver: Resolver = async (hostname) =>
  (await systemLookup(hostname, { all: true, verbatim: true })).map((entry) => ({
    address: entry.address,
    family: entry.family === 6 ? 6 : 4,
  }));

/** Thrown inside; turned into the caller's 400 at the edge. */
export class Refusal extends Error {
  override name = 'Refusal';
}

export async function safeFetch(input: string, options: SafeFetchOptions): Promise<SafeFetchResult> {
  const allowlist = new PrivateAllowlist(options.allowPrivate ?? []);
  const deadline = AbortSignal.timeout(options.timeoutMs);
  const maxRedirects = options.maxRedirects ?? 5;
  let url: URL | undefined;
  let redirects = 0;
  try {
    url = parseUrl(input);
    for (; ; redirects++) {
      const addresses = await withDeadline(
        checkTarget(url, allowlist, options.resolve ?? systemResolver),
        deadline,
      );
      const response = await get(url, addresses, options, deadline);
      if (response.location !== undefined) {
        if (redirects >= maxRedirects) throw new Refusal(`redirects more than ${maxRedirects} times`);
        url = parseUrl(response.location, url);
        continue;
      }
      return { bytes: response.bytes, contentType: response.contentType, finalUrl: url.href };
    }
  } catch (error) {
    const host = redirects > 0 ? `redirected to host ${url?.host}` : `host ${url?.host}`;
    const where = url ? `${options.param}: the URL (${host})` : `${options.param}: the URL`;
    if (error instanceof Refusal)
      throw new GatewayError('invalid_request', {
        param: options.param,
        message: `${where} ${error.message}.`,
      });
    if (deadline.aborted) {
      throw new GatewayError('invalid_request', {
        param: options.param,
        message: `${where} took longer than ${options.timeoutMs} ms to fetch.`,
        cause: error,
      });
    }
    throw new GatewayError('invalid_request', {
      param: options.param,
      message: `${where} could not be fetched: ${describeNetworkError(error)}.`,
      cause: error,
    });
  }
}

function parseUrl(input: string, base?: URL): URL {
  let url: URL;
  try {
    url = new URL(input, base);
  } catch {
    throw new Refusal(base ? 'redirects to an invalid URL' : 'is not a valid absolute URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    throw new Refusal(`uses ${url.protocol.replace(/:$/, '')}:, only https URLs can be fetched`);
  if (url.username !== '' || url.password !== '')
    throw new Refusal('contains credentials (user:password@), which are not allowed');
  return url;
}

/** Resolves the host and returns the addresses it may be reached at, or refuses. */
export async function checkTarget(
  url: URL,
  allowlist: PrivateAllowlist,
  resolve: Resolver,
): Promise<ResolvedAddress[]> {
  const hostname = url.hostname.replace(/^\[|\]$/g, '');
  const family = isIP(hostname);
  const literal = family !== 0;
  let addresses: ResolvedAddress[];
  if (literal) addresses = [{ address: hostname, family: family === 6 ? 6 : 4 }];
  else {
    try {
      addresses = await resolve(hostname);
    } catch (error) {
      throw new Refusal(`names a host that does not resolve (${describeNetworkError(error)})`);
    }
    if (addresses.length === 0) throw new Refusal('names a host that does not resolve');
  }
  const hostAllowed = allowlist.hasHost(hostname);
  for (const { address } of addresses) {
    if (hostAllowed || allowlist.hasAddress(address)) continue;
    const check = checkAddress(address);
    if (!check.public) {
      const where = literal ? 'points to' : `resolves to ${address},`;
      throw new Refusal(`${where} ${check.why}; only public addresses can be fetched`);
    }
  }
  const allowlisted = hostAllowed || addresses.every(({ address }) => allowlist.hasAddress(address));
  if (!allowlisted && url.protocol !== 'https:')
    throw new Refusal(
      'uses http:, only https URLs can be fetched (http only for network.allowPrivate hosts)',
    );
  if (!allowlisted && url.port !== '')
    throw new Refusal(`uses port ${url.port}; only the default port 443 can be fetched`);
  return addresses;
}

/** A `lookup` that answers with the addresses already checked, never asking DNS again. */
export function pinnedLookup(addresses: readonly ResolvedAddress[]): LookupFunction {
  return (_hostname, lookupOptions, callback) => {
    if (lookupOptions.all)
      callback(
        null,
        addresses.map((entry) => ({ ...entry })),
      );
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };
}

type Hop = { location: string } | { location?: undefined; bytes: Buffer; contentType: SniffedType };

async function get(
  url: URL,
  addresses: readonly ResolvedAddress[],
  options: SafeFetchOptions,
  deadline: AbortSignal,
): Promise<Hop> {
  const agent = new Agent({ connect: { lookup: pinnedLookup(addresses) }, connections: 1, pipelining: 0 });
  try {
    const response = await request(url, {
      dispatcher: agent,
      method: 'GET',
      signal: deadline,
      headers: { accept: options.allowedContentTypes.join(', '), 'user-agent': 'Hypereal-fetch/1' },
    });
    const location = response.headers['location'];
    if (redirectStatuses.has(response.statusCode)) {
      discard(response.body);
      if (typeof location !== 'string' || location === '')
        throw new Refusal(`answered HTTP ${response.statusCode} without a Location`);
      return { location };
    }
    if (response.statusCode < 200 || response.statusCode >= 300) {
      discard(response.body);
      throw new Refusal(`answered HTTP ${response.statusCode}`);
    }
    const declared = Number(response.headers['content-length']);
    if (Number.isFinite(declared) && declared > options.maxBytes) {
      discard(response.body);
      throw new Refusal(`is ${declared} bytes, over the ${options.maxBytes}-byte limit`);
    }
    const bytes = await readCapped(response.body, options.maxBytes);
    const contentType = sniffMediaType(bytes.subarray(0, sniffBytes));
    if (!contentType || !options.allowedContentTypes.includes(contentType)) {
      throw new Refusal(
        `is ${contentType ?? 'not a recognised media file'}; expected ${options.allowedContentTypes.join(', ')}`,
      );
    }
    return { bytes, contentType };
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

async function readCapped(
  body: AsyncIterable<Uint8Array> & Parameters<typeof discard>[0],
  maxBytes: number,
): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body) {
    total += chunk.length;
    if (total > maxBytes) {
      discard(body);
      throw new Refusal(`is over the ${maxBytes}-byte limit`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/** Drops a body we will not read; undici reports the abort as an error nobody needs. */
function discard(body: {
  destroy(error?: Error): unknown;
  on(event: 'error', listener: () => void): unknown;
}): void {
  body.on('error', () => undefined);
  body.destroy();
}

function withDeadline<T>(work: Promise<T>, deadline: AbortSignal): Promise<T> {
  if (deadline.aborted) return Promise.reject(deadline.reason);
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(deadline.reason);
    deadline.addEventListener('abort', abort, { once: true });
    work.then(resolve, reject).finally(() => deadline.removeEventListener('abort', abort));
  });
}

export function describeNetworkError(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  const cause = (error as { cause?: { code?: unknown } }).cause?.code;
  return String(
    typeof code === 'string' ? code : typeof cause === 'string' ? cause : (error as Error).message,
  );
}

export interface SafePostOptions {
  /** The field the URL came from (`webhookUrl`): refusals name it. */
  param: string;
  body: string;
  headers: Record<string, string>;
  timeoutMs: number;
  allowPrivate?: readonly string[];
  resolve?: Resolver;
}

/**
 * POSTs to a user-supplied URL (a webhook target) under the same address policy as
 * `safeFetch`: public https only (plus the operator's `network.allowPrivate`), the connection
 * pinned to the checked addresses, redirects not followed. Returns the HTTP status; a refused
 * target is a 400 `invalid_request` naming `param`, a network failure throws.
 */
export async function safePost(input: string, options: SafePostOptions): Promise<number> {
  const addresses = await checkPublicUrl(input, options);
  const agent = new Agent({ connect: { lookup: pinnedLookup(addresses) }, connections: 1, pipelining: 0 });
  try {
    const response = await request(input, {
      dispatcher: agent,
      method: 'POST',
      signal: AbortSignal.timeout(options.timeoutMs),
      headers: { 'user-agent': 'Hypereal-webhooks/1', ...options.headers },
      body: options.body,
    });
    discard(response.body);
    return response.statusCode;
  } finally {
    await agent.destroy().catch(() => undefined);
  }
}

/** Checks a user-supplied URL against the address policy (for a webhook target when it is set). */
export async function checkPublicUrl(
  input: string,
  options: Pick<SafePostOptions, 'param' | 'allowPrivate' | 'resolve'>,
): Promise<ResolvedAddress[]> {
  try {
    const url = parseUrl(input);
    return await checkTarget(
      url,
      new PrivateAllowlist(options.allowPrivate ?? []),
      options.resolve ?? systemResolver,
    );
  } catch (error) {
    if (error instanceof Refusal)
      throw new GatewayError('invalid_request', {
        param: options.param,
        message: `${options.param}: the URL ${error.message}.`,
      });
    throw error;
  }
}
