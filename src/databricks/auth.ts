/**
 * Credential providers: a PAT as-is, or OAuth M2M client credentials exchanged for short-lived
 * access tokens that are cached, shared by concurrent callers, and refreshed before expiry.
 */
import type { AxiosInstance } from 'axios';
import { DatabricksError, parseErrorBody, Redactor } from './errors';
import type { HttpLogger } from './logger';
import { backoffDelay, parseRetryAfter, raceAbort, RetryPolicy, sleep } from './retry';
import { TokenResponse, validate } from './schemas';
import { errorCodeOf, transportError } from './transportErrors';

export interface TokenSource {
  readonly type: 'pat' | 'oauth-m2m';
  /** The `Authorization` header value for the next request. */
  authorization(signal?: AbortSignal): Promise<string>;
  /** Forget a header the server rejected. True when a fresh credential might succeed. */
  invalidate(rejected: string): boolean;
}

export class PatTokenSource implements TokenSource {
  readonly type = 'pat';
  private readonly header: string;
  constructor(token: string) {
    this.header = `Bearer ${token}`;
  }
  authorization(): Promise<string> {
    return Promise.resolve(this.header);
  }
  invalidate(): boolean {
    return false;
  }
}

interface CachedToken {
  header: string;
  expiresAt: number;
  refreshAt: number;
}

export interface OAuthM2MOptions {
  /** where tokens come from, e.g. `https://host/oidc/v1/token` */
  tokenUrl: string;
  host: string;
  clientId: string;
  clientSecret: string;
  http: AxiosInstance;
  logger: HttpLogger;
  redactor: Redactor;
  retry: RetryPolicy;
  timeoutMs: number;
  now?: () => number;
}

/** Refresh margin: 5 minutes, or 10% of the token's lifetime when that is smaller. */
export function refreshMarginMs(lifetimeMs: number): number {
  return Math.min(5 * 60_000, lifetimeMs * 0.1);
}

export class OAuthM2MTokenSource implements TokenSource {
  readonly type = 'oauth-m2m';
  private cached: CachedToken | undefined;
  private inFlight: Promise<CachedToken> | undefined;
  private readonly now: () => number;

  constructor(private readonly o: OAuthM2MOptions) {
    this.now = o.now ?? Date.now;
    o.redactor.add(o.clientSecret);
  }

  async authorization(signal?: AbortSignal): Promise<string> {
    const t = this.cached;
    if (t && this.now() < t.refreshAt) return t.header;
    // One caller's cancellation must not fail the fetch the others are waiting on.
    if (!this.inFlight) {
      this.inFlight = this.fetchToken().finally(() => {
        this.inFlight = undefined;
      });
    }
    return (await raceAbort(this.inFlight, signal)).header;
  }

  invalidate(rejected: string): boolean {
    if (this.cached?.header === rejected) this.cached = undefined;
    return true;
  }

  private async fetchToken(): Promise<CachedToken> {
    const { retry, logger } = this.o;
    const path = new URL(this.o.tokenUrl).pathname;
    for (let attempt = 1; ; attempt++) {
      const started = this.now();
      let retryAfterMs: number | undefined;
      let failure: DatabricksError;
      try {
        const res = await this.o.http.request<string>({
          method: 'POST',
          url: this.o.tokenUrl,
          auth: { username: this.o.clientId, password: this.o.clientSecret },
          headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
          data: 'grant_type=client_credentials&scope=all-apis',
          timeout: this.o.timeoutMs,
        });
        logger.trace(`POST ${path} → ${res.status} in ${this.now() - started} ms (token request, attempt ${attempt})`);
        if (res.status >= 200 && res.status < 300) return this.accept(res.data, path);
        failure = this.httpFailure(res.status, res.statusText, String(res.data ?? ''), String(res.headers['content-type'] ?? ''), path);
        retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        if (![429, 502, 503, 504].includes(res.status)) throw failure;
      } catch (e) {
        if (e instanceof DatabricksError) throw e;
        failure = transportError(e, { host: this.o.host, method: 'POST', path });
        failure = new DatabricksError({
          kind: failure.kind,
          message: failure.message,
          serverMessage: failure.serverMessage,
          host: this.o.host,
          method: 'POST',
          path,
          fromTokenEndpoint: true,
          authType: 'oauth-m2m',
        });
        logger.trace(`POST ${path} → ${failure.kind} in ${this.now() - started} ms (token request, attempt ${attempt})`);
        // A host that does not resolve or a certificate that is not trusted will not fix itself.
        if (!isTransientForTokenEndpoint(e)) throw failure;
      }
      if (attempt >= retry.maxAttempts) throw failure;
      const delay = backoffDelay(retry, attempt, retryAfterMs);
      logger.debug(`Token request failed (${failure.kind}${failure.status ? ` ${failure.status}` : ''}); retry ${attempt} of ${retry.maxAttempts - 1} in ${Math.round(delay)} ms`);
      await sleep(delay);
    }
  }

  private accept(body: string, path: string): CachedToken {
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      throw new DatabricksError({
        kind: 'not-databricks',
        message: `POST ${path} did not answer with JSON; ${this.o.host} does not look like a Databricks workspace with OAuth.`,
        host: this.o.host,
        method: 'POST',
        path,
        fromTokenEndpoint: true,
      });
    }
    const parsed = validate(TokenResponse, json);
    if (!parsed.ok) {
      const field = parsed.field ?? 'body';
      throw new DatabricksError({
        kind: 'bad-response',
        message: `The OAuth token endpoint POST ${path} answered without a valid "${field}".`,
        host: this.o.host,
        method: 'POST',
        path,
        fromTokenEndpoint: true,
      });
    }
    this.o.redactor.add(parsed.data.access_token);
    const lifetimeMs = (parsed.data.expires_in ?? 3600) * 1000;
    const now = this.now();
    const token: CachedToken = {
      header: `Bearer ${parsed.data.access_token}`,
      expiresAt: now + lifetimeMs,
      refreshAt: now + lifetimeMs - refreshMarginMs(lifetimeMs),
    };
    this.cached = token;
    this.o.logger.debug(`Fetched an OAuth access token valid for ${Math.round(lifetimeMs / 1000)} s`);
    return token;
  }

  private httpFailure(status: number, statusText: string, body: string, contentType: string, path: string): DatabricksError {
    const parsed = parseErrorBody(status, statusText, this.o.redactor.scrub(body), contentType);
    const common = { status, errorCode: parsed.errorCode, serverMessage: parsed.message, host: this.o.host, method: 'POST', path, fromTokenEndpoint: true, authType: 'oauth-m2m' as const };
    if (status === 404) {
      return new DatabricksError({
        ...common,
        kind: 'config',
        message: `${this.o.host} has no OAuth token endpoint (POST ${path} answered 404). Check the host, or use a personal access token.`,
      });
    }
    if (status === 400 || status === 401 || status === 403 || parsed.errorCode === 'invalid_client') {
      return new DatabricksError({
        ...common,
        kind: 'auth',
        message: `Databricks rejected the OAuth client id/secret for ${this.o.host} (${status} ${parsed.message}).`,
      });
    }
    return new DatabricksError({
      ...common,
      kind: status === 429 ? 'rate-limit' : status >= 500 ? 'unavailable' : 'invalid',
      message: `The OAuth token request to ${this.o.host} failed (${status} ${parsed.message}).`,
    });
  }
}

function isTransientForTokenEndpoint(e: unknown): boolean {
  const code = errorCodeOf(e) ?? '';
  return code !== 'ENOTFOUND' && !/CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code);
}
