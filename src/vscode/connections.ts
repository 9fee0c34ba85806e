import { setMaxListeners } from 'events';
import * as fs from 'fs/promises';
import * as path from 'path';
import * as vscode from 'vscode';
import type { AuthConfig } from '../databricks/config';
import { describeError } from '../databricks/errors';
import { normalizeHost } from '../databricks/host';
import { RequestScheduler } from '../databricks/scheduler';
import type { ErrorKind, WorkspaceApi } from '../databricks/api';
import { AccessService, checkConnection, JobInventory, Ledger, lookupServicePrincipal, type ConnectedIdentity, type VerifyReport } from '../onboarding';
import type { LedgerStore, ZipherPrincipal } from '../onboarding/model';
import type { AuthArgs } from './commands/ids';
import type { Logger } from './logging';
import { buildAgents } from './network';
import type { SecretStore } from './secrets';
import type { Settings, WorkspaceConfig } from './settings';

export type ConnectionStatus = 'connecting' | 'connected' | 'error';

/** One configured workspace and everything the extension holds for it. */
export interface Connection {
  readonly host: string;
  config: WorkspaceConfig;
  status: ConnectionStatus;
  identity?: ConnectedIdentity;
  error?: { kind: ErrorKind | 'config'; message: string };
  api?: WorkspaceApi;
  principal?: ZipherPrincipal;
  /** set when the configured SP was not found (or could not be looked up) */
  principalProblem?: string;
  inventory?: JobInventory;
  ledger?: Ledger;
  access?: AccessService;
  lastVerify?: VerifyReport;
}

export type ConnectionEvent =
  | { kind: 'added' | 'removed' | 'status' | 'principal' | 'inventory' | 'verify'; host: string };

export type ConnectOutcome =
  | { ok: true; connection: Connection }
  | { ok: false; kind: ErrorKind | 'config'; message: string };

export type PrincipalOutcome =
  | { ok: true; found: boolean; principal: ZipherPrincipal; message: string }
  | { ok: false; message: string };

/**
 * The Model of connected workspaces: builds one scheduler and one client per host, checks who we
 * are, owns each host's inventory, ledger and access service, and fires a change event whenever
 * any of that moves. No `window.*` calls here.
 */
export class ConnectionManager implements vscode.Disposable {
  private readonly connections = new Map<string, Connection>();
  private readonly schedulers = new Map<string, RequestScheduler>();
  private readonly aborts = new Map<string, AbortController>();
  private readonly emitter = new vscode.EventEmitter<ConnectionEvent>();
  private readonly log;
  private readonly httpLog;
  private readonly subscriptions: { dispose(): void }[] = [];
  readonly onDidChange = this.emitter.event;

  constructor(
    private readonly settings: Settings,
    private readonly secrets: SecretStore,
    private readonly logger: Logger,
    private readonly storageDir: string,
  ) {
    this.log = logger.for('connections');
    this.httpLog = logger.for('http');
    this.subscriptions.push(
      settings.onDidChange((area) => {
        if (area === 'workspaces') void this.syncWithSettings();
        if (area === 'concurrency') for (const s of this.schedulers.values()) s.setCeiling(this.settings.maxConcurrentRequests());
        if (area === 'network') for (const c of this.connections.values()) void this.establish(c);
        if (area === 'grants') for (const c of this.connections.values()) this.rebuildServices(c);
      }),
      // A token stored from another window repairs a workspace that failed for lack of it.
      secrets.onDidChange((host) => {
        const c = this.connections.get(host);
        if (c && c.status === 'error') void this.establish(c);
      }),
    );
  }

  list(): Connection[] {
    return [...this.connections.values()];
  }

  get(host: string): Connection | undefined {
    return this.connections.get(tryNormalize(host) ?? host);
  }

  /** Loads every workspace from settings and connects in the background. */
  async start(): Promise<void> {
    await this.syncWithSettings();
  }

