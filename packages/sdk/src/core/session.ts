const cookieName = 'hypereal_session';

/**
 * The dashboard session the account API (`/api/...`) takes instead of a key. In a browser
 * on the gateway's own origin the browser keeps the cookie; elsewhere (Node, scripts) the
 * SDK keeps it from the login answer's Set-Cookie and sends it back.
 */
export class SessionState {
  cookie: string | null;
  csrfToken: string | null;

  constructor(options: { cookie?: string | undefined; csrfToken?: string | undefined } = {}) {
    this.cookie = options.cookie
      ? options.cookie.includes('=')
        ? options.cookie
        : `${cookieName}=${options.cookie}`
      : null;
    this.csrfToken = options.csrfToken ?? null;
  }

  /** Keeps a new session cookie, or forgets it when the gateway clears it (logout). */
  remember(headers: Headers): void {
    const cookies =
      typeof headers.getSetCookie === 'function'
        ? headers.getSetCookie()
        : (headers.get('set-cookie')?.split(/,(?=\s*\w+=)/) ?? []);
    for (const line of cookies) {
      const pair = line.split(';', 1)[0]?.trim() ?? '';
      if (!pair.startsWith(`${cookieName}=`)) continue;
      const value = pair.slice(cookieName.length + 1);
      this.cookie = value === '' || /max-age=0/i.test(line) ? null : pair;
      if (this.cookie === null) this.csrfToken = null;
    }
  }
}
