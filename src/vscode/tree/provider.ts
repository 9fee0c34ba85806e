import * as vscode from 'vscode';
import type { JobInventory } from '../../onboarding';
import type { JobRow, StateCounts } from '../../onboarding/model';
import type { Connection, ConnectionManager } from '../connections';
import type { ContextKeys } from '../contextKeys';
import { countsText, renderNode, type RenderContext } from './render';
import { isFilterActive, matchesFilter, type JobFilter, type JobNode, type MessageNode, type TreeNode, type WorkspaceNode } from './nodes';

/** State-change refreshes are coalesced; beyond this many rows one workspace refresh is cheaper. */
const FLUSH_MS = 120;
const MAX_SINGLE_REFRESHES = 300;

/**
 * Loads jobs per workspace into the tree progressively: rows appear as pages arrive, each row is
 * refreshed alone when its state lands (batched), and nothing loads while the view is hidden.
 */
export class JobsTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | undefined>();
  readonly onDidChangeTreeData = this.changed.event;

  private readonly workspaceNodes = new Map<string, WorkspaceNode>();
  private readonly jobNodes = new Map<string, Map<number, JobNode>>();
  private readonly inventorySubscriptions = new Map<string, { inventory: JobInventory; sub: { dispose(): void } }>();
  private readonly pendingJobs = new Map<string, Set<number>>();
  private readonly pendingWorkspaces = new Set<string>();
  private pendingRoot = false;
  private flushTimer: NodeJS.Timeout | undefined;
  private filter: JobFilter = {};
  private visible = false;
  private view: vscode.TreeView<TreeNode> | undefined;
  private readonly subscriptions: vscode.Disposable[] = [];

  constructor(
    private readonly connections: ConnectionManager,
    private readonly contextKeys: ContextKeys,
  ) {
    this.subscriptions.push(
      connections.onDidChange((e) => {
        if (e.kind === 'removed') {
          this.workspaceNodes.delete(e.host);
          this.jobNodes.delete(e.host);
          this.unwatch(e.host);
        }
        this.watchInventory(e.host);
        if (e.kind === 'added' || e.kind === 'removed' || e.kind === 'status') this.schedule({ root: true });
        else this.schedule({ host: e.host });
        this.updateContextKeys();
      }),
    );
    for (const c of connections.list()) this.watchInventory(c.host);
    this.updateContextKeys();
  }

  /** Wires the created view: visibility drives loading; title description shows counts. */
  attach(view: vscode.TreeView<TreeNode>): void {
    this.view = view;
    this.visible = view.visible;
    this.subscriptions.push(
      view.onDidChangeVisibility((e) => {
        this.visible = e.visible;
        if (e.visible) this.loadVisible();
      }),
    );
    if (this.visible) this.loadVisible();
    this.updateViewTitle();
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    return renderNode(node, this.renderContext);
  }

  getParent(node: TreeNode): TreeNode | undefined {
    return node.type === 'workspace' ? undefined : this.workspaceNode(node.host);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) return this.roots();
    if (node.type !== 'workspace') return [];
    return this.workspaceChildren(node.host);
  }

  setFilter(filter: JobFilter): void {
    this.filter = { text: filter.text?.trim() || undefined, states: filter.states?.length ? [...filter.states] : undefined };
    void this.contextKeys.set('zipher.filterActive', isFilterActive(this.filter));
    this.schedule({ root: true });
    this.updateViewTitle();
  }

  getFilter(): JobFilter {
    return { ...this.filter };
  }

  /** The node instance VS Code knows for a job, if it was handed out. */
  jobNode(host: string, jobId: number): JobNode | undefined {
    return this.jobNodes.get(host)?.get(jobId);
  }

  workspaceNode(host: string): WorkspaceNode {
    let node = this.workspaceNodes.get(host);
    if (!node) {
      node = { type: 'workspace', host };
      this.workspaceNodes.set(host, node);
    }
    return node;
  }

  /** Plain snapshot of what the tree shows (host tests assert the menu contract on it). */
  snapshot(): { host: string; contextValue: string; children: { label: string; contextValue?: string; description?: string; jobId?: number }[] }[] {
    return this.roots().map((ws) => {
      const item = this.getTreeItem(ws);
      return {
        host: (ws as WorkspaceNode).host,
        contextValue: String(item.contextValue),
        children: this.getChildren(ws).map((child) => {
          const ci = this.getTreeItem(child);
          return {
            label: typeof ci.label === 'string' ? ci.label : (ci.label?.label ?? ''),
            contextValue: ci.contextValue,
            description: typeof ci.description === 'string' ? ci.description : undefined,
            jobId: child.type === 'job' ? child.jobId : undefined,
          };
        }),
      };
    });
  }

  dispose(): void {
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const host of [...this.inventorySubscriptions.keys()]) this.unwatch(host);
    this.subscriptions.forEach((d) => d.dispose());
    this.changed.dispose();
  }

  // ---------------------------------------------------------------- children

  private readonly renderContext: RenderContext = {
    connection: (host) => this.connections.get(host),
    row: (host, jobId) => this.connections.get(host)?.inventory?.row(jobId),
  };

  private roots(): TreeNode[] {
    const all = this.connections.list();
    // With nothing connected the welcome view (driven by zipher.connectionState) explains why.
    if (!all.some((c) => c.status === 'connected')) return [];
    return all.map((c) => this.workspaceNode(c.host));
  }

  private workspaceChildren(host: string): TreeNode[] {
    const c = this.connections.get(host);
    if (!c) return [];
    if (c.status === 'connecting') return [message(host, 'connecting', 'Connecting…', 'loading')];
    if (c.status === 'error' || !c.inventory) {
      return [
        message(host, 'error', c.error?.message ?? 'Not connected.', 'error', { id: 'zipher.refresh', title: 'Retry', args: [{ host }] }, 'Click to retry. Details are in Zipher: Show Logs.'),
      ];
    }
    const out: TreeNode[] = [];
    if (!c.principal) {
      out.push(message(host, 'no-sp', "Set Zipher's service principal to see its access", 'warning', { id: 'zipher.setServicePrincipal', title: 'Set Service Principal', args: [{ host, prompt: true }] }));
    } else if (c.principalProblem) {
      out.push(message(host, 'sp-missing', c.principalProblem, 'warning', { id: 'zipher.setServicePrincipal', title: 'Set Service Principal', args: [{ host, prompt: true }] }));
    }
    const inventory = c.inventory;
    if (inventory.status === 'idle') this.startLoad(c);
    if (inventory.status === 'error') {
      out.push(message(host, 'load-error', inventory.error ?? 'Could not list jobs.', 'error', { id: 'zipher.showLogs', title: 'Show Logs' }));
    }
    const rows = inventory.rows();
    const matching = rows.filter((r) => matchesFilter(r, this.filter));
    if (rows.length === 0) {
      if (inventory.status === 'loading' || inventory.status === 'idle') out.push(message(host, 'loading', 'Loading jobs…', 'loading'));
      else if (inventory.status === 'loaded') out.push(message(host, 'empty', 'No jobs in this workspace.', 'info'));
    } else if (matching.length === 0) {
      out.push(message(host, 'no-match', 'No jobs match the filter.', 'info', { id: 'zipher.clearFilter', title: 'Clear Filter' }));
    }
    let cache = this.jobNodes.get(host);
    if (!cache) {
      cache = new Map();
      this.jobNodes.set(host, cache);
    }
    for (const row of matching) out.push(this.cachedJobNode(cache, host, row));
    return out;
  }

  private cachedJobNode(cache: Map<number, JobNode>, host: string, row: JobRow): JobNode {
    let node = cache.get(row.jobId);
    if (!node) {
      node = { type: 'job', host, jobId: row.jobId };
      cache.set(row.jobId, node);
    }
    return node;
  }

  // ---------------------------------------------------------------- loading and events

  private loadVisible(): void {
    for (const c of this.connections.list()) if (c.inventory?.status === 'idle') this.startLoad(c);
  }

  private startLoad(c: Connection): void {
    if (!this.visible || !c.inventory) return;
    // JobInventory.load is single-flight; errors surface through its status.
    c.inventory.load({ priority: 'background' }).catch(() => undefined);
  }

  private watchInventory(host: string): void {
    const inventory = this.connections.get(host)?.inventory;
    const current = this.inventorySubscriptions.get(host);
    if (current?.inventory === inventory) return;
    this.unwatch(host);
    this.jobNodes.delete(host);
    if (!inventory) return;
    const sub = inventory.onDidChange((e) => {
      if (e.kind === 'states') this.schedule({ host, jobIds: e.jobIds });
      else this.schedule({ host });
      this.updateViewTitle();
    });
    this.inventorySubscriptions.set(host, { inventory, sub });
  }

  private unwatch(host: string): void {
    this.inventorySubscriptions.get(host)?.sub.dispose();
    this.inventorySubscriptions.delete(host);
  }

  private schedule(what: { root?: boolean; host?: string; jobIds?: number[] }): void {
    if (what.root) this.pendingRoot = true;
    else if (what.host && what.jobIds) {
      let set = this.pendingJobs.get(what.host);
      if (!set) this.pendingJobs.set(what.host, (set = new Set()));
      for (const id of what.jobIds) set.add(id);
    } else if (what.host) this.pendingWorkspaces.add(what.host);
    this.flushTimer ??= setTimeout(() => this.flush(), FLUSH_MS);
  }

  private flush(): void {
    this.flushTimer = undefined;
    if (this.pendingRoot) {
      this.pendingRoot = false;
      this.pendingWorkspaces.clear();
      this.pendingJobs.clear();
      this.changed.fire(undefined);
    }
    for (const host of this.pendingWorkspaces) {
      this.pendingJobs.delete(host);
      this.changed.fire(this.workspaceNode(host));
    }
    this.pendingWorkspaces.clear();
    for (const [host, ids] of this.pendingJobs) {
      const filterMayHide = isFilterActive(this.filter) && !!this.filter.states;
      if (ids.size > MAX_SINGLE_REFRESHES || filterMayHide) {
        this.changed.fire(this.workspaceNode(host));
        continue;
      }
      // Only the rows: refreshing the workspace would re-render every sibling (counts live in the view title).
      for (const id of ids) {
        const node = this.jobNode(host, id);
        if (node) this.changed.fire(node);
      }
    }
    this.pendingJobs.clear();
    this.updateViewTitle();
  }

  private updateViewTitle(): void {
    if (!this.view) return;
    const totals: StateCounts = { managed: 0, partial: 0, none: 0, unknown: 0, loading: 0 };
    let loading = 0;
    let rows = 0;
    for (const c of this.connections.list()) {
      const inv = c.inventory;
      if (!inv) continue;
      const counts = inv.counts();
      for (const k of Object.keys(totals) as (keyof StateCounts)[]) totals[k] += counts[k] ?? 0;
      if (inv.status === 'loading') loading++;
      rows += inv.rows().length;
    }
    const description = rows ? countsText(totals) : undefined;
    // A single-view container folds the view's description away, so the activity bar badge carries
    // the count too: jobs Zipher manages, with every state in its tooltip.
    const badge = rows ? { value: totals.managed, tooltip: `Zipher manages ${totals.managed} of ${rows} jobs: ${description}` } : undefined;
    const filterText = isFilterActive(this.filter) ? `Filtered: ${[this.filter.text, this.filter.states?.join('/')].filter(Boolean).join(', ')}` : undefined;
    const message = loading ? `Loading jobs… ${rows} so far.${filterText ? ` ${filterText}` : ''}` : filterText;
    // Each assignment is a round trip to the workbench that re-renders the view's header (and can
    // swallow a click on an open context menu), so only changes are sent.
    if (this.view.description !== description) this.view.description = description;
    if (this.view.badge?.value !== badge?.value || this.view.badge?.tooltip !== badge?.tooltip) this.view.badge = badge;
    if (this.view.message !== message) this.view.message = message;
    void this.contextKeys.set('zipher.loading', loading > 0);
  }

  private updateContextKeys(): void {
    const all = this.connections.list();
    const state = all.length === 0 ? 'none' : all.some((c) => c.status === 'connected') ? 'connected' : all.some((c) => c.status === 'connecting') ? 'connecting' : 'error';
    void this.contextKeys.set('zipher.connectionState', state);
    void this.contextKeys.set('zipher.hasPrincipal', all.some((c) => !!c.principal));
  }
}

function message(host: string, id: string, label: string, severity: MessageNode['severity'], command?: MessageNode['command'], tooltip?: string): MessageNode {
  return { type: 'message', host, id, label, severity, command, tooltip };
}
