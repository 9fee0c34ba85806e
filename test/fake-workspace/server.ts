/** The HTTP side: routing, auth, IP lists, faults, and the record of served calls. */
import { randomUUID } from 'node:crypto';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FakeInternals, type Reply, type Route, RouteContext, type StoredStatement } from './context';
import { FakeHttpError, apiError, expiredToken, invalidToken, permissionDenied, tooManyRequests } from './errors';
import { Faults } from './faults';
import { accountRoutes } from './routes/account';
import { identityRoutes } from './routes/identity';
import { jobsRoutes } from './routes/jobs';
import { networkRoutes } from './routes/network';
import { normaliseObjectType, permissionsRoutes } from './routes/permissions';
import { secretsRoutes } from './routes/secrets';
import { sqlRoutes } from './routes/sql';
import { WorkspaceState } from './state';
import type { FakeOptions, FakeState, FakeWorkspace, ServedCall, StartOptions } from './types';

interface CompiledRoute extends Route {
  regex: RegExp;
  names: string[];
}

function compile(r: Route): CompiledRoute {
  const names: string[] = [];
  const source = r.template
    .split('/')
    .map((seg) => {
      const m = /^\{(\w+)(\+?)\}$/.exec(seg);
      if (!m) return seg.replace(/[.*+?^$()|[\]\\]/g, '\\$&');
      names.push(m[1]);
      return m[2] ? '(.+)' : '([^/]+)';
    })
    .join('/');
  return { ...r, regex: new RegExp(`^${source}$`), names };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class FakeWorkspaceServer implements FakeWorkspace {
  readonly state: WorkspaceState;
  readonly faults = new Faults();
  readonly calls: ServedCall[] = [];
  readonly options: FakeOptions;
  private readonly internals: FakeInternals;
  private readonly routes: CompiledRoute[];
  private readonly server: http.Server;
  private readonly counts = new Map<string, number>();
  private baseUrl = '';

  constructor(opts: StartOptions = {}) {
    this.state = new WorkspaceState(opts.seed ?? {});
    this.options = {
      tokenLifetimeSeconds: opts.tokenLifetimeSeconds ?? 3600,
      expiresInAsString: false,
      sqlPollsToFinish: 2,
      sqlChunkSize: 1000,
      auditTableEnabled: true,
      ...opts.options,
    };
    Object.assign(this.faults, opts.faults ?? {});
    this.internals = {
      state: this.state,
      options: this.options,
      calls: this.calls,
      readHooks: new Map(),
      statements: new Map<string, StoredStatement>(),
    };
    this.routes = [
      ...identityRoutes(),
      ...jobsRoutes(),
      ...permissionsRoutes(),
      ...secretsRoutes(),
      ...networkRoutes(),
      ...sqlRoutes(),
      ...accountRoutes(),
    ].map(compile);
    this.server = http.createServer((req, res) => {
      void this.handle(req, res);
    });
    // Long keep-alive: a client reusing a socket the server just closed would see spurious resets.
    this.server.keepAliveTimeout = 65_000;
  }

  get url(): string {
    return this.baseUrl;
  }

  get maxInFlightSeen(): number {
    return this.faults.maxInFlightSeen;
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  onceAfterPermissionsRead(objectType: string, id: string, mutate: (s: FakeState) => void): void {
    const key = `${normaliseObjectType(objectType)}/${id}`;
    const list = this.internals.readHooks.get(key) ?? [];
    list.push(mutate);
    this.internals.readHooks.set(key, list);
  }

  requestCount(routePrefix?: string): number {
    if (routePrefix === undefined) return this.calls.length;
    let n = 0;
    for (const c of this.calls) {
      const template = c.route.slice(c.route.indexOf(' ') + 1);
      if (c.route.startsWith(routePrefix) || template.startsWith(routePrefix) || `${c.method} ${c.path}`.startsWith(routePrefix) || c.path.startsWith(routePrefix)) n++;
    }
    return n;
  }

  /** counts by `METHOD /route-template` */
  routeCounts(): ReadonlyMap<string, number> {
    return this.counts;
  }

  // ------------------------------------------------------------ request pipeline

  private async handle(req: http.IncomingMessage, res: http.ServerResponse): Promise<void> {
    const requestId = randomUUID();
    const method = req.method ?? 'GET';
    const url = new URL(req.url ?? '/', 'http://fake');
    const path = url.pathname;
    const rawBody = await readBody(req);
    const match = this.match(method, path);
    const ctx = new RouteContext(this.internals, method, path, url.searchParams, match?.params ?? {}, req.headers, rawBody, this.state.callerIp);
    const routeName = `${method} ${match?.route.template ?? path}`;
    let principal: string | undefined;

    const finish = (reply: Reply): void => {
      const status = reply.status ?? 200;
      const text = reply.raw ?? (reply.body === undefined ? '' : JSON.stringify(reply.body));
      const headers: Record<string, string> = {
        'X-Databricks-Org-Id': this.state.workspaceId,
        'x-request-id': requestId,
        ...(reply.raw === undefined && reply.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
        ...reply.headers,
      };
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(status, headers);
        res.end(text);
      }
      this.record({ method, path, status, principal, requestId, route: routeName, sourceIp: ctx.sourceIp, userAgent: req.headers['user-agent'], ctx });
    };

    if (!this.faults.enter()) {
      const cap = this.faults.concurrencyCap ?? 0;
      finish(errorReply(tooManyRequests(`The request was rejected because it exceeded the concurrent limit of ${cap} requests`, this.faults.retryAfterSeconds)));
      return;
    }
    try {
      if (this.faults.latencyMs > 0) await sleep(this.faults.latencyMs);
      const injected = this.faults.take(method, path);
      if (injected?.kind.type === 'reset') {
        req.socket.destroy();
        this.record({ method, path, status: 0, principal, requestId, route: routeName, sourceIp: ctx.sourceIp, userAgent: req.headers['user-agent'], ctx });
        return;
      }
      if (injected?.kind.type === 'delay') await sleep(injected.kind.ms);
      if (injected?.kind.type === 'status') {
        const k = injected.kind;
        finish({ status: k.status, raw: k.body ?? '', headers: { ...(k.contentType ? { 'Content-Type': k.contentType } : {}), ...k.headers } });
        return;
      }
      if (!match) {
        finish(errorReply(apiError(404, 'ENDPOINT_NOT_FOUND', `No API found for '${method} ${path}'`)));
        return;
      }
      const r = match.route;
      if (r.auth === 'workspace') principal = this.authenticateWorkspace(ctx);
      if (r.auth === 'account') principal = this.authenticateAccount(ctx);
      if (r.rate && !this.faults.takeRate(r.rate)) {
        throw tooManyRequests(`Your request was rejected since it exceeded the ${r.rate} rate limit for this endpoint. Please retry later.`, this.faults.retryAfterSeconds);
      }
      finish(await r.handler(ctx));
    } catch (err) {
      finish(errorReply(err));
    } finally {
      this.faults.leave();
    }
  }

  private match(method: string, path: string): { route: CompiledRoute; params: Record<string, string> } | undefined {
    for (const route of this.routes) {
      if (route.method !== method) continue;
      const m = route.regex.exec(path);
      if (!m) continue;
      const params: Record<string, string> = {};
      route.names.forEach((n, i) => (params[n] = decodeURIComponent(m[i + 1])));
      return { route, params };
    }
    return undefined;
  }

  private bearer(ctx: RouteContext): string | undefined {
    const h = ctx.headers.authorization;
    const m = h ? /^Bearer\s+(\S+)$/i.exec(h) : null;
    return m?.[1];
  }

  /** Checks the token and the source IP; returns the caller's name. */
  private authenticateWorkspace(ctx: RouteContext): string | undefined {
    const token = this.bearer(ctx);
    const resolved = token ? this.state.resolveToken(token) : undefined;
    const known = typeof resolved === 'object' ? resolved : undefined;
    ctx.sourceIp = this.state.sourceIpOf(known?.principal);
    // The gateway refuses a blocked address before it looks at the token.
    if (this.state.ipListsEnabled() && this.state.isBlocked(ctx.sourceIp)) {
      throw new FakeHttpError(403, {
        error_code: 403,
        message: `Source IP address: ${ctx.sourceIp} is blocked by Databricks IP ACL for workspace: ${this.state.workspaceId}`,
      });
    }
    if (resolved === 'expired') throw expiredToken();
    if (!known || known.kind === 'account') throw invalidToken();
    const caller = this.state.caller(known.principal);
    if (!caller) throw invalidToken();
    if (caller.sp && caller.sp.active === false) throw invalidToken();
    if (caller.sp && caller.sp.inWorkspace === false) {
      throw permissionDenied(`Service principal ${caller.name} is not a member of workspace ${this.state.workspaceId}.`);
    }
    ctx.caller = caller;
    return caller.name;
  }

  private authenticateAccount(ctx: RouteContext): string | undefined {
    const token = this.bearer(ctx);
    const resolved = token ? this.state.resolveToken(token) : undefined;
    if (resolved === 'expired') throw expiredToken();
    if (!resolved || resolved.kind !== 'account') throw invalidToken();
    if (ctx.params.account_id !== undefined && ctx.params.account_id !== this.state.accountId) {
      throw permissionDenied(`Not authorized to access account ${ctx.params.account_id}.`);
    }
    ctx.caller = { kind: 'sp', name: resolved.principal, displayName: resolved.principal, id: '', groups: ['account admins'], isAdmin: true };
    return resolved.principal;
  }

  private record(c: {
    method: string;
    path: string;
    status: number;
    principal: string | undefined;
    requestId: string;
    route: string;
    sourceIp: string;
    userAgent: string | undefined;
    ctx: RouteContext;
  }): void {
    this.calls.push({
      time: Date.now(),
      method: c.method,
      path: c.path,
      status: c.status,
      principal: c.principal,
      action: c.ctx.action,
      objectId: c.ctx.objectId,
      requestId: c.requestId,
      sourceIp: c.sourceIp,
      route: c.route,
      userAgent: c.userAgent,
      requestParams: c.ctx.requestParams,
    });
    this.counts.set(c.route, (this.counts.get(c.route) ?? 0) + 1);
  }
}

function errorReply(err: unknown): Reply {
  if (err instanceof FakeHttpError) {
    return typeof err.body === 'string' ? { status: err.status, raw: err.body, headers: err.headers } : { status: err.status, body: err.body, headers: err.headers };
  }
  const message = err instanceof Error ? err.message : String(err);
  return { status: 500, body: { error_code: 'INTERNAL_ERROR', message: `fake workspace bug: ${message}` } };
}

function readBody(req: http.IncomingMessage): Promise<string> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', () => resolve(''));
  });
}

export async function startFakeWorkspace(opts: StartOptions = {}): Promise<FakeWorkspace> {
  const fake = new FakeWorkspaceServer(opts);
  await fake.listen(opts.port ?? 0);
  return fake;
}
