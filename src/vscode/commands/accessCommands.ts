import * as vscode from 'vscode';
import { renderPlanMarkdown } from '../../onboarding';
import type { ApplyResult, JobOutcome, JobOutcomeStatus, ObjectKind, Plan } from '../../onboarding/model';
import type { Connection, ConnectionManager } from '../connections';
import type { Documents } from '../documents';
import type { ComponentLogger } from '../logging';
import { isObject } from './workspaceCommands';
import { jobNodesFromTreeArgs, parseJobIds, pickJobs, resolveConnection, withCancellableProgress } from './interaction';
import { UserCancelled } from './register';

type Kind = 'grant' | 'revoke';

const KIND_NAMES: Record<ObjectKind, [string, string]> = {
  job: ['job', 'jobs'],
  cluster: ['cluster', 'clusters'],
  'instance-pool': ['instance pool', 'instance pools'],
  'cluster-policy': ['cluster policy', 'cluster policies'],
  warehouse: ['SQL warehouse', 'SQL warehouses'],
  'secret-scope': ['secret scope', 'secret scopes'],
};

/** Grant and revoke: plan, confirm, apply under progress, report per job, refresh only those rows. */
export class AccessCommands {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly documents: Documents,
    private readonly log: ComponentLogger,
  ) {}

  /**
   * `zipher.grantAccess {host?, jobIds}` (or tree node + selection) → `JobOutcome[]`, one per job.
   * Scripted calls apply without the confirmation dialog.
   */
  grantAccess(...args: unknown[]): Promise<JobOutcome[]> {
    return this.run('grant', args);
  }

  /** `zipher.revokeAccess {host?, jobIds}` (or tree node + selection) → `JobOutcome[]`. Conflicts are reported, never overwritten. */
  revokeAccess(...args: unknown[]): Promise<JobOutcome[]> {
    return this.run('revoke', args);
  }

  /** `zipher.openJob {host, jobId}` (tree): opens the job in the Databricks UI. */
  async openJob(arg?: unknown): Promise<void> {
    const a = isObject(arg) ? arg : {};
    if (typeof a.host !== 'string' || typeof a.jobId !== 'number') throw new Error('Open Job needs a job from the Zipher tree.');
    await vscode.env.openExternal(vscode.Uri.parse(`${a.host}/jobs/${a.jobId}`));
  }

  private async run(kind: Kind, args: unknown[]): Promise<JobOutcome[]> {
    const fromTree = jobNodesFromTreeArgs(args);
    const outcomes: JobOutcome[] = [];
    if (fromTree) {
      const byHost = new Map<string, number[]>();
      for (const n of fromTree) byHost.set(n.host, [...(byHost.get(n.host) ?? []), n.jobId]);
      for (const [host, jobIds] of byHost) {
        const c = await resolveConnection(this.connections, host, { interactive: true });
        outcomes.push(...(await this.runOn(kind, c, jobIds, true)));
      }
      return outcomes;
    }
    const a = isObject(args[0]) ? args[0] : undefined;
    if (a && 'jobIds' in a) {
      const jobIds = parseJobIds(a.jobIds);
      const c = await resolveConnection(this.connections, typeof a.host === 'string' ? a.host : undefined, { interactive: false });
      return this.runOn(kind, c, jobIds, false);
    }
    const c = await resolveConnection(this.connections, typeof a?.host === 'string' ? a.host : undefined, { interactive: true });
    this.requirePrincipal(c);
    const jobIds = await pickJobs(
      c,
      kind === 'grant' ? 'Grant Zipher access to which jobs?' : 'Revoke Zipher access from which jobs?',
      (row) => (kind === 'revoke' ? row.state === 'managed' || row.state === 'partial' : false),
    );
    return this.runOn(kind, c, jobIds, true);
  }

  private requirePrincipal(c: Connection): void {
    if (c.status !== 'connected') throw new Error(c.error?.message ?? `${c.host} is not connected.`);
    if (!c.principal || !c.access) throw new Error(`Set Zipher's service principal for ${c.host} first ("Zipher: Set Service Principal").`);
  }

  private async runOn(kind: Kind, c: Connection, jobIds: number[], interactive: boolean): Promise<JobOutcome[]> {
    this.requirePrincipal(c);
    const access = c.access!;
    const verb = kind === 'grant' ? 'Granting' : 'Revoking';
    const plan = await withCancellableProgress(`Planning: reading ${jobIds.length} job${jobIds.length === 1 ? '' : 's'} and their compute…`, (signal) =>
      kind === 'grant' ? access.planGrant(jobIds, { signal }) : access.planRevoke(jobIds, { signal }),
    );
    this.log.info(`${kind} plan for ${c.host}: ${plan.objects.length} objects, ${plan.problems.length} problems, jobs ${jobIds.join(',')}`);
    if (interactive && hasWrites(plan)) await this.confirm(kind, c, plan);

    let result: ApplyResult;
    if (plan.objects.length === 0) {
      result = { status: 'done', objects: [], jobs: [] };
    } else {
      result = await withCancellableProgress(`${verb} Zipher access`, async (signal, report) => {
        let reported = 0;
        return access.apply(plan, {
          signal,
          onProgress: (p) => {
            const pct = p.total ? Math.floor((100 * (p.done + p.failed)) / p.total) : 100;
            report(`${p.done + p.failed}/${p.total} objects${p.failed ? `, ${p.failed} failed` : ''}`, Math.max(0, pct - reported));
            reported = Math.max(reported, pct);
          },
        });
      });
    }
    const outcomes = withProblems(kind, plan, result, jobIds);
    for (const o of outcomes) this.log.info(`${kind} ${c.host} job ${o.jobId}: ${o.status}${o.message ? ` (${o.message})` : ''}`);
    try {
      await c.inventory?.refreshJobs(jobIds, { priority: 'user' });
    } catch (e) {
      this.log.warn(`refreshing rows after ${kind} failed: ${String((e as Error)?.message ?? e)}`);
    }
    this.report(kind, plan, outcomes, result);
    return outcomes;
  }

  private async confirm(kind: Kind, c: Connection, plan: Plan): Promise<void> {
    const sp = c.principal!;
    const who = sp.displayName ? `${sp.displayName} (${sp.applicationId})` : sp.applicationId;
    const title =
      kind === 'grant'
        ? `Grant Zipher's service principal access on ${plan.jobs.length} job${plan.jobs.length === 1 ? '' : 's'} in ${c.host.replace(/^https?:\/\//, '')}?`
        : `Remove Zipher's access from ${plan.jobs.length} job${plan.jobs.length === 1 ? '' : 's'} in ${c.host.replace(/^https?:\/\//, '')}?`;
    const detail = [`Service principal: ${who}`, '', ...planSummaryLines(plan), '', kind === 'grant'
      ? 'Nothing else changes: no other principal\'s access is modified, no owner changes, and Zipher is never made owner.'
      : 'Only Zipher\'s own entries are removed (or put back to the level it had before). Every other principal\'s access and every owner stay exactly as they are.'].join('\n');
    const go = kind === 'grant' ? 'Grant' : 'Revoke';
    for (;;) {
      const choice = await vscode.window.showWarningMessage(title, { modal: true, detail }, go, 'Show Plan');
      if (choice === go) return;
      if (choice !== 'Show Plan') throw new UserCancelled();
      await this.documents.openMarkdown(renderPlanMarkdown(plan));
    }
  }

  private report(kind: Kind, plan: Plan, outcomes: JobOutcome[], result: ApplyResult): void {
    const count = (s: JobOutcomeStatus) => outcomes.filter((o) => o.status === s).length;
    const ok = kind === 'grant' ? count('granted') + count('already') : count('revoked') + count('not-granted');
    const bad = count('failed') + count('conflict');
    const parts: string[] = [];
    if (kind === 'grant') {
      if (count('granted')) parts.push(`Zipher now manages ${count('granted')} job${count('granted') === 1 ? '' : 's'}`);
      if (count('already')) parts.push(`${count('already')} already managed`);
    } else {
      if (count('revoked')) parts.push(`Zipher's access removed from ${count('revoked')} job${count('revoked') === 1 ? '' : 's'}`);
      if (count('not-granted')) parts.push(`${count('not-granted')} had no Zipher access`);
    }
    if (count('failed')) parts.push(`${count('failed')} failed`);
    if (count('conflict')) parts.push(`${count('conflict')} changed by someone else meanwhile (nothing overwritten; refresh and retry)`);
    if (count('cancelled')) parts.push(`${count('cancelled')} cancelled`);
    const firstProblem = outcomes.find((o) => (o.status === 'failed' || o.status === 'conflict') && o.message)?.message;
    const text = `${parts.join('; ') || 'Nothing to do'}.${firstProblem ? ` ${firstProblem}` : ''}`;
    const show = bad || result.status !== 'done' ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
    void show(text, 'Show Details').then((choice) => {
      if (choice === 'Show Details') void this.documents.openMarkdown(outcomeMarkdown(kind, plan, outcomes));
    });
    this.log.info(`${kind}: ${ok} ok, ${bad} failed/conflict`);
  }
}

