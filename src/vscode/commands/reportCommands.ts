import * as fs from 'fs/promises';
import * as vscode from 'vscode';
import { buildHandoff, renderVerifyMarkdown, targetJobs, verifyConnectivity, type HandoffJob, type HandoffObject, type VerifyReport } from '../../onboarding';
import type { Connection, ConnectionManager } from '../connections';
import type { Documents } from '../documents';
import type { ComponentLogger } from '../logging';
import type { SecretStore } from '../secrets';
import { hostFromTreeArg, resolveConnection, withCancellableProgress } from './interaction';
import { isObject } from './workspaceCommands';

/** Verify Connectivity and the handoff document. */
export class ReportCommands {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly secrets: SecretStore,
    private readonly documents: Documents,
    private readonly log: ComponentLogger,
  ) {}

  /**
   * `zipher.verifyConnectivity {host?, show?}` → the `VerifyReport`. Target jobs are the rows
   * Zipher manages or partly holds plus every job the ledger says we granted. Opens the report
   * unless `show: false`.
   */
  async verifyConnectivity(args?: unknown): Promise<VerifyReport> {
    const a = isObject(args) ? args : {};
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: true, needApi: true });
    if (!c.api) throw new Error(c.error?.message ?? `${c.host} has no usable credentials. Run "Zipher: Connect Workspace".`);
    const api = c.api;
    const targetJobIds = await this.targetJobIds(c);
    const connectAsServicePrincipal = await this.connections.servicePrincipalClient(c.host);
    const report = await withCancellableProgress(`Verifying Zipher's access to ${c.host.replace(/^https?:\/\//, '')}…`, (signal) =>
      verifyConnectivity({ api, principal: c.principal, connectAsServicePrincipal, targetJobIds, signal }),
    );
    this.connections.setLastVerify(c.host, report);
    for (const check of report.checks) this.log.info(`verify ${c.host} ${check.id}: ${check.status} — ${check.detail}`);
    if (a.show !== false) await this.documents.openMarkdown(renderVerifyMarkdown(report), { preview: false });
    const failing = report.checks.filter((k) => k.status === 'fail' || k.status === 'warn');
    if (report.status === 'healthy') {
      void vscode.window.showInformationMessage(`Zipher connectivity: all ${report.checks.filter((k) => k.status === 'pass').length} checks passed.`);
    } else {
      void vscode.window
        .showWarningMessage(
          `Zipher connectivity check ${report.status === 'error' ? 'failed' : 'has warnings'}. Not met: ${failing.map((k) => k.title).join('; ') || 'see the report'}.`,
          'Show Logs',
        )
        .then((choice) => choice && vscode.commands.executeCommand('zipher.showLogs'));
    }
    return report;
  }

  /**
   * `zipher.generateHandoff {host?, show?}` → the handoff Markdown. Opens it as an untitled
   * Markdown document and offers Copy / Save as JSON. Never contains the OAuth secret.
   */
  async generateHandoff(args?: unknown): Promise<string> {
    const a = isObject(args) ? args : {};
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: true });
    const principal = c.principal;
    const rowsById = new Map((c.inventory?.rows() ?? []).map((r) => [r.jobId, r]));
    const jobs: HandoffJob[] = (await this.targetJobIds(c)).map((id) => {
      const r = rowsById.get(id);
      return r ? { jobId: id, name: r.name, zipherLevel: r.zipherLevel, state: r.state } : { jobId: id };
    });
    const objects: HandoffObject[] = [];
    if (principal && c.ledger) {
      for (const g of (await c.ledger.grants(c.host, principal.applicationId)).values()) {
        if (g.object.kind !== 'job') objects.push({ kind: g.object.kind, id: g.object.id, label: g.object.label, level: g.level });
      }
    }
    const stored = await this.secrets.getSp(c.host);
    const handoff = buildHandoff({
      host: c.host,
      workspaceId: c.api?.workspaceId,
      principal,
      spInWorkspace: principal ? c.principalProblem === undefined : undefined,
      secretStored: !!stored && stored.applicationId === principal?.applicationId,
      jobs,
      objects,
      verify: c.lastVerify,
      preparedBy: c.identity?.userName,
    });
    if (a.show !== false) {
      await this.documents.openMarkdown(handoff.markdown);
      void vscode.window.showInformationMessage('Handoff ready. Send the OAuth secret separately, over a secure channel.', 'Copy', 'Save as JSON').then(async (choice) => {
        if (choice === 'Copy') await vscode.env.clipboard.writeText(handoff.markdown);
        if (choice === 'Save as JSON') {
          const uri = await vscode.window.showSaveDialog({ filters: { JSON: ['json'] }, saveLabel: 'Save handoff' });
          if (uri) {
            await fs.writeFile(uri.fsPath, `${JSON.stringify(handoff.json, null, 2)}\n`, 'utf8');
            this.log.info(`handoff saved to ${uri.fsPath}`);
          }
        }
      });
    }
    return handoff.markdown;
  }

  private async targetJobIds(c: Connection): Promise<number[]> {
    const t = await targetJobs({ host: c.host, rows: c.inventory?.rows() ?? [], principal: c.principal, ledger: c.ledger });
    if (t.ledgerProblem) this.log.warn(`could not read the ledger: ${t.ledgerProblem}`);
    return t.jobIds;
  }
}
