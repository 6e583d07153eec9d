import { Agent, request } from 'undici';
import { PrivateAllowlist } from './address-policy.ts';
import { checkTarget, pinnedLookup, Refusal, type Resolver, systemResolver } from './safe-fetch.ts';

/**
 * A Fetch API-shaped function for server-to-server calls to a host an org admin named
 * (an OIDC issuer's discovery document, token endpoint, JWKS, userinfo): the same address
 * policy as safeFetch (public addresses only, https on 443, pinned DNS answer; private
 * hosts and plain http only for `network.allowPrivate`), a byte cap, and no redirects
 * followed (a 3xx is handed back as is, which is what OAuth clients ask for with
 * `redirect: "manual"`). A refusal is thrown as an Error naming the reason.
 */
export interface GuardedFetchOptions {
  allowPrivate?: readonly string[];
  resolve?: Resolver;
  maxBytes?: number;
}

export type GuardedFetch = (
  url: string,
  init: {
    method?: string | undefined;
    headers?: Headers | Record<string, string> | [string, string][] | undefined;
    body?: string | URLSearchParams | Uint8Array | ArrayBuffer | ReadableStream | null | undefined;
    signal?: AbortSignal | null | undefined;
  },
) => Promise<Response>;

export function guardedFetch(options: GuardedFetchOptions = {}): GuardedFetch {
  const allowlist = new PrivateAllowlist(options.allowPrivate ?? []);
  const maxBytes = options.maxBytes ?? 1_000_000;
  return async (input, init) => {
    const url = new URL(input);
    if (url.protocol !== 'https:' && url.protocol !== 'http:')
      throw new Refusal(`${url.protocol} URLs cannot be fetched`);
    if (url.username !== '' || url.password !== '')
      throw new Refusal('URLs with credentials (user:password@) cannot be fetched');
    const addresses = await checkTarget(url, allowlist, options.resolve ?? systemResolver);
    const agent = new Agent({ connect: { lookup: pinnedLookup(addresses) }, connections: 1, pipelining: 0 });
    try {
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const body =
        init.body === undefined || init.body === null
          ? undefined
          : typeof init.body === 'string'
            ? init.body
            : init.body instanceof URLSearchParams
              ? init.body.toString()
              : init.body instanceof ReadableStream
                ? Buffer.from(await new Response(init.body).arrayBuffer())
                : Buffer.from(init.body instanceof ArrayBuffer ? new Uint8Array(init.body) : init.body);
      const response = await request(url, {
        dispatcher: agent,
        method: (init.method ?? 'GET') as 'GET',
        headers,
        ...(body === undefined ? {} : { body }),
        ...(init.signal ? { signal: init.signal } : {}),
      });
      const chunks: Buffer[] = [];
      let total = 0;
      for await (const chunk of response.body) {
        total += (chunk as Buffer).length;
        if (total > maxBytes) {
          response.body.destroy();
          throw new Refusal(`${url.host} answered more than ${maxBytes} bytes`);
        }
        chunks.push(chunk as Buffer);
      }
      const responseHeaders = new Headers();
      for (const [name, value] of Object.entries(response.headers)) {
        if (value === undefined) continue;
        for (const one of Array.isArray(value) ? value : [value]) responseHeaders.append(name, one);
      }
      const nullBody = [101, 204, 205, 304].includes(response.statusCode);
      return new Response(nullBody ? null : Buffer.concat(chunks), {
        status: response.statusCode,
        headers: responseHeaders,
      });
    } finally {
      await agent.destroy().catch(() => undefined);
    }
  };
}
