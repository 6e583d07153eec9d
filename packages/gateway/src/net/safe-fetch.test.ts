import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { GatewayError } from '../errors/index.ts';
import { type Resolver, type SafeFetchOptions, safeFetch } from './safe-fetch.ts';

const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  Buffer.from('\0\0\0\rIHDR fake image data'),
]);
const gif = Buffer.from('GIF89a\x01\x00\x01\x00tiny gif', 'latin1');

/** A server that must never be reached: it counts every TCP connection it accepts. */
interface Trap {
  server: Server;
  port: number;
  connections: number;
}

async function listen(server: Server, host: string): Promise<number> {
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  return (server.address() as AddressInfo).port;
}

async function startTrap(host: string): Promise<Trap> {
  const trap: Trap = {
    server: createServer((_request, response) => response.end(png)),
    port: 0,
    connections: 0,
  };
  trap.server.on('connection', () => trap.connections++);
  trap.port = await listen(trap.server, host);
  return trap;
}

let trap4: Trap;
let trap6: Trap;
let trap2: Trap;
let content: Server;
let contentPort: number;
let contentConnections = 0;

/** The allowlisted media server the success paths fetch from. */
function startContent(): Server {
  return createServer((request, response) => {
    const url = new URL(request.url ?? '/', 'http://content');
    switch (url.pathname) {
      case '/image.png':
        response.writeHead(200, { 'content-type': 'image/png' }).end(png);
        return;
      case '/lying.png':
        // Says PNG, is GIF: the bytes decide.
        response.writeHead(200, { 'content-type': 'image/png' }).end(gif);
        return;
      case '/page':
        response.writeHead(200, { 'content-type': 'image/png' }).end('<html>not an image</html>');
        return;
      case '/declared-big':
        response.writeHead(200, { 'content-length': '5000000' });
        response.write(png);
        return;
      case '/streamed-big': {
        response.writeHead(200, { 'content-type': 'image/png' });
        response.write(png);
        for (let chunk = 0; chunk < 40; chunk++) response.write(Buffer.alloc(1024, 1));
        response.end();
        return;
      }
      case '/slow':
        response.writeHead(200, { 'content-type': 'image/png' });
        response.write(png.subarray(0, 4));
        setTimeout(() => response.end(png.subarray(4)), 2_000).unref();
        return;
      case '/redirect':
        response.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
        return;
      case '/loop':
        response.writeHead(301, { location: `/loop?n=${Number(url.searchParams.get('n') ?? 0) + 1}` }).end();
        return;
      default:
        response.writeHead(404).end('not found');
    }
  });
}

beforeAll(async () => {
  trap4 = await startTrap('127.0.0.1');
  trap6 = await startTrap('::1');
  trap2 = await startTrap('127.0.0.2');
  content = startContent();
  content.on('connection', () => contentConnections++);
  contentPort = await listen(content, '127.0.0.1');
});

afterAll(async () => {
  for (const server of [trap4.server, trap6.server, trap2.server, content]) {
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
  }
});

beforeEach(() => {
  trap4.connections = 0;
  trap6.connections = 0;
  trap2.connections = 0;
  contentConnections = 0;
});

const base: SafeFetchOptions = {
  param: 'image_url',
  maxBytes: 10_000,
  timeoutMs: 1_000,
  allowedContentTypes: ['image/png', 'image/jpeg'],
};

/** A resolver for made-up names; anything else does not exist. */
function fakeDns(answers: Record<string, string[]>): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = async (hostname: string) => {
    calls.push(hostname);
    const addresses = answers[hostname];
    if (!addresses)
      throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return addresses.map((address) => ({
      address,
      family: address.includes(':') ? (6 as const) : (4 as const),
    }));
  };
  return Object.assign(resolve, { calls });
}

async function refusal(url: string, options: Partial<SafeFetchOptions> = {}): Promise<GatewayError> {
  const error = await safeFetch(url, { ...base, ...options }).then(
    () => undefined,
    (thrown: unknown) => thrown,
  );
  expect(error).toBeInstanceOf(GatewayError);
  const failure = error as GatewayError;
  expect(failure.status).toBe(400);
  expect(failure.code).toBe('invalid_request');
  expect(failure.param).toBe('image_url');
  expect(failure.message.startsWith('image_url: the URL')).toBe(true);
  return failure;
}

const noConnections = () => {
  expect(trap4.connections).toBe(0);
  expect(trap6.connections).toBe(0);
  expect(trap2.connections).toBe(0);
};