  /**
   * Checks the credentials first; only when Databricks accepts them are the secret (SecretStorage)
   * and the config (settings) saved. A failure changes nothing.
   */
  async connect(hostInput: string, auth: AuthArgs, signal?: AbortSignal): Promise<ConnectOutcome> {
    let host: string;
    try {
      host = normalizeHost(hostInput);
    } catch (e) {
      return { ok: false, kind: 'config', message: describeError(e) };
    }
    if (auth.type === 'pat') this.logger.masker.add(auth.token);
    if (auth.type === 'oauth-m2m') this.logger.masker.add(auth.clientSecret);
    const previous = this.connections.get(host)?.config;
    const config: WorkspaceConfig = {
      host,
      auth: auth.type,
      profile: auth.type === 'profile' ? auth.profile : undefined,
      clientId: auth.type === 'oauth-m2m' ? auth.clientId : undefined,
      servicePrincipal: previous?.servicePrincipal,
    };
    let api: WorkspaceApi;
    try {
      api = await this.createClient(config, toAuthConfig(auth));
    } catch (e) {
      return { ok: false, kind: 'config', message: describeError(e) };
    }
    const check = await checkConnection(api, signal);
    if (!check.ok) {
      this.log.warn(`connect ${host} refused: ${check.detail}`);
      return { ok: false, kind: check.kind, message: check.message };
    }
    if (auth.type === 'pat') await this.secrets.setAuth(host, { type: 'pat', token: auth.token });
    else if (auth.type === 'oauth-m2m') await this.secrets.setAuth(host, { type: 'oauth-m2m', clientSecret: auth.clientSecret });
    this.dropConnection(host, false);
    const connection: Connection = { host, config, status: 'connected', api, identity: check.identity };
    this.connections.set(host, connection);
    // Settings are written after the connection exists so the change event finds nothing to do.
    await this.settings.upsertWorkspace(stripUndefined(config));
    this.log.info(`connected to ${host} as ${check.identity.userName}${check.identity.isAdmin ? ' (admin)' : ''}`);
    this.emitter.fire({ kind: 'added', host });
    await this.resolvePrincipal(connection, signal);
    return { ok: true, connection };
  }

  /** Forgets the workspace: config, secrets, and everything loaded. */
  async disconnect(host: string): Promise<boolean> {
    const key = tryNormalize(host) ?? host;
    const known = this.connections.has(key);
    this.dropConnection(key, true);
    await this.secrets.deleteAll(key);
    await this.settings.removeWorkspace(key);
    this.log.info(`disconnected ${key}`);
    return known;
  }

  async setServicePrincipal(host: string, applicationId: string, clientSecret: string | undefined, signal?: AbortSignal): Promise<PrincipalOutcome> {
    const connection = this.get(host);
    if (!connection) return { ok: false, message: `${host} is not connected. Run "Zipher: Connect Workspace" first.` };
    const id = applicationId.trim().toLowerCase();
    if (clientSecret) this.logger.masker.add(clientSecret);
    connection.config = { ...connection.config, servicePrincipal: id };
    if (clientSecret) await this.secrets.setSp(connection.host, { applicationId: id, clientSecret });
    else {
      const stored = await this.secrets.getSp(connection.host);
      if (stored && stored.applicationId !== id) await this.secrets.deleteSp(connection.host);
    }
    await this.settings.updateWorkspace(connection.host, { servicePrincipal: id });
    await this.resolvePrincipal(connection, signal);
    const principal = connection.principal ?? { applicationId: id };
    const found = connection.principalProblem === undefined;
    return {
      ok: true,
      found,
      principal,
      message: found
        ? `Zipher's service principal on ${connection.host} is ${principal.displayName ?? id} (${id}).`
        : connection.principalProblem ?? `Service principal ${id} is not in this workspace.`,
    };
  }

  /** An OAuth M2M client acting as Zipher's SP, when its secret is stored. */
  async servicePrincipalClient(host: string): Promise<(() => Promise<WorkspaceApi>) | undefined> {
    const connection = this.get(host);
    const stored = connection ? await this.secrets.getSp(connection.host) : undefined;
    if (!connection || !stored || stored.applicationId !== connection.principal?.applicationId) return undefined;
    return () => this.createClient(connection.config, { type: 'oauth-m2m', clientId: stored.applicationId, clientSecret: stored.clientSecret });
  }

  setLastVerify(host: string, report: VerifyReport): void {
    const connection = this.get(host);
    if (!connection) return;
    connection.lastVerify = report;
    this.emitter.fire({ kind: 'verify', host: connection.host });
  }

