/**
 * The stored SP secret's expiry per workspace, for the status bar. A secret this extension
 * generated carries its id and expiry in SecretStorage; one pasted in by hand is matched by listing
 * the SP's secrets through the account console (only when exactly one is active), else "unknown".
 */
import * as vscode from 'vscode';
import { SECRET_EXPIRY_WARNING_DAYS } from '../../onboarding';
import { accountSecrets, findServicePrincipal, summarise } from '../../onboarding/identity';
import type { Connection, ConnectionManager } from '../connections';
import type { ComponentLogger } from '../logging';
import type { SecretStore } from '../secrets';
import type { SecretExpirySource } from '../statusBar';
import type { AccountConnections } from './accountConnection';

const DAY_MS = 86_400_000;
const DEBOUNCE_MS = 300;

export interface SecretExpiryInfo {
  expiresAt?: string;
  note?: string;
  /** where the expiry came from */
  source: 'stored' | 'listed' | 'unknown';
}

export class SecretExpiryTracker implements SecretExpirySource, vscode.Disposable {
  private readonly info = new Map<string, SecretExpiryInfo>();
  private readonly emitter = new vscode.EventEmitter<void>();
  private readonly subscriptions: { dispose(): void }[] = [];
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly running = new Map<string, Promise<void>>();

  constructor(
    private readonly connections: ConnectionManager,
    private readonly secrets: SecretStore,
    private readonly accounts: AccountConnections,
    private readonly log: ComponentLogger,
    private readonly now: () => Date = () => new Date(),
  ) {
    this.subscriptions.push(
      connections.onDidChange((e) => {
        if (e.kind === 'removed') {
          this.info.delete(e.host);
          this.emitter.fire();
        } else if (e.kind === 'principal' || e.kind === 'added' || e.kind === 'status') this.schedule(e.host);
      }),
      secrets.onDidChange((host) => this.schedule(host)),
    );
  }

  onDidChange(listener: () => void): { dispose(): void } {
    return this.emitter.event(listener);
  }

  expiryFor(host: string): SecretExpiryInfo | undefined {
    return this.info.get(host);
  }

  /** Recomputes now (after a command changed the secret, and in tests). */
  async refresh(host?: string): Promise<void> {
    const targets = host ? [this.connections.get(host)].filter((c): c is Connection => !!c) : this.connections.list();
    await Promise.all(targets.map((c) => this.compute(c)));
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.subscriptions.forEach((s) => s.dispose());
    this.emitter.dispose();
  }

  private schedule(host: string): void {
    clearTimeout(this.timers.get(host));
    this.timers.set(
      host,
      setTimeout(() => {
        this.timers.delete(host);
        const c = this.connections.get(host);
        if (c) void this.compute(c);
      }, DEBOUNCE_MS),
    );
  }

  private compute(c: Connection): Promise<void> {
    // One computation per host at a time; a later request waits for it and runs again.
    const previous = this.running.get(c.host) ?? Promise.resolve();
    const next = previous.then(() => this.computeNow(c)).catch((e) => this.log.warn(`secret expiry for ${c.host}: ${String((e as Error)?.message ?? e)}`));
    this.running.set(c.host, next);
    return next;
  }

  private async computeNow(c: Connection): Promise<void> {
    const info = await this.read(c);
    const before = this.info.get(c.host);
    if (info) this.info.set(c.host, info);
    else this.info.delete(c.host);
    if (JSON.stringify(before) !== JSON.stringify(info)) this.emitter.fire();
  }

  private async read(c: Connection): Promise<SecretExpiryInfo | undefined> {
    const appId = c.principal?.applicationId;
    if (!appId) return undefined;
    const stored = await this.secrets.getSp(c.host);
    if (!stored || stored.applicationId !== appId) return undefined;
    if (stored.expiresAt) return { ...this.describe(stored.expiresAt, stored.secretId), source: 'stored' };
    const account = await this.accounts.forWorkspace(c.host);
    if (!account.ok) return { source: 'unknown', note: 'OAuth secret expiry unknown (it was entered by hand; connect the account console to read it).' };
    const sp = await findServicePrincipal(account.account, { applicationId: appId }, { priority: 'background' });
    if (!sp.ok || !sp.value) return { source: 'unknown', note: 'OAuth secret expiry unknown (the service principal was not found in the connected account).' };
    try {
      const listed = (await accountSecrets(account.account).list(sp.value.id, { priority: 'background' })).map((s) => summarise(s, this.now()));
      const active = listed.filter((s) => !s.status || s.status === 'ACTIVE');
      // With several active secrets nothing tells which one was pasted in; guessing could hide an expiry.
      if (active.length === 1 && active[0].expiresAt) return { ...this.describe(active[0].expiresAt.toISOString(), active[0].id), source: 'listed' };
      return { source: 'unknown', note: `OAuth secret expiry unknown (the service principal has ${active.length} active secrets; the stored one was entered by hand).` };
    } catch (e) {
      this.log.debug(`listing secrets for expiry failed on ${c.host}: ${String((e as Error)?.message ?? e)}`);
      return { source: 'unknown', note: 'OAuth secret expiry unknown (the account console could not list the secrets).' };
    }
  }

  /** The health summary already warns within the warning window; the note covers the calm case. */
  private describe(expiresAt: string, secretId?: string): { expiresAt: string; note?: string } {
    const at = Date.parse(expiresAt);
    if (Number.isNaN(at)) return { expiresAt, note: 'OAuth secret expiry unknown (unreadable date).' };
    const days = Math.floor((at - this.now().getTime()) / DAY_MS);
    if (days <= SECRET_EXPIRY_WARNING_DAYS) return { expiresAt };
    return { expiresAt, note: `OAuth secret${secretId ? ` ${secretId.slice(0, 8)}…` : ''} expires on ${new Date(at).toISOString().slice(0, 10)} (in ${days} days).` };
  }
}
