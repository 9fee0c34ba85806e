/**
 * One HTTP exchange with retries: every attempt goes through the scheduler, errors become
 * DatabricksError, successful bodies are validated with zod. Nothing above this file sees axios.
 */
import axios, { AxiosInstance, AxiosResponse } from 'axios';
import type * as http from 'http';
import type * as https from 'https';
import type { CallOptions } from './api';
import type { TokenSource } from './auth';
import { classifyHttpError, DatabricksError, isRateLimit, parseErrorBody, Redactor } from './errors';
import type { HttpLogger } from './logger';
import { backoffDelay, cancelledError, parseRetryAfter, RetryPolicy, sleep } from './retry';
import type { Feedback, RequestScheduler } from './scheduler';
import { validate, type Schema } from './schemas';
import { isRetryableNetworkError, transportError } from './transportErrors';

export type Method = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

export interface RequestSpec<T> {
  method: Method;
  path: string;
  query?: Record<string, string | number | boolean | undefined>;
  body?: unknown;
  schema: Schema<T>;
  /** POSTs are not idempotent unless said so (secret creation, statement execution...). */
  idempotent?: boolean;
}

export interface TransportOptions {
  host: string;
  tokens: TokenSource;
  scheduler: RequestScheduler;
  logger: HttpLogger;
  redactor: Redactor;
  retry: RetryPolicy;
  timeoutMs: number;
  userAgent: string;
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** sees every response's headers (workspace id) */
  onResponse?: (res: AxiosResponse<string>) => void;
}

export function createAxios(o: { httpAgent?: http.Agent; httpsAgent?: https.Agent; userAgent: string; timeoutMs: number }): AxiosInstance {
  return axios.create({
    // The VS Code layer decides proxies and CAs through the agents; axios must not read env proxies.
    proxy: false,
    httpAgent: o.httpAgent,
    httpsAgent: o.httpsAgent,
    timeout: o.timeoutMs,
    validateStatus: () => true,
    responseType: 'text',
    transformResponse: [(d: unknown) => d],
    // A redirect means a login page or a proxy, never the API; and it must not carry our token.
    maxRedirects: 0,
    headers: { 'User-Agent': o.userAgent },
  });
}

type Outcome<T> = { done: true; value: T } | { done: false; error: DatabricksError; retryAfterMs?: number; retry: boolean };

export class HttpTransport {
  readonly http: AxiosInstance;

  constructor(private readonly o: TransportOptions) {
    this.http = createAxios(o);
  }

  async request<T>(spec: RequestSpec<T>, opts: CallOptions = {}): Promise<T> {
    const { retry, logger } = this.o;
    const signal = opts.signal;
    const kind = spec.method === 'GET' ? 'read' : 'write';
    const url = this.urlFor(spec);
    const where = { host: this.o.host, method: spec.method, path: spec.path };
    let refreshedCredentials = false;

    for (let attempt = 1; ; attempt++) {
      if (signal?.aborted) throw cancelledError(where);
      const authorization = await this.o.tokens.authorization(signal);
      let permit;
      try {
        permit = await this.o.scheduler.acquire(kind, opts.priority ?? 'user', signal);
      } catch {
        throw cancelledError(where);
      }
      const started = Date.now();
      let feedback: Feedback = { type: 'error' };
      let outcome: Outcome<T>;
      try {
        outcome = await this.attempt(spec, url, authorization, attempt, started, signal);
        feedback = this.feedbackFor(outcome, Date.now() - started);
      } finally {
        permit.release(feedback);
      }
      if (outcome.done) return outcome.value;

      const err = outcome.error;
      // A rejected OAuth token may just be expired or revoked: fetch a fresh one, once.
      if (err.kind === 'auth' && !refreshedCredentials && this.o.tokens.invalidate(authorization)) {
        refreshedCredentials = true;
        logger.debug(`${spec.method} ${spec.path}: credentials rejected (${err.status}); fetching a new token and retrying once`);
        attempt--;
        continue;
      }
      if (!outcome.retry || attempt >= retry.maxAttempts) throw err;
      const delay = backoffDelay(retry, attempt, outcome.retryAfterMs);
      logger.debug(
        `${spec.method} ${spec.path}: ${err.status ?? err.kind}${err.errorCode ? ` ${err.errorCode}` : ''}; retry ${attempt} of ${retry.maxAttempts - 1} in ${Math.round(delay)} ms`,
      );
      await sleep(delay, signal).catch(() => {
        throw cancelledError(where);
      });
    }
  }

