/**
 * The walkthrough's checklist from live state: one boolean context key per item, set by the
 * extension (`setupChecklist`), so a step completes when the thing is actually done, not when its
 * button was clicked. Cheap inputs (principal, inventory, last verify) are re-read on every change;
 * the ones that cost calls (secret listing, IP lists) only on refresh.
 */
import * as vscode from 'vscode';
import { inspectIpAccess, listSecrets, setupChecklist, type SetupChecklistItem, type SetupChecklistItemId, type SetupChecklistState } from '../../onboarding/identity';
import type { Connection, ConnectionManager } from '../connections';
import type { ComponentLogger } from '../logging';
import type { SecretStore } from '../secrets';
import type { Settings } from '../settings';
import type { AccountConnections } from './accountConnection';
import type { ChecklistRow, RefreshChecklistResult } from './results';
import { resolveSpTarget } from './spTarget';
import { targetJobs } from '../../onboarding/targets';

/** Context keys the walkthrough's `completionEvents` read, with their defaults. */
export const SETUP_CONTEXT_KEYS: Record<SetupChecklistItemId, string> = {
  'sp-created': 'zipher.setup.spCreated',
  'secret-stored': 'zipher.setup.secretStored',
  'sp-in-workspace': 'zipher.setup.spInWorkspace',
  'jobs-managed': 'zipher.setup.jobsManaged',
  'egress-allowed': 'zipher.setup.egressAllowed',
  connectivity: 'zipher.setup.connectivity',
  'handoff-ready': 'zipher.setup.handoffReady',
};
const DEBOUNCE_MS = 300;

interface Costly {
  activeSecretCount?: number;
  egressAccess?: SetupChecklistState['egressAccess'];
}

export class SetupChecklistModel implements vscode.Disposable {
  private readonly values = new Map<string, boolean>();
  private readonly costly = new Map<string, Costly>();
  private readonly subscriptions: { dispose(): void }[] = [];
  private readonly inventorySubs = new Map<string, { dispose(): void }>();
  private timer: NodeJS.Timeout | undefined;
  private items: { host?: string; items: SetupChecklistItem[] } = { items: [] };

  constructor(
    private readonly connections: ConnectionManager,
    private readonly secrets: SecretStore,
    private readonly settings: Settings,
    private readonly accounts: AccountConnections,
    private readonly log: ComponentLogger,
  ) {
    this.subscriptions.push(
      connections.onDidChange((e) => {
        if (e.kind === 'removed') this.costly.delete(e.host);
        this.watchInventories();
        if (e.kind === 'principal' || e.kind === 'added') void this.refreshCostly(e.host).then(() => this.schedule());
        else this.schedule();
      }),
      secrets.onDidChange(() => this.schedule()),
      settings.onDidChange((area) => {
        if (area === 'egress' || area === 'account') for (const c of connections.list()) void this.refreshCostly(c.host).then(() => this.schedule());
      }),
    );
  }

  /** Every key gets its default (false) at activation, so no step is stuck on a stale value. */
  async initialize(): Promise<void> {
    await Promise.all(Object.values(SETUP_CONTEXT_KEYS).map((k) => this.setKey(k, false, true)));
  }

  /** Context key values as last set (tests read these; VS Code has no getter). */
  contextValues(): Record<string, boolean> {
    return Object.fromEntries(Object.values(SETUP_CONTEXT_KEYS).map((k) => [k, this.values.get(k) ?? false]));
  }

