import * as vscode from 'vscode';
import { actionableChange, describeObject, planToJson, renderPlanMarkdown } from '../../onboarding';
import type { AccessService } from '../../onboarding';
import type { ApplyProgress, ApplyResult, JobOutcome, JobOutcomeStatus, ObjectKind, ObjectOutcomeStatus, Plan } from '../../onboarding/model';
import { withCancellableProgress } from '../commands/interaction';
import { UserCancelled } from '../commands/register';
import type { Connection } from '../connections';
import type { Documents } from '../documents';
import type { ComponentLogger } from '../logging';
import type { PlanDocumentProvider } from './planDocuments';
import type { Prompter } from './prompter';

/** Reconcile is a grant plan (put back what is missing), reviewed and reported under its own name. */
export type FlowKind = 'grant' | 'revoke' | 'reconcile';

export interface FlowResult {
  plan: Plan;
  result: ApplyResult;
  outcomes: JobOutcome[];
  /** Settles once the user has answered the outcome notification, with the outcomes after any
   * "Retry Failed" rounds. Commands do not wait for it; tests do. */
  followUp: Promise<JobOutcome[]>;
}

export const REVIEW_CHANGES = 'Review Changes';
export const EXPORT_PLAN = 'Export Plan…';
export const CANCEL = 'Cancel';
export const SHOW_DETAILS = 'Show Details';
export const RETRY_FAILED = 'Retry Failed';

const APPLY_LABEL: Record<FlowKind, string> = { grant: 'Grant', revoke: 'Revoke', reconcile: 'Reconcile' };

const KIND_NAMES: Record<ObjectKind, [string, string]> = {
  job: ['job', 'jobs'],
  cluster: ['cluster', 'clusters'],
  'instance-pool': ['instance pool', 'instance pools'],
  'cluster-policy': ['cluster policy', 'cluster policies'],
  warehouse: ['SQL warehouse', 'SQL warehouses'],
  'secret-scope': ['secret scope', 'secret scopes'],
};

const RETRYABLE: ReadonlySet<ObjectOutcomeStatus> = new Set<ObjectOutcomeStatus>(['failed', 'conflict', 'skipped']);

export interface PlanFlowDeps {
  documents: Documents;
  planDocuments: PlanDocumentProvider;
  log: ComponentLogger;
}

/**
 * Grant, revoke and reconcile for one workspace: plan, review (summary, per-object diff, export),
 * apply under progress, report per job and per object, and retry only what failed.
 * Every question goes through the injected `Prompter`.
 */
export class PlanFlow {
  constructor(
    private readonly deps: PlanFlowDeps,
    private readonly prompter: Prompter,
  ) {}

  withPrompter(prompter: Prompter): PlanFlow {
    return new PlanFlow(this.deps, prompter);
  }

  /** `interactive`: review before applying (only when the plan writes anything). */
  async run(kind: FlowKind, c: Connection, jobIds: number[], interactive: boolean): Promise<FlowResult> {
    const access = requireAccess(c);
    const plan = await withCancellableProgress(`Planning: reading ${plural(jobIds.length, 'job')} and their compute…`, (signal) =>
      kind === 'grant' ? access.planGrant(jobIds, { signal }) : kind === 'revoke' ? access.planRevoke(jobIds, { signal }) : access.planReconcile(jobIds, { signal }),
    );
    this.deps.log.info(`${kind} plan for ${c.host}: ${plan.objects.length} objects, ${plan.problems.length} problems, jobs ${jobIds.join(',')}`);
    if (interactive && hasWrites(plan)) await this.review(kind, c, plan);
    const result = await this.applyWithProgress(kind, access, plan);
    const outcomes = await this.settle(kind, c, plan, result, jobIds);
    const followUp = this.report(kind, c, plan, result, outcomes, jobIds);
    return { plan, result, outcomes, followUp };
  }

  /** Resolves when the user chose to apply; throws `UserCancelled` on Cancel or dismiss. */
  async review(kind: FlowKind, c: Connection, plan: Plan): Promise<void> {
    const planId = this.deps.planDocuments.add(plan);
    const go = APPLY_LABEL[kind];
    const base = reviewDetail(kind, c, plan);
    let note: string | undefined;
    // Modal at first; once a diff is open, a notification, so the diff stays readable beside it.
    let modal = true;
    for (;;) {
      const detail = note ? `${base}\n\n${note}` : base;
      const choices = modal ? [go, REVIEW_CHANGES, EXPORT_PLAN] : [go, REVIEW_CHANGES, EXPORT_PLAN, CANCEL];
      const summary = planSummaryLines(plan).filter((l) => l.startsWith('•')).map((l) => l.slice(2)).join('; ');
      const message = modal ? reviewTitle(kind, c, plan) : `${reviewTitle(kind, c, plan)} ${summary}.${note ? ` ${note}` : ''}`;
      const choice = await this.prompter.message({ severity: 'warning', modal, message, ...(modal ? { detail } : {}), choices });
      if (choice === go) return;
      if (choice === REVIEW_CHANGES) {
        if (await this.showDiff(planId, plan)) modal = false;
        note = undefined;
        continue;
      }
      if (choice === EXPORT_PLAN) {
        note = await this.exportPlan(plan);
        continue;
      }
      throw new UserCancelled();
    }
  }