describe('safeFetch: addresses', () => {
  it.each([
    ['https://127.0.0.1:TRAP4/x.png', /loopback/],
    ['http://127.0.0.1:TRAP4/x.png', /loopback/],
    ['https://[::1]:TRAP6/x.png', /loopback/],
    ['https://[::ffff:127.0.0.1]:TRAP4/x.png', /loopback.*IPv6 form/],
    ['https://[::127.0.0.1]:TRAP4/x.png', /IPv4-compatible/],
    ['https://[64:ff9b::7f00:1]:TRAP4/x.png', /loopback.*IPv6 form/],
    ['https://0.0.0.0:TRAP4/x.png', /unspecified/],
    ['https://[::]:TRAP4/x.png', /unspecified/],
    ['https://2130706433:TRAP4/x.png', /loopback/],
    ['https://0x7f.1:TRAP4/x.png', /loopback/],
    ['https://127.1:TRAP4/x.png', /loopback/],
  ])('refuses %s before connecting', async (template, why) => {
    const url = template.replace('TRAP4', String(trap4.port)).replace('TRAP6', String(trap6.port));
    const error = await refusal(url);
    expect(error.message).toMatch(why);
    expect(error.message).toMatch(/only public addresses can be fetched/);
    noConnections();
  });

  it('refuses localhost through the system resolver', async () => {
    const error = await refusal(`https://localhost:${trap4.port}/x.png`);
    expect(error.message).toMatch(/host localhost:\d+\) resolves to (127\.0\.0\.1|::1), a loopback address/);
    noConnections();
  });

  it.each([
    ['10.0.0.1', /private/],
    ['172.16.5.4', /private/],
    ['192.168.0.10', /private/],
    ['100.64.1.1', /carrier-grade NAT/],
    ['169.254.169.254', /link-local/],
    ['0.0.0.0', /unspecified/],
    ['224.0.0.1', /multicast/],
    ['255.255.255.255', /broadcast/],
    ['240.0.0.1', /reserved/],
    ['fc00::1', /unique-local/],
    ['fe80::1', /link-local/],
    ['ff02::1', /multicast/],
    ['::ffff:10.0.0.1', /private.*IPv6 form/],
    ['64:ff9b::a9fe:a9fe', /link-local.*IPv6 form/],
    ['2002:a00:1::1', /private.*IPv6 form/],
  ])('refuses a host that resolves to %s', async (address, why) => {
    const resolve = fakeDns({ 'images.example': [address] });
    const error = await refusal('https://images.example/cat.png', { resolve });
    expect(error.message).toMatch(why);
    expect(error.message).toContain(`(host images.example) resolves to ${address}, `);
    noConnections();
  });

  it('refuses a DNS answer mixing a public and a private address', async () => {
    const resolve = fakeDns({ 'mixed.example': ['93.184.216.34', '127.0.0.1'] });
    const error = await refusal('https://mixed.example/cat.png', { resolve });
    expect(error.message).toMatch(/resolves to 127\.0\.0\.1, a loopback address/);
    noConnections();
  });

  it('connects to the address it checked, even when DNS changes its answer (rebinding)', async () => {
    // First answer: an address the operator allowed; every later one: a loopback
    // address that is not allowed. Only the first answer may be used.
    let answers = 0;
    const calls: string[] = [];
    const resolve: Resolver = async (hostname) => {
      calls.push(hostname);
      return [{ address: answers++ === 0 ? '127.0.0.1' : '127.0.0.2', family: 4 }];
    };
    const result = await safeFetch(`http://rebind.example:${contentPort}/image.png`, {
      ...base,
      resolve,
      allowPrivate: ['127.0.0.1/32'],
    });
    expect(result.bytes.equals(png)).toBe(true);
    expect(calls).toEqual(['rebind.example']);
    expect(contentConnections).toBe(1);
    noConnections();
  });

  it('re-checks every redirect hop: a redirect to a private address is refused before connecting', async () => {
    const resolve = fakeDns({ 'media.internal': ['127.0.0.1'] });
    const target = `http://127.0.0.1:${trap4.port}/x.png`;
    const error = await refusal(
      `http://media.internal:${contentPort}/redirect?to=${encodeURIComponent(target)}`,
      {
        resolve,
        allowPrivate: ['media.internal'],
      },
    );
    expect(error.message).toMatch(/\(redirected to host 127\.0\.0\.1:\d+\) points to a loopback address/);
    expect(contentConnections).toBe(1);
    noConnections();
  });

  it('refuses a redirect to a host that resolves privately', async () => {
    const resolve = fakeDns({ 'media.internal': ['127.0.0.1'], 'evil.example': ['169.254.169.254'] });
    const error = await refusal(
      `http://media.internal:${contentPort}/redirect?to=${encodeURIComponent('https://evil.example/latest/meta-data')}`,
      { resolve, allowPrivate: ['media.internal'] },
    );
    expect(error.message).toMatch(
      /\(redirected to host evil\.example\) resolves to 169\.254\.169\.254, a link-local address/,
    );
    noConnections();
  });
});