  /** Re-checks a workspace in error, or reloads a connected one's jobs. */
  async refresh(host?: string): Promise<void> {
    const targets = host ? [this.get(host)].filter((c): c is Connection => !!c) : this.list();
    await Promise.all(
      targets.map(async (c) => {
        if (c.status !== 'connected') return this.establish(c);
        if (c.principal?.applicationId && c.principalProblem) await this.resolvePrincipal(c);
        else this.rebuildServices(c);
      }),
    );
  }

  dispose(): void {
    for (const host of [...this.connections.keys()]) this.dropConnection(host, false);
    this.subscriptions.forEach((d) => d.dispose());
    this.emitter.dispose();
  }

  // ---------------------------------------------------------------- internals

  private async syncWithSettings(): Promise<void> {
    const { valid, invalid } = this.settings.workspaces();
    for (const problem of invalid) this.log.warn(problem.message);
    const wanted = new Map(valid.map((w) => [w.host, w]));
    for (const host of [...this.connections.keys()]) if (!wanted.has(host)) this.dropConnection(host, true);
    await Promise.all(
      [...wanted.values()].map(async (config) => {
        const existing = this.connections.get(config.host);
        if (existing && sameConfig(existing.config, config)) return;
        if (existing && sameAuth(existing.config, config) && existing.status === 'connected') {
          existing.config = config;
          await this.resolvePrincipal(existing);
          return;
        }
        const connection: Connection = existing ?? { host: config.host, config, status: 'connecting' };
        connection.config = config;
        if (!existing) {
          this.connections.set(config.host, connection);
          this.emitter.fire({ kind: 'added', host: config.host });
        }
        await this.establish(connection);
      }),
    );
  }

  private async establish(connection: Connection): Promise<void> {
    this.aborts.get(connection.host)?.abort();
    const abort = new AbortController();
    setMaxListeners(0, abort.signal);
    this.aborts.set(connection.host, abort);
    this.setStatus(connection, 'connecting');
    const auth = await this.storedAuth(connection.config);
    if (abort.signal.aborted) return;
    if (!auth.ok) {
      connection.error = { kind: 'config', message: auth.message };
      this.setStatus(connection, 'error');
      return;
    }
    let api: WorkspaceApi;
    try {
      api = await this.createClient(connection.config, auth.auth);
    } catch (e) {
      connection.error = { kind: 'config', message: describeError(e) };
      this.setStatus(connection, 'error');
      return;
    }
    const check = await checkConnection(api, abort.signal);
    if (abort.signal.aborted || this.connections.get(connection.host) !== connection) return;
    // Kept even on failure: Verify Connectivity explains a broken connection with it.
    connection.api = api;
    if (!check.ok) {
      this.log.warn(`${connection.host}: ${check.detail}`);
      connection.error = { kind: check.kind, message: check.message };
      this.setStatus(connection, 'error');
      return;
    }
    connection.identity = check.identity;
    connection.error = undefined;
    this.log.info(`connected to ${connection.host} as ${check.identity.userName}${check.identity.isAdmin ? ' (admin)' : ''}`);
    this.setStatus(connection, 'connected');
    await this.resolvePrincipal(connection, abort.signal);
  }

  private async storedAuth(config: WorkspaceConfig): Promise<{ ok: true; auth: AuthConfig } | { ok: false; message: string }> {
    if (config.auth === 'profile') {
      if (!config.profile) return { ok: false, message: `The zipher.workspaces entry for ${config.host} uses profile auth but names no profile.` };
      return { ok: true, auth: { type: 'profile', profile: config.profile } };
    }
    const secret = await this.secrets.getAuth(config.host);
    if (config.auth === 'pat') {
      if (secret?.type !== 'pat') return { ok: false, message: `No access token is stored for ${config.host}. Run "Zipher: Connect Workspace" to enter one.` };
      return { ok: true, auth: { type: 'pat', token: secret.token } };
    }
    if (!config.clientId || secret?.type !== 'oauth-m2m') {
      return { ok: false, message: `No OAuth client secret is stored for ${config.host}. Run "Zipher: Connect Workspace" to enter it.` };
    }
    return { ok: true, auth: { type: 'oauth-m2m', clientId: config.clientId, clientSecret: secret.clientSecret } };
  }

