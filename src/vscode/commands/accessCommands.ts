import * as vscode from 'vscode';
import type { JobOutcome } from '../../onboarding/model';
import type { Connection, ConnectionManager } from '../connections';
import type { Documents } from '../documents';
import type { ComponentLogger } from '../logging';
import { healthDrift } from '../plans/driftSeverity';
import { renderLedgerMarkdown } from '../plans/ledgerDocument';
import type { FlowKind, FlowResult, PlanFlow } from '../plans/planFlow';
import { isObject } from './workspaceCommands';
import { hostFromTreeArg, jobNodesFromTreeArgs, parseJobIds, pickJobs, resolveConnection } from './interaction';

const PICK_TITLE: Record<FlowKind, string> = {
  grant: 'Grant Zipher access to which jobs?',
  revoke: 'Revoke Zipher access from which jobs?',
  reconcile: 'Reconcile Zipher access on which jobs? (jobs with drift are preselected)',
};

/** Grant, revoke and reconcile (through the reviewed plan flow), the ledger view, and Open Job. */
export class AccessCommands {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly documents: Documents,
    private readonly flow: PlanFlow,
    private readonly log: ComponentLogger,
  ) {}

  /**
   * `zipher.grantAccess {host?, jobIds}` (or tree node + selection) → `JobOutcome[]`, one per job.
   * Scripted calls apply without review; clicks and the palette review the plan first.
   */
  grantAccess(...args: unknown[]): Promise<JobOutcome[]> {
    return this.run('grant', args);
  }

  /** `zipher.revokeAccess {host?, jobIds}` (or tree node + selection) → `JobOutcome[]`. Conflicts are reported, never overwritten. */
  revokeAccess(...args: unknown[]): Promise<JobOutcome[]> {
    return this.run('revoke', args);
  }

  /** `zipher.reconcile {host?, jobIds}` (or tree node + selection) → `JobOutcome[]`: puts back what drifted away. */
  reconcile(...args: unknown[]): Promise<JobOutcome[]> {
    return this.run('reconcile', args);
  }

  /** `zipher.showLedger {host?, show?}` → the ledger as Markdown, newest change first; opened unless `show: false`. */
  async showLedger(arg?: unknown): Promise<string> {
    const a = isObject(arg) ? arg : {};
    const c = await resolveConnection(this.connections, hostFromTreeArg(arg), { interactive: true });
    if (!c.ledger) throw new Error(c.error?.message ?? `${c.host} is not connected.`);
    const markdown = renderLedgerMarkdown(c.host, await c.ledger.all(c.host));
    if (a.show !== false) await this.documents.openMarkdown(markdown, { preview: true });
    return markdown;
  }

  /** `zipher.openJob {host, jobId}` (tree): opens the job in the Databricks UI. */
  async openJob(arg?: unknown): Promise<void> {
    const a = isObject(arg) ? arg : {};
    if (typeof a.host !== 'string' || typeof a.jobId !== 'number') throw new Error('Open Job needs a job from the Zipher tree.');
    await vscode.env.openExternal(vscode.Uri.parse(`${a.host}/jobs/${a.jobId}`));
  }

  private async run(kind: FlowKind, args: unknown[]): Promise<JobOutcome[]> {
    const fromTree = jobNodesFromTreeArgs(args);
    if (fromTree) {
      const byHost = new Map<string, number[]>();
      for (const n of fromTree) byHost.set(n.host, [...(byHost.get(n.host) ?? []), n.jobId]);
      const outcomes: JobOutcome[] = [];
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
    requireServices(c);
    const jobIds = await pickJobs(c, PICK_TITLE[kind], (row) =>
      kind === 'revoke' ? row.state === 'managed' || row.state === 'partial' : kind === 'reconcile' ? healthDrift(row).length > 0 : false,
    );
    return this.runOn(kind, c, jobIds, true);
  }

  private async runOn(kind: FlowKind, c: Connection, jobIds: number[], interactive: boolean): Promise<JobOutcome[]> {
    requireServices(c);
    const done: FlowResult = await this.flow.run(kind, c, jobIds, interactive);
    // The outcome notification (and any retry the user asks for) continues after the command returns.
    done.followUp.catch((e) => this.log.warn(`after ${kind}: ${String((e as Error)?.message ?? e)}`));
    return done.outcomes;
  }
}

function requireServices(c: Connection): void {
  if (c.status !== 'connected') throw new Error(c.error?.message ?? `${c.host} is not connected.`);
  if (!c.principal || !c.access) throw new Error(`Set Zipher's service principal for ${c.host} first ("Zipher: Set Service Principal").`);
}
