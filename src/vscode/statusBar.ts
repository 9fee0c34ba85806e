import * as vscode from 'vscode';
import { summarizeHealth, type HealthInput, type HealthLevel, type HealthSummary } from '../onboarding';
import type { JobInventory } from '../onboarding';
import type { Connection, ConnectionManager } from './connections';
import { healthDrift } from './plans/driftSeverity';

export interface StatusBarSnapshot {
  text: string;
  tooltip: string;
  level: HealthLevel;
  background?: string;
  command?: string;
}

/** Where the stored SP secret's expiry comes from (the identity feature); optional. */
export interface SecretExpirySource {
  /** ISO expiry when known, and a tooltip line (e.g. "expiry unknown") when there is one */
  expiryFor(host: string): { expiresAt?: string; note?: string } | undefined;
  onDidChange(listener: () => void): { dispose(): void };
}

const SEVERITY: Record<HealthLevel, number> = { healthy: 0, 'not-configured': 1, degraded: 2, error: 3 };
const DEBOUNCE_MS = 200;

/** The "Zipher" status bar item: one summary of every workspace's health; click runs Verify. */
export class StatusBar implements vscode.Disposable {
  private readonly item: vscode.StatusBarItem;
  private readonly subscriptions: vscode.Disposable[] = [];
  private readonly watched = new Map<string, { inventory: JobInventory; sub: { dispose(): void } }>();
  private timer: NodeJS.Timeout | undefined;
  private last: StatusBarSnapshot = { text: '', tooltip: '', level: 'not-configured' };

  constructor(
    private readonly connections: ConnectionManager,
    private readonly expiry?: SecretExpirySource,
  ) {
    this.item = vscode.window.createStatusBarItem('zipher.status', vscode.StatusBarAlignment.Left, 50);
    this.item.name = 'Zipher';
    this.item.command = 'zipher.verifyConnectivity';
    this.subscriptions.push(
      connections.onDidChange(() => {
        this.watchInventories();
        this.schedule();
      }),
    );
    if (expiry) this.subscriptions.push(expiry.onDidChange(() => this.schedule()));
    this.watchInventories();
    this.update();
    this.item.show();
  }

  snapshot(): StatusBarSnapshot {
    return { ...this.last };
  }

  /** Recomputes now (tests call this instead of waiting for the debounce). */
  update(): StatusBarSnapshot {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const all = this.connections.list();
    const summaries = all.length
      ? all.map((c) => {
          const secret = c.status === 'connected' && c.principal ? this.expiry?.expiryFor(c.host) : undefined;
          const s = summarizeHealth({ ...healthInput(c), secretExpiry: secret?.expiresAt });
          return secret?.note ? { ...s, tooltip: `${s.tooltip}\n${secret.note}` } : s;
        })
      : [summarizeHealth({ connection: { state: 'not-connected' } })];
    const worst = summaries.reduce((a, b) => (SEVERITY[b.level] > SEVERITY[a.level] ? b : a));
    const text = all.length > 1 ? `${worst.text} (${all.length} workspaces)` : worst.text;
    const tooltip = summaries.map((s: HealthSummary) => s.tooltip).join('\n\n');
    const background = worst.level === 'error' ? 'statusBarItem.errorBackground' : worst.level === 'degraded' ? 'statusBarItem.warningBackground' : undefined;
    this.item.text = `$(${worst.icon}) ${text}`;
    this.item.tooltip = `${tooltip}\n\nClick to verify connectivity.`;
    this.item.backgroundColor = background ? new vscode.ThemeColor(background) : undefined;
    this.item.accessibilityInformation = { label: text };
    this.last = { text: this.item.text, tooltip: String(this.item.tooltip), level: worst.level, background, command: 'zipher.verifyConnectivity' };
    return this.snapshot();
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const w of this.watched.values()) w.sub.dispose();
    this.subscriptions.forEach((d) => d.dispose());
    this.item.dispose();
  }

  private schedule(): void {
    this.timer ??= setTimeout(() => this.update(), DEBOUNCE_MS);
  }

  private watchInventories(): void {
    const live = new Set<string>();
    for (const c of this.connections.list()) {
      live.add(c.host);
      const current = this.watched.get(c.host);
      if (current?.inventory === c.inventory) continue;
      current?.sub.dispose();
      this.watched.delete(c.host);
      if (c.inventory) this.watched.set(c.host, { inventory: c.inventory, sub: c.inventory.onDidChange(() => this.schedule()) });
    }
    for (const [host, w] of this.watched) {
      if (!live.has(host)) {
        w.sub.dispose();
        this.watched.delete(host);
      }
    }
  }
}

export function healthInput(c: Connection): HealthInput {
  const connection: HealthInput['connection'] =
    c.status === 'connecting'
      ? { state: 'connecting' }
      : c.status === 'error'
        ? { state: 'error', kind: c.error?.kind ?? 'config', message: c.error?.message }
        : { state: 'connected', userName: c.identity?.userName, isAdmin: c.identity?.isAdmin };
  const inventory = c.inventory;
  let driftCount = 0;
  // grants Zipher holds without a ledger record are notes, not drift: they do not degrade health
  if (inventory) for (const row of inventory.rows()) driftCount += healthDrift(row).length;
  return {
    host: c.host,
    connection,
    principal: c.principal,
    inventory: inventory ? { loaded: inventory.status === 'loaded', counts: inventory.counts() } : undefined,
    lastVerify: c.lastVerify,
    driftCount,
  };
}
