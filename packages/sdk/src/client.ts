import { envApiKey, resolveBaseURL } from './core/base-url.ts';
import { type AuthMode, HttpClient, type QueryValue, type RequestOptions } from './core/http.ts';
import { SessionState } from './core/session.ts';
import { type Auth, accountResources, type Credits, type Keys, type Usage } from './resources/account.ts';
import { Audio } from './resources/audio.ts';
import type { AuditTrail } from './resources/audit.ts';
import { Chat } from './resources/chat.ts';
import { Deployments } from './resources/deployments.ts';
import { Gemini } from './resources/gemini.ts';
import { Gpu } from './resources/gpu.ts';
import { Images } from './resources/images.ts';
import { Jobs } from './resources/jobs.ts';
import { Messages } from './resources/messages.ts';
import { Models } from './resources/models.ts';
import type { Orgs } from './resources/orgs.ts';
import { Responses } from './resources/responses.ts';
import { Storage } from './resources/storage.ts';
import { Videos } from './resources/videos.ts';
import { Webhooks } from './resources/webhooks.ts';

export interface HyperealOptions {
  /** A `ck_` key; defaults to `HYPEREAL_API_KEY` where `process.env` exists. */
  apiKey?: string;
  /** The gateway's root URL; else `HYPEREAL_BASE_URL`, else `http://localhost:8080`. */
  baseURL?: string;
  /** Milliseconds per attempt (default 600 000: 10 minutes). */
  timeout?: number;
  /** Retries of connection errors, 408, 409, 429 and 5xx (default 2). */
  maxRetries?: number;
  /** A fetch of your own (a proxy agent, a test double); default `globalThis.fetch`. */
  fetch?: typeof fetch;
  /** Headers sent with every call. */
  defaultHeaders?: Record<string, string>;
  /**
   * A dashboard session for the account API (`keys`, `usage`, `credits`, `orgs`), instead of
   * `auth.login()`: the `hypereal_session` cookie value (or `name=value`) and its CSRF token.
   */
  session?: { cookie?: string; csrfToken?: string };
}

/**
 * The Hypereal client. `/v1` resources authenticate with the `ck_` key; the account
 * resources (`auth`, `keys`, `usage`, `credits`, `orgs`, `audit`) with a dashboard session; the
 * operator API is the separate `Admin` client.
 */
/** Any route by path (one newer than this SDK, say), with the same auth, retries and errors. */
export interface RawRequest {
  method: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  /** From the gateway's root: `/v1/...` (key) or `/api/...` (session). */
  path: string;
  query?: Record<string, QueryValue>;
  body?: unknown;
  /** Default: `session` for `/api/...` paths, else `key`. */
  auth?: AuthMode;
  /** Session calls that change something carry the CSRF token; false for the two that need no session (login, SSO discovery). */
  csrf?: boolean;
}

export class Hypereal {
  readonly baseURL: string;
  readonly #http: HttpClient;
  readonly chat: Chat;
  readonly responses: Responses;
  readonly messages: Messages;
  readonly gemini: Gemini;
  readonly models: Models;
  readonly images: Images;
  readonly videos: Videos;
  readonly audio: Audio;
  readonly jobs: Jobs;
  readonly storage: Storage;
  readonly webhooks: Webhooks;
  readonly gpu: Gpu;
  readonly deployments: Deployments;
  readonly auth: Auth;
  readonly keys: Keys;
  readonly usage: Usage;
  readonly credits: Credits;
  readonly orgs: Orgs;
  /** Your personal audit trail (`/api/audit`). */
  readonly audit: AuditTrail;

  constructor(options: HyperealOptions = {}) {
    const fetchImpl = options.fetch ?? globalThis.fetch;
    if (typeof fetchImpl !== 'function') throw new Error('No fetch: pass { fetch } on this runtime.');
    this.baseURL = resolveBaseURL(options.baseURL);
    const http = new HttpClient({
      baseURL: this.baseURL,
      apiKey: options.apiKey ?? envApiKey(),
      timeout: options.timeout ?? 600_000,
      maxRetries: options.maxRetries ?? 2,
      fetch: fetchImpl,
      defaultHeaders: options.defaultHeaders ?? {},
      session: new SessionState(options.session ?? {}),
    });
    this.#http = http;
    this.chat = new Chat(http);
    this.responses = new Responses(http);
    this.messages = new Messages(http);
    this.gemini = new Gemini(http);
    this.models = new Models(http);
    this.images = new Images(http);
    this.jobs = new Jobs(http);
    this.videos = new Videos(http, this.jobs);
    this.audio = new Audio(http);
    this.storage = new Storage(http);
    this.webhooks = new Webhooks(http);
    this.gpu = new Gpu(http);
    this.deployments = new Deployments(http);
    const account = accountResources(http);
    this.auth = account.auth;
    this.keys = account.keys;
    this.usage = account.usage;
    this.credits = account.credits;
    this.orgs = account.orgs;
    this.audit = account.audit;
  }

  /** Calls any route and resolves to its parsed JSON: `client.request({ method: 'GET', path: '/api/orgs/permissions' })`. */
  request<T>(request: RawRequest, options: RequestOptions = {}): Promise<T> {
    return this.#http.json<T>(
      {
        method: request.method,
        path: request.path,
        query: request.query,
        ...(request.body === undefined ? {} : { json: request.body }),
        auth:
          request.auth ??
          (request.path.startsWith('/api/') && !request.path.startsWith('/api/v1/') ? 'session' : 'key'),
        ...(request.csrf === false ? { noCsrf: true } : {}),
      },
      options,
    );
  }
}
