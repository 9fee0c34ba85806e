import type { JobRow, ZipherJobState } from '../../onboarding/model';

/** Tree nodes are plain data; `render.ts` turns them into TreeItems. */
export interface WorkspaceNode {
  type: 'workspace';
  host: string;
}

export interface JobNode {
  type: 'job';
  host: string;
  jobId: number;
}

export type MessageSeverity = 'info' | 'loading' | 'error' | 'warning';

export interface MessageNode {
  type: 'message';
  host: string;
  id: string;
  label: string;
  severity: MessageSeverity;
  tooltip?: string;
  /** command run on click, e.g. show logs or set the service principal */
  command?: { id: string; title: string; args?: unknown[] };
}

export type TreeNode = WorkspaceNode | JobNode | MessageNode;

export interface JobFilter {
  text?: string;
  states?: ZipherJobState[];
}

export function isFilterActive(filter: JobFilter): boolean {
  return !!filter.text?.trim() || (filter.states?.length ?? 0) > 0;
}

export function matchesFilter(row: JobRow, filter: JobFilter): boolean {
  if (filter.states?.length && !filter.states.includes(row.state)) return false;
  const text = filter.text?.trim().toLowerCase();
  if (!text) return true;
  return row.name.toLowerCase().includes(text) || String(row.jobId) === text;
}

export function isJobNode(value: unknown): value is JobNode {
  return typeof value === 'object' && value !== null && (value as JobNode).type === 'job' && typeof (value as JobNode).jobId === 'number';
}

export function isWorkspaceNode(value: unknown): value is WorkspaceNode {
  return typeof value === 'object' && value !== null && (value as WorkspaceNode).type === 'workspace' && typeof (value as WorkspaceNode).host === 'string';
}
