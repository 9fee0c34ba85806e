/**
 * The Databricks REST client's public surface. Other layers import from here only.
 */
import type * as http from 'http';
import type * as https from 'https';
import { AccountClient } from './accountClient';
import { OAuthM2MTokenSource, PatTokenSource, TokenSource } from './auth';
import { AuthConfig, resolveAuth, ResolvedConfig } from './config';
import { DatabricksError, Redactor } from './errors';
import { HttpTransport, createAxios } from './http';
import { HttpLogger, silentLogger } from './logger';
import { retryPolicy } from './retry';
import { RequestScheduler } from './scheduler';
import { WorkspaceClient } from './workspaceClient';

export * from './api';
export { AccountClient } from './accountClient';
export { WorkspaceClient } from './workspaceClient';
export type { WorkspaceIdentity } from './workspaceClient';
export { DatabricksError, describeError, isCancellation } from './errors';
export { normalizeHost, detectCloud, accountsHostFor, isLoopbackHostname } from './host';
export type { Cloud } from './host';
export { listProfiles, resolveAuth, defaultConfigFile } from './config';
export type { AuthConfig, ResolvedAuth, ResolvedConfig, ProfileSummary, ProfileAuthType } from './config';
export type { HttpLogger } from './logger';
export { RequestScheduler } from './scheduler';

export interface ClientOptions {
  /** optional only when auth is a profile (or the environment) that names the host */
  host?: string;
  auth: AuthConfig;
  logger?: HttpLogger;
  /** the VS Code layer passes proxy/CA agents */
  httpAgent?: http.Agent;
  httpsAgent?: https.Agent;
  /** shared per workspace; created if absent */
  scheduler?: RequestScheduler;
  /** ceiling for a created scheduler (default 20) */
  maxConcurrency?: number;
  /** per request, default 30000 */
  timeoutMs?: number;
  retry?: { maxAttempts?: number; maxDelayMs?: number; baseDelayMs?: number };
  userAgent?: string;
  /** for profile/env resolution (tests pass their own) */
  env?: NodeJS.ProcessEnv;
  /** clock for OAuth token expiry; tests pass their own */
  now?: () => number;
}

export type AccountClientOptions = Omit<ClientOptions, 'host'> & { host: string; accountId: string };

const DEFAULT_USER_AGENT = `zipher-databricks/0.1.0 node/${process.versions.node}`;

interface Plumbing {
  resolved: ResolvedConfig;
  transport: HttpTransport;
}

function buildTransport(resolved: ResolvedConfig, opts: ClientOptions, tokenUrl: string, onOrgId?: (id: string | undefined) => void): Plumbing {
  const logger = opts.logger ?? silentLogger;
  const redactor = new Redactor();
  const retry = retryPolicy(opts.retry);
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const userAgent = opts.userAgent ?? DEFAULT_USER_AGENT;
  let tokens: TokenSource;
  if (resolved.auth.type === 'pat') {
    redactor.add(resolved.auth.token);
    tokens = new PatTokenSource(resolved.auth.token);
  } else {
    tokens = new OAuthM2MTokenSource({
      tokenUrl,
      host: resolved.host,
      clientId: resolved.auth.clientId,
      clientSecret: resolved.auth.clientSecret,
      http: createAxios({ httpAgent: opts.httpAgent, httpsAgent: opts.httpsAgent, userAgent, timeoutMs }),
      logger,
      redactor,
      retry,
      timeoutMs,
      now: opts.now,
    });
  }
  const transport = new HttpTransport({
    host: resolved.host,
    tokens,
    scheduler: opts.scheduler ?? new RequestScheduler({ ceiling: opts.maxConcurrency ?? 20 }),
    logger,
    redactor,
    retry,
    timeoutMs,
    userAgent,
    httpAgent: opts.httpAgent,
    httpsAgent: opts.httpsAgent,
    onResponse: (res) => {
      const v = res.headers['x-databricks-org-id'];
      onOrgId?.(Array.isArray(v) ? v[0] : typeof v === 'string' ? v : undefined);
    },
  });
  return { resolved, transport };
}

/** Resolves profile/env settings and validates the host; makes no network call. */
export async function createWorkspaceClient(opts: ClientOptions): Promise<WorkspaceClient> {
  const resolved = await resolveAuth({ host: opts.host, auth: opts.auth, env: opts.env });
  // The transport exists before the client it reports to; the holder closes that loop.
  const holder: { client?: WorkspaceClient } = {};
  const { transport } = buildTransport(resolved, opts, `${resolved.host}/oidc/v1/token`, (id) => holder.client?.noteOrgId(id));
  const client = new WorkspaceClient(resolved.host, transport, {
    authType: resolved.auth.type,
    clientId: resolved.auth.type === 'oauth-m2m' ? resolved.auth.clientId : undefined,
    accountId: resolved.accountId,
    profile: resolved.profile,
  });
  holder.client = client;
  return client;
}

/** An account console client; OAuth tokens come from `/oidc/accounts/{account_id}/v1/token`. */
export async function createAccountClient(opts: AccountClientOptions): Promise<AccountClient> {
  const accountId = opts.accountId?.trim();
  if (!accountId || !/^[A-Za-z0-9-]+$/.test(accountId)) {
    throw new DatabricksError({ kind: 'config', message: 'The Databricks account id is missing or malformed. Copy it from the account console (it looks like a UUID).' });
  }
  const resolved = await resolveAuth({ host: opts.host, auth: opts.auth, env: opts.env });
  const { transport } = buildTransport(resolved, opts, `${resolved.host}/oidc/accounts/${accountId}/v1/token`);
  return new AccountClient(resolved.host, accountId, transport);
}
