/**
 * A browser as far as SSO needs one: a cookie jar per origin and redirects followed by hand,
 * so a test can stop at the gateway's callback and look at (or replay) each hop.
 */
export class CookieBrowser {
  readonly jar = new Map<string, Map<string, string>>();

  cookieHeader(url: string): string | undefined {
    const cookies = this.jar.get(new URL(url).host);
    if (!cookies || cookies.size === 0) return undefined;
    return [...cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }

  cookie(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name);
  }

  async request(
    url: string,
    init: { method?: string; body?: string; headers?: Record<string, string> } = {},
  ): Promise<Response> {
    const headers: Record<string, string> = { ...init.headers };
    const cookie = this.cookieHeader(url);
    if (cookie) headers['cookie'] = cookie;
    const response = await fetch(url, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.body === undefined ? {} : { body: init.body }),
    });
    const host = new URL(url).host;
    for (const line of response.headers.getSetCookie()) {
      const [pair, ...attributes] = line.split(';');
      const at = pair!.indexOf('=');
      const name = pair!.slice(0, at).trim();
      const value = pair!.slice(at + 1).trim();
      const cookies = this.jar.get(host) ?? new Map<string, string>();
      const expired = attributes.some((attribute) => /^\s*max-age=0\s*$/i.test(attribute)) || value === '';
      if (expired) cookies.delete(name);
      else cookies.set(name, value);
      this.jar.set(host, cookies);
    }
    return response;
  }

  /** Follows redirects from `url` until one points at `stopAt` (an origin); returns that URL. */
  async followUntil(url: string, stopAt: string, limit = 10): Promise<string> {
    let current = url;
    for (let hop = 0; hop < limit; hop++) {
      if (current.startsWith(stopAt)) return current;
      const response = await this.request(current);
      await response.arrayBuffer();
      const location = response.headers.get('location');
      if (!location) throw new Error(`no redirect from ${current}: HTTP ${response.status}`);
      current = new URL(location, current).href;
    }
    throw new Error(`more than ${limit} redirects from ${url}`);
  }
}