  /** Re-reads everything, including the calls, and sets the keys. */
  async refresh(host?: string): Promise<RefreshChecklistResult> {
    const targets = host ? [this.connections.get(host)].filter((c): c is Connection => !!c) : this.connections.list();
    await Promise.all(targets.map((c) => this.refreshCostly(c.host)));
    await this.recompute();
    const shown = host ? await this.itemsFor(host) : this.items;
    return { host: shown.host, items: shown.items.map(toRow) };
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const s of this.inventorySubs.values()) s.dispose();
    this.subscriptions.forEach((s) => s.dispose());
  }

  private schedule(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.recompute().catch((e) => this.log.warn(`setup checklist: ${String((e as Error)?.message ?? e)}`));
    }, DEBOUNCE_MS);
  }

  private watchInventories(): void {
    const live = new Set<string>();
    for (const c of this.connections.list()) {
      live.add(c.host);
      this.inventorySubs.get(c.host)?.dispose();
      if (c.inventory) this.inventorySubs.set(c.host, c.inventory.onDidChange(() => this.schedule()));
      else this.inventorySubs.delete(c.host);
    }
    for (const [host, sub] of this.inventorySubs) if (!live.has(host)) {
      sub.dispose();
      this.inventorySubs.delete(host);
    }
  }

  /** A workspace's checklist; with several workspaces a step is done only when done in all. */
  private async recompute(): Promise<void> {
    const connected = this.connections.list().filter((c) => c.status === 'connected');
    const perHost = await Promise.all(connected.map((c) => this.itemsFor(c.host)));
    this.items = perHost[0] ?? { items: setupChecklist({}) };
    for (const [id, key] of Object.entries(SETUP_CONTEXT_KEYS) as [SetupChecklistItemId, string][]) {
      const done = perHost.length > 0 && perHost.every((h) => h.items.find((i) => i.id === id)?.status === 'done');
      await this.setKey(key, done);
    }
  }

  private async itemsFor(host: string): Promise<{ host?: string; items: SetupChecklistItem[] }> {
    const c = this.connections.get(host);
    if (!c || c.status !== 'connected') return { host, items: setupChecklist({}) };
    const costly = this.costly.get(c.host) ?? {};
    const principal = c.principal;
    const stored = await this.secrets.getSp(c.host);
    const state: SetupChecklistState = {
      sp: !principal ? null : c.principalProblem === undefined ? { applicationId: principal.applicationId, id: principal.scimId } : undefined,
      spInWorkspace: principal ? c.principalProblem === undefined : false,
      secretInStorage: principal ? !!stored && stored.applicationId === principal.applicationId : undefined,
      activeSecretCount: costly.activeSecretCount,
      targetJobs: await this.targetJobs(c),
      egressAccess: costly.egressAccess,
      connectivity: c.lastVerify ? { ok: c.lastVerify.status === 'healthy', at: c.lastVerify.time } : undefined,
    };
    return { host: c.host, items: setupChecklist(state) };
  }

  /** Targets as the domain defines them (managed now, or granted by us per the ledger). */
  private async targetJobs(c: Connection): Promise<SetupChecklistState['targetJobs']> {
    const inv = c.inventory;
    if (!inv || inv.status !== 'loaded' || !c.principal) return undefined;
    const t = await targetJobs({ host: c.host, rows: inv.rows(), principal: c.principal, ledger: c.ledger });
    if (t.ledgerProblem) this.log.debug(`setup checklist: ledger unreadable for ${c.host}: ${t.ledgerProblem}`);
    const states = t.jobIds.map((id) => inv.row(id)?.state ?? 'unknown');
    return { total: t.jobIds.length, managed: states.filter((s) => s === 'managed').length, unknown: states.filter((s) => s === 'unknown' || s === 'loading').length };
  }

  private async refreshCostly(host: string): Promise<void> {
    const c = this.connections.get(host);
    if (!c || c.status !== 'connected' || !c.api) return;
    const next: Costly = {};
    if (c.principal) {
      const target = await resolveSpTarget(c, this.accounts, { priority: 'background' });
      if (target.ok) {
        const listed = await listSecrets(target.target.backend, target.target.sp.id, { priority: 'background' });
        if (listed.ok) next.activeSecretCount = listed.value.secrets.filter((s) => (!s.status || s.status === 'ACTIVE') && (s.daysLeft === undefined || s.daysLeft >= 0)).length;
      }
    }
    const egress = this.settings.egressIps().entries;
    if (egress.length) {
      const inspected = await inspectIpAccess(c.api, egress, { priority: 'background' });
      if (inspected.ok) next.egressAccess = inspected.value.access;
    }
    this.costly.set(host, next);
  }

  private async setKey(key: string, value: boolean, force = false): Promise<void> {
    if (!force && this.values.get(key) === value) return;
    this.values.set(key, value);
    await vscode.commands.executeCommand('setContext', key, value);
  }
}

function toRow(item: SetupChecklistItem): ChecklistRow {
  return { id: item.id, title: item.title, status: item.status, detail: item.detail, contextKey: SETUP_CONTEXT_KEYS[item.id] };
}
