import * as vscode from 'vscode';
import type { JobRow, StateCounts, ZipherJobState } from '../../onboarding/model';
import type { Connection } from '../connections';
import { healthDrift, unrecordedNotes } from '../plans/driftSeverity';
import type { JobNode, MessageNode, TreeNode, WorkspaceNode } from './nodes';

/** What the renderer may look up; keeps nodes plain data. */
export interface RenderContext {
  connection(host: string): Connection | undefined;
  row(host: string, jobId: number): JobRow | undefined;
}

const STATE_LOOK: Record<ZipherJobState, { icon: string; color?: string; description: string }> = {
  managed: { icon: 'pass-filled', color: 'testing.iconPassed', description: 'Zipher manages' },
  partial: { icon: 'warning', color: 'list.warningForeground', description: 'partial access' },
  none: { icon: 'circle-large-outline', description: 'no access' },
  unknown: { icon: 'question', color: 'list.errorForeground', description: 'unknown' },
  loading: { icon: 'loading~spin', description: 'checking…' },
};

export function renderNode(node: TreeNode, ctx: RenderContext): vscode.TreeItem {
  switch (node.type) {
    case 'workspace':
      return renderWorkspace(node, ctx);
    case 'job':
      return renderJob(node, ctx);
    case 'message':
      return renderMessage(node);
  }
}

/** `zipherWorkspace+connected+spSet`: the flags menus match with regex. */
export function workspaceContextValue(connection: Connection | undefined): string {
  const flags = ['zipherWorkspace', connection?.status ?? 'unknown'];
  if (connection?.principal) flags.push('spSet');
  return flags.join('+');
}

/** `zipherJob+managed`, `zipherJob+none`, ...; `+drift` when Zipher's access moved away from what
 * the ledger recorded (Reconcile offered), `+unrecorded` when Zipher holds a grant not made here. */
export function jobContextValue(row: JobRow | undefined): string {
  const flags = ['zipherJob', row?.state ?? 'unknown'];
  if (healthDrift(row).length) flags.push('drift');
  if (unrecordedNotes(row).length) flags.push('unrecorded');
  return flags.join('+');
}

function renderWorkspace(node: WorkspaceNode, ctx: RenderContext): vscode.TreeItem {
  const c = ctx.connection(node.host);
  const label = node.host.replace(/^https?:\/\//, '');
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `ws:${node.host}`;
  item.contextValue = workspaceContextValue(c);
  switch (c?.status) {
    case 'connected': {
      item.iconPath = new vscode.ThemeIcon('cloud');
      const jobs = c.inventory?.rows().length;
      item.description = [c.identity?.userName, jobs ? `${jobs} jobs` : undefined].filter(Boolean).join(' · ');
      break;
    }
    case 'connecting':
      item.iconPath = new vscode.ThemeIcon('loading~spin');
      item.description = 'connecting…';
      break;
    default:
      item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('list.errorForeground'));
      item.description = 'not connected';
  }
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${escape(node.host)}**\n\n`);
  if (c?.identity) tooltip.appendMarkdown(`Signed in as ${escape(c.identity.userName)}${c.identity.isAdmin ? ' (workspace admin)' : ' (not an admin)'}\n\n`);
  if (c?.error) tooltip.appendMarkdown(`${escape(c.error.message)}\n\n`);
  if (c?.principal) tooltip.appendMarkdown(`Zipher: ${escape(c.principal.displayName ?? '')} \`${c.principal.applicationId}\`\n\n`);
  if (c?.principalProblem) tooltip.appendMarkdown(`${escape(c.principalProblem)}\n\n`);
  item.tooltip = tooltip;
  return item;
}

function renderJob(node: JobNode, ctx: RenderContext): vscode.TreeItem {
  const row = ctx.row(node.host, node.jobId);
  const item = new vscode.TreeItem(row?.name || `Job ${node.jobId}`, vscode.TreeItemCollapsibleState.None);
  item.id = `job:${node.host}:${node.jobId}`;
  const state = row?.state ?? 'unknown';
  const look = STATE_LOOK[state];
  const drift = healthDrift(row);
  item.iconPath = drift.length ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground')) : new vscode.ThemeIcon(look.icon, look.color ? new vscode.ThemeColor(look.color) : undefined);
  item.description = drift.length ? `${look.description} · drift` : look.description;
  item.contextValue = jobContextValue(row);
  const tooltip = new vscode.MarkdownString(undefined, true);
  tooltip.appendMarkdown(`**${escape(row?.name ?? `Job ${node.jobId}`)}**\n\n`);
  tooltip.appendMarkdown(`- Job id: \`${node.jobId}\`\n`);
  tooltip.appendMarkdown(`- Owner: ${escape(row?.owner ?? '(none)')}\n`);
  tooltip.appendMarkdown(`- Creator: ${escape(row?.creator ?? '(deleted user)')}\n`);
  tooltip.appendMarkdown(`- Zipher: ${escape(row?.zipherLevel ?? 'no entry')} (${state})\n`);
  if (row?.reason) tooltip.appendMarkdown(`\n${escape(row.reason)}\n`);
  if (drift.length) tooltip.appendMarkdown(`\n**Drift** (Reconcile puts it back):\n`);
  for (const d of drift) tooltip.appendMarkdown(`\n$(warning) ${escape(d.message)}\n`);
  for (const d of unrecordedNotes(row)) tooltip.appendMarkdown(`\n$(info) ${escape(d.message)} Revoke leaves it alone unless asked.\n`);
  item.tooltip = tooltip;
  item.accessibilityInformation = { label: `${row?.name ?? `Job ${node.jobId}`}, ${item.description}` };
  return item;
}

function renderMessage(node: MessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.label, vscode.TreeItemCollapsibleState.None);
  item.id = `msg:${node.host}:${node.id}`;
  item.contextValue = `zipherMessage+${node.severity}`;
  const icon = { info: 'info', loading: 'loading~spin', error: 'error', warning: 'warning' }[node.severity];
  item.iconPath = new vscode.ThemeIcon(
    icon,
    node.severity === 'error' ? new vscode.ThemeColor('list.errorForeground') : node.severity === 'warning' ? new vscode.ThemeColor('list.warningForeground') : undefined,
  );
  if (node.tooltip) item.tooltip = node.tooltip;
  if (node.command) item.command = { command: node.command.id, title: node.command.title, arguments: node.command.args };
  return item;
}

export function countsText(counts: StateCounts): string {
  const parts: string[] = [];
  if (counts.managed) parts.push(`${counts.managed} managed`);
  if (counts.partial) parts.push(`${counts.partial} partial`);
  if (counts.none) parts.push(`${counts.none} none`);
  if (counts.unknown) parts.push(`${counts.unknown} unknown`);
  if (counts.loading) parts.push(`${counts.loading} checking`);
  return parts.join(' · ');
}

function escape(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
