import { setMaxListeners } from 'events';
import * as vscode from 'vscode';
import type { JobRow, ZipherJobState } from '../../onboarding/model';
import type { Connection, ConnectionManager } from '../connections';
import { isJobNode, isWorkspaceNode, type JobNode } from '../tree/nodes';
import { UserCancelled } from './register';

/** Runs slow work under a cancellable notification; the token is bridged to an AbortSignal. */
export async function withCancellableProgress<T>(
  title: string,
  work: (signal: AbortSignal, report: (message: string, increment?: number) => void) => Promise<T>,
): Promise<T> {
  return vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title, cancellable: true }, async (progress, token) => {
    const abort = new AbortController();
    // Plans and applies hang one listener per in-flight request on the signal; that is by design.
    setMaxListeners(0, abort.signal);
    const sub = token.onCancellationRequested(() => abort.abort(new UserCancelled()));
    try {
      return await work(abort.signal, (message, increment) => progress.report({ message, increment }));
    } finally {
      sub.dispose();
    }
  });
}

/**
 * The workspace a command acts on: the named host, the only connected one, or the user's pick.
 * `needApi` also accepts workspaces in error that still have a client (Verify explains them).
 */
export async function resolveConnection(connections: ConnectionManager, host: string | undefined, opts: { needApi?: boolean; interactive: boolean }): Promise<Connection> {
  if (host) {
    const c = connections.get(host);
    if (!c) throw new Error(`${host} is not a connected workspace. Run "Zipher: Connect Workspace" first.`);
    return c;
  }
  const candidates = connections.list().filter((c) => (opts.needApi ? !!c.api : c.status === 'connected'));
  if (candidates.length === 0) throw new Error('No Databricks workspace is connected. Run "Zipher: Connect Workspace" first.');
  if (candidates.length === 1 || !opts.interactive) {
    if (candidates.length > 1) throw new Error('Several workspaces are connected: pass { host } to choose one.');
    return candidates[0];
  }
  const pick = await vscode.window.showQuickPick(
    candidates.map((c) => ({ label: c.host.replace(/^https?:\/\//, ''), description: c.identity?.userName ?? c.status, connection: c })),
    { title: 'Zipher: choose a workspace', ignoreFocusOut: true },
  );
  if (!pick) throw new UserCancelled();
  return pick.connection;
}

/** The jobs a tree invocation targets: the clicked node, or the whole selection when it includes it. */
export function jobNodesFromTreeArgs(args: unknown[]): JobNode[] | undefined {
  const [clicked, selection] = args;
  if (!isJobNode(clicked)) return undefined;
  if (Array.isArray(selection)) {
    const jobs = selection.filter(isJobNode);
    if (jobs.some((j) => j.host === clicked.host && j.jobId === clicked.jobId)) return jobs;
  }
  return [clicked];
}

export function hostFromTreeArg(arg: unknown): string | undefined {
  if (isWorkspaceNode(arg)) return arg.host;
  if (typeof arg === 'object' && arg !== null && typeof (arg as { host?: unknown }).host === 'string') return (arg as { host: string }).host;
  return undefined;
}

/** Scripted job ids: positive whole numbers (numeric strings accepted); one sentence otherwise. */
export function parseJobIds(value: unknown): number[] {
  if (!Array.isArray(value) || value.length === 0) throw new Error('Pass { jobIds: [...] } with at least one job id.');
  const ids = value.map((v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v));
  const bad = ids.find((v) => typeof v !== 'number' || !Number.isSafeInteger(v) || v <= 0);
  if (bad !== undefined) throw new Error(`"${String(bad)}" is not a job id: job ids are positive whole numbers, as shown in the job's URL.`);
  return [...new Set(ids as number[])];
}

const STATE_LABEL: Record<ZipherJobState, string> = {
  managed: 'Zipher manages',
  partial: 'partial access',
  none: 'no access',
  unknown: 'unknown',
  loading: 'checking…',
};

/** Multi-select quick pick over the workspace's jobs; `preselect` marks the likely targets. */
export async function pickJobs(connection: Connection, title: string, preselect: (row: JobRow) => boolean, signal?: AbortSignal): Promise<number[]> {
  const inventory = connection.inventory;
  if (!inventory) throw new Error(`${connection.host} is not connected.`);
  if (inventory.status !== 'loaded') {
    await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Loading jobs…' }, () => inventory.load({ signal, priority: 'user' }));
  }
  if (inventory.status === 'error') throw new Error(inventory.error ?? 'Could not list jobs.');
  const items = inventory.rows().map((row) => ({
    label: row.name || `Job ${row.jobId}`,
    description: `${row.jobId} · ${STATE_LABEL[row.state]}`,
    detail: row.owner ? `owner ${row.owner}` : undefined,
    picked: preselect(row),
    jobId: row.jobId,
  }));
  if (items.length === 0) throw new Error(`No jobs were found in ${connection.host}.`);
  const picks = await vscode.window.showQuickPick(items, { title, canPickMany: true, matchOnDescription: true, ignoreFocusOut: true, placeHolder: 'Type to filter by name or job id' });
  if (!picks || picks.length === 0) throw new UserCancelled();
  return picks.map((p) => p.jobId);
}