function hasWrites(plan: Plan): boolean {
  return plan.objects.some((o) => o.changes.some((ch) => ch.action !== 'unchanged'));
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
    lines.push(`Could not plan ${plan.problems.length} item${plan.problems.length === 1 ? '' : 's'}:`);
    for (const p of plan.problems.slice(0, 5)) lines.push(`  – ${p.jobId !== undefined ? `job ${p.jobId}: ` : ''}${p.message}`);
    if (plan.problems.length > 5) lines.push(`  – and ${plan.problems.length - 5} more (Show Plan)`);
  }
  return lines;
}

/** Jobs that could not be planned still get an outcome, so a caller sees every id it passed. */
function withProblems(kind: Kind, plan: Plan, result: ApplyResult, jobIds: number[]): JobOutcome[] {
  const byId = new Map(result.jobs.map((j) => [j.jobId, j]));
  for (const p of plan.problems) {
    if (p.jobId !== undefined && !byId.has(p.jobId)) byId.set(p.jobId, { jobId: p.jobId, status: 'failed', message: p.message });
  }
  // A planned job without an outcome had nothing to write.
  for (const j of plan.jobs) {
    if (!byId.has(j.jobId)) byId.set(j.jobId, { jobId: j.jobId, name: j.name, status: kind === 'grant' ? 'already' : 'not-granted' });
  }
  for (const id of jobIds) {
    if (!byId.has(id)) byId.set(id, { jobId: id, status: 'failed', message: `Job ${id} was not part of the plan.` });
  }
  return jobIds.map((id) => byId.get(id)!).concat([...byId.values()].filter((o) => !jobIds.includes(o.jobId)));
}

function outcomeMarkdown(kind: Kind, plan: Plan, outcomes: JobOutcome[]): string {
  const rows = outcomes.map((o) => `| ${o.jobId} | ${(o.name ?? plan.jobs.find((j) => j.jobId === o.jobId)?.name ?? '').replace(/\|/g, '\\|')} | ${o.status} | ${(o.message ?? '').replace(/\|/g, '\\|')} |`);
  return [`# Zipher ${kind} — outcome`, '', '| Job id | Name | Outcome | Details |', '|---|---|---|---|', ...rows, '', renderPlanMarkdown(plan)].join('\n');
}