  /** Opens the before/after diff of one object, or of every changed object in one document. */
  async showDiff(planId: string, plan: Plan): Promise<boolean> {
    const docs = this.deps.planDocuments;
    const changed = plan.objects.map((op, index) => ({ op, index, change: actionableChange(op) })).filter((x) => x.change);
    if (!changed.length) return false;
    type Item = vscode.QuickPickItem & { index?: number };
    let pick: Item | undefined;
    if (changed.length === 1) pick = { label: '', index: changed[0]!.index };
    else {
      const items: Item[] = [
        { label: `$(diff-multiple) All ${changed.length} changed objects`, description: 'one document' },
        ...changed.map(({ op, index, change }) => ({
          label: describeObject(op.object).replace(/`/g, ''),
          description: `${change!.action} ${change!.action === 'remove' ? (change!.levelBefore ?? '') : (change!.levelAfter ?? '')}`.trim(),
          detail: change!.reasons.slice(0, 2).join('; '),
          index,
        })),
      ];
      pick = await this.prompter.pick(items, { title: 'Review which object\'s permissions?', placeHolder: 'Before ↔ after, only Zipher\'s entry changes' });
      if (!pick) return false;
    }
    const [left, right, title] =
      pick.index === undefined
        ? [docs.combinedUri(planId, 'before'), docs.combinedUri(planId, 'after'), `Zipher ${plan.kind} plan: all changed objects (before ↔ after)`]
        : [docs.objectUri(planId, pick.index, 'before'), docs.objectUri(planId, pick.index, 'after'), `${describeObject(plan.objects[pick.index]!.object).replace(/`/g, '')} (before ↔ after)`];
    await vscode.commands.executeCommand('vscode.diff', left, right, title, { preview: true, preserveFocus: false });
    return true;
  }

  /** Saves the plan as Markdown or JSON for a change ticket; returns a line for the review. */
  async exportPlan(plan: Plan): Promise<string | undefined> {
    type Item = vscode.QuickPickItem & { format: 'md' | 'json' | 'open' };
    const format = await this.prompter.pick<Item>(
      [
        { label: 'Markdown file', description: 'for a change ticket', format: 'md' },
        { label: 'JSON file', description: 'for tools', format: 'json' },
        { label: 'Open as Markdown document', description: 'unsaved', format: 'open' },
      ],
      { title: 'Export the plan as' },
    );
    if (!format) return undefined;
    if (format.format === 'open') {
      await this.deps.documents.openMarkdown(renderPlanMarkdown(plan));
      return undefined;
    }
    const stamp = plan.createdAt.replace(/[:.]/g, '-');
    const uri = await this.prompter.saveFile({
      title: 'Export Zipher plan',
      defaultName: `zipher-${plan.kind}-plan-${stamp}.${format.format}`,
      filters: format.format === 'md' ? { Markdown: ['md'] } : { JSON: ['json'] },
    });
    if (!uri) return undefined;
    const text = format.format === 'md' ? renderPlanMarkdown(plan) : planToJson(plan);
    await vscode.workspace.fs.writeFile(uri, new TextEncoder().encode(text));
    this.deps.log.info(`${plan.kind} plan exported to ${uri.fsPath}`);
    return `Plan exported to ${uri.fsPath}.`;
  }

  private async applyWithProgress(kind: FlowKind, access: AccessService, plan: Plan, retryOf?: ApplyResult): Promise<ApplyResult> {
    if (plan.objects.length === 0) return { status: 'done', objects: [], jobs: [] };
    const verb = retryOf ? 'Retrying' : kind === 'revoke' ? 'Revoking' : kind === 'reconcile' ? 'Reconciling' : 'Granting';
    return withCancellableProgress(`${verb} Zipher access`, async (signal, report) => {
      let reported = 0;
      const onProgress = (p: ApplyProgress) => {
        const pct = p.total ? Math.floor((100 * (p.done + p.failed)) / p.total) : 100;
        report(progressText(p), Math.max(0, pct - reported));
        reported = Math.max(reported, pct);
      };
      return retryOf ? access.retryFailed(plan, retryOf, { signal, onProgress }) : access.apply(plan, { signal, onProgress });
    });
  }

  private async settle(kind: FlowKind, c: Connection, plan: Plan, result: ApplyResult, jobIds: number[]): Promise<JobOutcome[]> {
    const outcomes = withProblems(plan, result, jobIds);
    for (const o of outcomes) this.deps.log.info(`${kind} ${c.host} job ${o.jobId}: ${o.status}${o.message ? ` (${o.message})` : ''}`);
    try {
      await c.inventory?.refreshJobs(jobIds, { priority: 'user' });
    } catch (e) {
      this.deps.log.warn(`refreshing rows after ${kind} failed: ${String((e as Error)?.message ?? e)}`);
    }
    return outcomes;
  }

  private async report(kind: FlowKind, c: Connection, plan: Plan, result: ApplyResult, outcomes: JobOutcome[], jobIds: number[]): Promise<JobOutcome[]> {
    const retryable = result.objects.some((o) => RETRYABLE.has(o.status)) && !!c.access;
    const bad = outcomes.some((o) => o.status === 'failed' || o.status === 'conflict');
    const choices = retryable ? [RETRY_FAILED, SHOW_DETAILS] : [SHOW_DETAILS];
    const choice = await this.prompter.message({ severity: bad || result.status !== 'done' ? 'warning' : 'info', modal: false, message: outcomeText(kind, outcomes), choices });
    if (choice === SHOW_DETAILS) {
      await this.deps.documents.openMarkdown(outcomeMarkdown(kind, plan, outcomes, result));
      return outcomes;
    }
    if (choice !== RETRY_FAILED || !retryable) return outcomes;
    const again = await this.applyWithProgress(kind, c.access!, plan, result);
    const next = await this.settle(kind, c, plan, again, jobIds);
    return this.report(kind, c, plan, again, next, jobIds);
  }
}

function requireAccess(c: Connection): AccessService {
  if (c.status !== 'connected') throw new Error(c.error?.message ?? `${c.host} is not connected.`);
  if (!c.principal || !c.access) throw new Error(`Set Zipher's service principal for ${c.host} first ("Zipher: Set Service Principal").`);
  return c.access;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function hasWrites(plan: Plan): boolean {
  return plan.objects.some((o) => !!actionableChange(o));
}

export function progressText(p: ApplyProgress): string {
  const left = Math.max(0, p.total - p.done - p.failed);
  const rate = p.rate !== undefined && p.rate > 0 ? ` · ${p.rate >= 10 ? Math.round(p.rate) : p.rate.toFixed(1)} writes/s` : '';
  return `${p.done} done, ${p.failed} failed, ${left} remaining of ${p.total}${rate}`;
}

function shortHost(c: Connection): string {
  return c.host.replace(/^https?:\/\//, '');
}

function reviewTitle(kind: FlowKind, c: Connection, plan: Plan): string {
  const jobs = plural(plan.jobs.length, 'job');
  if (kind === 'grant') return `Grant Zipher's service principal access on ${jobs} in ${shortHost(c)}?`;
  if (kind === 'reconcile') return `Reconcile Zipher's access on ${jobs} in ${shortHost(c)}?`;
  return `Remove Zipher's access from ${jobs} in ${shortHost(c)}?`;
}

function reviewDetail(kind: FlowKind, c: Connection, plan: Plan): string {
  const sp = c.principal!;
  const who = sp.displayName ? `${sp.displayName} (${sp.applicationId})` : sp.applicationId;
  const changes = plan.objects.filter((o) => actionableChange(o)).length;
  const closing =
    kind === 'revoke'
      ? "Only Zipher's own entries are removed (or put back to the level it had before). Every other principal's access and every owner stay exactly as they are."
      : "Nothing else changes: no other principal's access is modified, no owner changes, and Zipher is never made owner.";
  return [
    `Service principal: ${who}`,
    `${plural(plan.objects.length, 'object')}, ${plural(changes, 'change')}, ${plural(plan.jobs.length, 'job')}, ${plural(plan.problems.length, 'problem')}.`,
    '',
    ...planSummaryLines(plan),
    '',
    closing,
    '',
    `"${REVIEW_CHANGES}" shows each object's permissions before and after; "${EXPORT_PLAN}" saves the plan for a change ticket.`,
  ].join('\n');
}

/** "CAN_MANAGE on 3 jobs", "CAN_ATTACH_TO on 2 clusters", ... grouped by action, kind and level. */
export function planSummaryLines(plan: Plan): string[] {
  const groups = new Map<string, { action: string; kind: ObjectKind; level: string; n: number }>();
  let unchanged = 0;
  for (const o of plan.objects) {
    for (const ch of o.changes) {
      if (ch.action === 'unchanged') {
        unchanged++;
        continue;
      }
      const level = ch.action === 'remove' ? (ch.levelBefore ?? '') : (ch.levelAfter ?? '');
      const key = `${ch.action}|${o.object.kind}|${level}`;
      const g = groups.get(key) ?? { action: ch.action, kind: o.object.kind, level, n: 0 };
      g.n++;
      groups.set(key, g);
    }
  }
  const verbs: Record<string, string> = { add: 'Add', raise: 'Raise to', remove: 'Remove', restore: 'Restore to' };
  const lines = [...groups.values()].map((g) => `• ${verbs[g.action] ?? g.action} ${g.level} on ${g.n} ${KIND_NAMES[g.kind][g.n === 1 ? 0 : 1]}`);
  if (unchanged) lines.push(`• ${unchanged} object${unchanged === 1 ? ' is' : 's are'} already as needed (left alone)`);
  if (plan.problems.length) {
    lines.push(`Could not plan ${plural(plan.problems.length, 'item')}:`);
    for (const p of plan.problems.slice(0, 5)) lines.push(`  – ${p.jobId !== undefined ? `job ${p.jobId}: ` : ''}${p.message}`);
    if (plan.problems.length > 5) lines.push(`  – and ${plan.problems.length - 5} more (${EXPORT_PLAN})`);
  }
  return lines;
}

/** Jobs that could not be planned still get an outcome, so a caller sees every id it passed. */
export function withProblems(plan: Plan, result: ApplyResult, jobIds: number[]): JobOutcome[] {
  const byId = new Map(result.jobs.map((j) => [j.jobId, j]));
  for (const p of plan.problems) {
    if (p.jobId !== undefined && !byId.has(p.jobId)) byId.set(p.jobId, { jobId: p.jobId, status: 'failed', message: p.message });
  }
  // A planned job without an outcome had nothing to write.
  for (const j of plan.jobs) {
    if (!byId.has(j.jobId)) byId.set(j.jobId, { jobId: j.jobId, name: j.name, status: plan.kind === 'grant' ? 'already' : 'not-granted' });
  }
  for (const id of jobIds) {
    if (!byId.has(id)) byId.set(id, { jobId: id, status: 'failed', message: `Job ${id} was not part of the plan.` });
  }
  return jobIds.map((id) => byId.get(id)!).concat([...byId.values()].filter((o) => !jobIds.includes(o.jobId)));
}

export function outcomeText(kind: FlowKind, outcomes: JobOutcome[]): string {
  const count = (s: JobOutcomeStatus) => outcomes.filter((o) => o.status === s).length;
  const parts: string[] = [];
  if (kind !== 'revoke') {
    if (count('granted')) parts.push(`Zipher now manages ${plural(count('granted'), 'job')}`);
    if (count('already')) parts.push(`${count('already')} already managed`);
  } else {
    if (count('revoked')) parts.push(`Zipher's access removed from ${plural(count('revoked'), 'job')}`);
    if (count('not-granted')) parts.push(`${count('not-granted')} had no Zipher access`);
  }
  if (count('failed')) parts.push(`${count('failed')} failed`);
  if (count('conflict')) parts.push(`${count('conflict')} changed by someone else meanwhile (nothing overwritten; retry re-plans them)`);
  if (count('cancelled')) parts.push(`${count('cancelled')} cancelled`);
  const firstProblem = outcomes.find((o) => (o.status === 'failed' || o.status === 'conflict') && o.message)?.message;
  return `${parts.join('; ') || 'Nothing to do'}.${firstProblem ? ` ${firstProblem}` : ''}`;
}

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** Per job and per object, then the plan itself. */
export function outcomeMarkdown(kind: FlowKind, plan: Plan, outcomes: JobOutcome[], result: ApplyResult): string {
  const jobs = outcomes.map((o) => `| ${o.jobId} | ${cell(o.name ?? plan.jobs.find((j) => j.jobId === o.jobId)?.name ?? '')} | ${o.status} | ${cell(o.message ?? '')} |`);
  const objects = result.objects.map((o) => `| ${cell(describeObject(o.object))} | ${o.status} | ${cell(o.message ?? '')} |`);
  return [
    `# Zipher ${kind} — outcome`,
    '',
    '## Jobs',
    '',
    '| Job id | Name | Outcome | Details |',
    '|---|---|---|---|',
    ...jobs,
    '',
    '## Objects',
    '',
    '| Object | Outcome | Details |',
    '|---|---|---|',
    ...objects,
    '',
    renderPlanMarkdown(plan),
  ].join('\n');
}