  private urlFor(spec: RequestSpec<unknown>): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(spec.query ?? {})) if (v !== undefined) params.set(k, String(v));
    const qs = params.toString();
    return `${this.o.host}${spec.path}${qs ? `?${qs}` : ''}`;
  }

  private feedbackFor(outcome: Outcome<unknown>, latencyMs: number): Feedback {
    if (outcome.done) return { type: 'ok', latencyMs };
    const e = outcome.error;
    if (e.kind === 'rate-limit') {
      // Databricks words the concurrency cap explicitly; telling the scheduler spares it a guess.
      const cause = /concurrent limit/i.test(e.serverMessage ?? e.message) ? 'concurrency' : 'rate';
      return { type: 'throttled', retryAfterMs: outcome.retryAfterMs, cause };
    }
    // The server answered a client error promptly: that says nothing about its load.
    if (e.status !== undefined && e.status < 500) return { type: 'ok', latencyMs };
    return { type: 'error' };
  }

  private async attempt<T>(spec: RequestSpec<T>, url: string, authorization: string, attempt: number, started: number, signal?: AbortSignal): Promise<Outcome<T>> {
    const { logger, redactor } = this.o;
    const where = { host: this.o.host, method: spec.method, path: spec.path };
    const shown = redactor.scrub(url.slice(this.o.host.length));
    const idempotent = spec.idempotent ?? spec.method !== 'POST';
    let res: AxiosResponse<string>;
    try {
      res = await this.http.request<string>({
        method: spec.method,
        url,
        data: spec.body === undefined ? undefined : JSON.stringify(spec.body),
        headers: {
          Authorization: authorization,
          Accept: 'application/json',
          ...(spec.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        },
        signal,
      });
    } catch (e) {
      const ms = Date.now() - started;
      if (signal?.aborted || axios.isCancel(e)) {
        logger.trace(`${spec.method} ${shown} → cancelled after ${ms} ms (attempt ${attempt})`);
        return { done: false, error: cancelledError(where), retry: false };
      }
      const error = transportError(e, where);
      logger.trace(`${spec.method} ${shown} → ${error.kind} after ${ms} ms (attempt ${attempt})`);
      return { done: false, error, retry: idempotent && (error.kind === 'timeout' || isRetryableNetworkError(e)) };
    }

    const ms = Date.now() - started;
    const requestId = headerString(res.headers['x-request-id']) ?? headerString(res.headers['x-databricks-request-id']);
    logger.trace(`${spec.method} ${shown} → ${res.status} in ${ms} ms${requestId ? ` (request ${requestId})` : ''} (attempt ${attempt})`);
    this.o.onResponse?.(res);
    const body = typeof res.data === 'string' ? res.data : res.data === undefined || res.data === null ? '' : String(res.data);
    const contentType = headerString(res.headers['content-type']) ?? '';

    if (res.status >= 200 && res.status < 300) {
      return { done: true, value: this.parseSuccess(spec, body, contentType, requestId, res.status) };
    }

    if (res.status >= 300 && res.status < 400) {
      const error = new DatabricksError({
        kind: 'not-databricks',
        message: `${spec.method} ${spec.path} was redirected (${res.status}); ${this.o.host} does not look like a Databricks workspace API, or a login page or proxy is in the way.`,
        status: res.status,
        requestId,
        ...where,
      });
      return { done: false, error, retry: false };
    }

    const parsed = parseErrorBody(res.status, res.statusText, redactor.scrub(body), contentType);
    const kind = classifyHttpError(res.status, parsed.errorCode, parsed.message);
    const codePart = parsed.errorCode !== undefined && String(parsed.errorCode) !== String(res.status) ? ` ${parsed.errorCode}` : '';
    const error = new DatabricksError({
      kind,
      message: redactor.scrub(`${spec.method} ${spec.path} failed: ${res.status}${codePart}: ${parsed.message}`),
      status: res.status,
      errorCode: parsed.errorCode,
      serverMessage: parsed.message,
      requestId,
      authType: this.o.tokens.type,
      ...where,
    });
    const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
    const code = typeof parsed.errorCode === 'string' ? parsed.errorCode : undefined;
    let retry = false;
    // Rate limits are answered before any work is done, so even a non-idempotent POST may retry.
    if (isRateLimit(res.status, parsed.errorCode)) retry = true;
    else if (res.status === 503 || code === 'TEMPORARILY_UNAVAILABLE') retry = idempotent;
    else if (res.status === 504 || res.status === 502) retry = spec.method === 'GET';
    return { done: false, error, retry, retryAfterMs };
  }

  private parseSuccess<T>(spec: RequestSpec<T>, body: string, contentType: string, requestId: string | undefined, status: number): T {
    const where = { host: this.o.host, method: spec.method, path: spec.path, requestId, status };
    const trimmed = body.trim();
    let json: unknown;
    if (!trimmed) {
      json = {};
    } else if (/html/i.test(contentType) || trimmed.startsWith('<')) {
      throw new DatabricksError({
        kind: 'not-databricks',
        message: `${spec.method} ${spec.path} answered with an HTML page; ${this.o.host} does not look like a Databricks workspace (or a login page or proxy is in the way).`,
        ...where,
      });
    } else {
      try {
        json = JSON.parse(trimmed);
      } catch {
        throw new DatabricksError({
          kind: 'not-databricks',
          message: `${spec.method} ${spec.path} did not answer with JSON; ${this.o.host} does not look like a Databricks workspace.`,
          ...where,
        });
      }
    }
    const parsed = validate(spec.schema, json);
    if (parsed.ok) return parsed.data;
    throw new DatabricksError({
      kind: 'bad-response',
      message: `${spec.method} ${spec.path} answered without a valid "${parsed.field ?? '(body)'}" (${parsed.message}).`,
      ...where,
    });
  }
}

function headerString(v: unknown): string | undefined {
  if (Array.isArray(v)) return v.length ? String(v[0]) : undefined;
  return typeof v === 'string' && v ? v : typeof v === 'number' ? String(v) : undefined;
}