  private async createClient(config: WorkspaceConfig, auth: AuthConfig): Promise<WorkspaceApi> {
    const agents = await buildAgents(this.settings.network(), config.host);
    // Loaded on first use: axios and zod cost activation time and no workspace may be configured.
    const { createWorkspaceClient } = await import('../databricks');
    return createWorkspaceClient({
      host: config.host,
      auth,
      logger: this.httpLog,
      httpAgent: agents.httpAgent,
      httpsAgent: agents.httpsAgent,
      scheduler: this.schedulerFor(config.host),
      maxConcurrency: this.settings.maxConcurrentRequests(),
      userAgent: 'zipher-vscode',
    });
  }

  private schedulerFor(host: string): RequestScheduler {
    let scheduler = this.schedulers.get(host);
    if (!scheduler) {
      scheduler = new RequestScheduler({ ceiling: this.settings.maxConcurrentRequests() });
      this.schedulers.set(host, scheduler);
    }
    return scheduler;
  }

  private async resolvePrincipal(connection: Connection, signal?: AbortSignal): Promise<void> {
    const id = connection.config.servicePrincipal;
    connection.principal = undefined;
    connection.principalProblem = undefined;
    if (id && connection.api) {
      connection.principal = { applicationId: id };
      const lookup = await lookupServicePrincipal(connection.api, id, signal);
      if (lookup.found) {
        connection.principal = { applicationId: lookup.sp.applicationId, displayName: lookup.sp.displayName, scimId: lookup.sp.id };
      } else {
        connection.principalProblem = lookup.message;
        this.log.warn(`${connection.host}: ${lookup.message}`);
      }
    }
    this.emitter.fire({ kind: 'principal', host: connection.host });
    this.rebuildServices(connection);
  }

  /** A new inventory and access service whenever the principal or plan options change. */
  private rebuildServices(connection: Connection): void {
    connection.inventory?.dispose();
    connection.inventory = undefined;
    connection.access = undefined;
    if (connection.status === 'connected' && connection.api) {
      connection.ledger ??= new Ledger(this.ledgerStore(connection.host));
      const access = connection.principal
        ? new AccessService({
            api: connection.api,
            principal: connection.principal,
            ledger: connection.ledger,
            options: this.settings.planOptions(),
            actor: connection.identity?.userName ?? 'unknown',
          })
        : undefined;
      connection.access = access;
      connection.inventory = new JobInventory(connection.api, connection.principal, {
        ledger: connection.ledger,
        dependencyDrift: access ? (jobIds, opts) => access.detectDrift(jobIds, opts) : undefined,
      });
    }
    this.emitter.fire({ kind: 'inventory', host: connection.host });
  }

  private ledgerStore(host: string): LedgerStore {
    const file = path.join(this.storageDir, `ledger-${host.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]/g, '_')}.json`);
    return {
      read: async () => {
        try {
          return await fs.readFile(file, 'utf8');
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
          throw e;
        }
      },
      write: async (text) => {
        await fs.mkdir(this.storageDir, { recursive: true });
        // Write then rename so a crash never leaves half a ledger.
        const tmp = `${file}.tmp`;
        await fs.writeFile(tmp, text, 'utf8');
        await fs.rename(tmp, file);
      },
    };
  }

  private setStatus(connection: Connection, status: ConnectionStatus): void {
    connection.status = status;
    if (status !== 'connected') {
      connection.inventory?.dispose();
      connection.inventory = undefined;
      connection.access = undefined;
    }
    this.emitter.fire({ kind: 'status', host: connection.host });
  }

  private dropConnection(host: string, notify: boolean): void {
    this.aborts.get(host)?.abort();
    this.aborts.delete(host);
    const connection = this.connections.get(host);
    if (!connection) return;
    connection.inventory?.dispose();
    this.connections.delete(host);
    if (notify) this.emitter.fire({ kind: 'removed', host });
  }
}

function toAuthConfig(auth: AuthArgs): AuthConfig {
  return auth.type === 'profile' ? { type: 'profile', profile: auth.profile } : auth;
}

function tryNormalize(host: string): string | undefined {
  try {
    return normalizeHost(host);
  } catch {
    return undefined;
  }
}

function sameAuth(a: WorkspaceConfig, b: WorkspaceConfig): boolean {
  return a.auth === b.auth && a.profile === b.profile && a.clientId === b.clientId;
}

function sameConfig(a: WorkspaceConfig, b: WorkspaceConfig): boolean {
  return sameAuth(a, b) && a.servicePrincipal === b.servicePrincipal;
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