describe('safeFetch: URL policy', () => {
  it.each([
    ['ftp://example.com/cat.png', /uses ftp:, only https/],
    ['file:///etc/passwd', /uses file:, only https/],
    ['gopher://example.com/', /uses gopher:, only https/],
    ['data:image/png;base64,iVBORw0KGgo=', /uses data:, only https/],
    ['not a url', /not a valid absolute URL/],
    ['/relative/cat.png', /not a valid absolute URL/],
  ])('refuses %s', async (url, why) => {
    expect((await refusal(url)).message).toMatch(why);
    noConnections();
  });

  it('refuses credentials in the URL without resolving the host', async () => {
    const resolve = fakeDns({});
    const error = await refusal('https://user:secret@images.example/cat.png', { resolve });
    expect(error.message).toMatch(/contains credentials/);
    expect(resolve.calls).toEqual([]);
  });

  it('refuses plain http and other ports to public hosts', async () => {
    const resolve = fakeDns({ 'images.example': ['93.184.216.34'] });
    expect((await refusal('http://images.example/cat.png', { resolve })).message).toMatch(
      /uses http:, only https URLs can be fetched \(http only for network\.allowPrivate hosts\)/,
    );
    expect((await refusal('https://images.example:8443/cat.png', { resolve })).message).toMatch(
      /uses port 8443; only the default port 443/,
    );
  });

  it('names a host that does not resolve', async () => {
    const error = await refusal('https://nowhere.example/cat.png', { resolve: fakeDns({}) });
    expect(error.message).toMatch(/does not resolve \(ENOTFOUND\)/);
  });
});

describe('safeFetch: content', () => {
  const allowed = { allowPrivate: ['127.0.0.1'] };
  const at = (path: string) => `http://127.0.0.1:${contentPort}${path}`;

  it('fetches an allowlisted host over http, typing the bytes by their signature', async () => {
    const result = await safeFetch(at('/image.png'), { ...base, ...allowed });
    expect(result).toEqual({ bytes: png, contentType: 'image/png', finalUrl: at('/image.png') });
  });

  it('follows redirects and reports where it ended', async () => {
    const result = await safeFetch(at(`/redirect?to=${encodeURIComponent('/image.png')}`), {
      ...base,
      ...allowed,
    });
    expect(result.finalUrl).toBe(at('/image.png'));
    expect(result.bytes.equals(png)).toBe(true);
  });

  it('stops after 5 redirects', async () => {
    expect((await refusal(at('/loop'), allowed)).message).toMatch(/redirects more than 5 times/);
  });

  it('refuses a type the caller does not accept, whatever the server claims', async () => {
    expect((await refusal(at('/lying.png'), allowed)).message).toMatch(
      /is image\/gif; expected image\/png, image\/jpeg/,
    );
    expect((await refusal(at('/page'), allowed)).message).toMatch(/is not a recognised media file/);
  });

  it('refuses a body over the limit, declared or streamed', async () => {
    expect((await refusal(at('/declared-big'), allowed)).message).toMatch(
      /is 5000000 bytes, over the 10000-byte limit/,
    );
    expect((await refusal(at('/streamed-big'), allowed)).message).toMatch(/is over the 10000-byte limit/);
  });

  it('gives up at the deadline, for a slow body and for slow DNS', async () => {
    const started = Date.now();
    expect((await refusal(at('/slow'), { ...allowed, timeoutMs: 200 })).message).toMatch(
      /took longer than 200 ms/,
    );
    const hang: Resolver = () => new Promise(() => undefined);
    expect(
      (await refusal('https://slow-dns.example/x.png', { resolve: hang, timeoutMs: 200 })).message,
    ).toMatch(/took longer than 200 ms/);
    expect(Date.now() - started).toBeLessThan(1_500);
  });

  it('refuses an error answer', async () => {
    expect((await refusal(at('/missing.png'), allowed)).message).toMatch(/answered HTTP 404/);
  });
});
