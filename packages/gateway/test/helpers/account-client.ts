export interface AccountResponse {
  status: number;
  headers: Headers;
  body: Record<string, unknown> & { error?: { type: string; message: string; code?: string } };
  text: string;
}

/** A browser-like client of the account API: keeps the session cookie, sends the CSRF token. */
export class AccountClient {
  readonly root: string;
  cookie: string | undefined;
  csrfToken: string | undefined;

  constructor(root: string) {
    this.root = root;
  }

  async signIn(email: string, password: string): Promise<AccountResponse> {
    const response = await this.call('POST', '/api/auth/login', { email, password });
    if (response.status === 200) this.csrfToken = response.body['csrfToken'] as string;
    return response;
  }

  async call(
    method: string,
    path: string,
    body?: unknown,
    options: { csrf?: string | null; origin?: string } = {},
  ): Promise<AccountResponse> {
    const headers: Record<string, string> = {};
    if (body !== undefined) headers['content-type'] = 'application/json';
    if (this.cookie) headers['cookie'] = this.cookie;
    const csrf = options.csrf === undefined ? this.csrfToken : options.csrf;
    if (csrf) headers['x-csrf-token'] = csrf;
    if (options.origin) headers['origin'] = options.origin;
    const response = await fetch(`${this.root}${path}`, {
      method,
      headers,
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const setCookie = response.headers.get('set-cookie');
    if (setCookie) {
      const value = setCookie.split(';', 1)[0]!;
      this.cookie = value.endsWith('=') ? undefined : value;
    }
    const text = await response.text();
    let parsed: AccountResponse['body'] = {};
    try {
      parsed = text ? JSON.parse(text) : {};
    } catch {
      // CSV and other non-JSON answers stay in `text`.
    }
    return { status: response.status, headers: response.headers, body: parsed, text };
  }
}

export async function signedIn(root: string, email: string, password: string): Promise<AccountClient> {
  const client = new AccountClient(root);
  const response = await client.signIn(email, password);
  if (response.status !== 200) throw new Error(`sign-in failed: ${response.status} ${response.text}`);
  return client;
}
