import * as vscode from 'vscode';
import { accessLedgerRevoker, emergencyRevokeAll, renderIncidentMarkdown, SealedSecret, workspaceTokenProbe, workspaceSecrets, type IncidentReport } from '../../onboarding/identity';
import { hostFromTreeArg, resolveConnection, withCancellableProgress } from '../commands/interaction';
import { UserCancelled } from '../commands/register';
import { isObject } from '../commands/workspaceCommands';
import type { ConnectionManager } from '../connections';
import type { Documents } from '../documents';
import type { ComponentLogger } from '../logging';
import { buildAgents } from '../network';
import type { SecretStore } from '../secrets';
import type { Settings } from '../settings';
import type { AccountConnections } from './accountConnection';
import type { ChangeNotifier } from './spCommands';
import { requireApi } from './spCommands';
import { resolveSpTarget } from './spTarget';

/**
 * `zipher.emergencyRevokeAll`: one confirmation, then every secret, recorded grant, direct job
 * entry and the Zipher allow list go (and optionally the SP is deactivated), proven against live
 * state; the incident report opens and is returned.
 */
export class EmergencyCommand {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly accounts: AccountConnections,
    private readonly secrets: SecretStore,
    private readonly settings: Settings,
    private readonly documents: Documents,
    private readonly log: ComponentLogger,
    private readonly changed: ChangeNotifier,
  ) {}

  /** `{host?, confirm?: true, deactivate?, show?}` → the `IncidentReport`. */
  async emergencyRevokeAll(args?: unknown): Promise<IncidentReport> {
    const a = isObject(args) ? args : {};
    const scripted = isObject(args) && !('type' in a);
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    const api = requireApi(c);
    const principal = c.principal;
    if (!principal) throw new Error(`Zipher's service principal is not set for ${c.host}: there is nothing to revoke.`);

    const target = await resolveSpTarget(c, this.accounts);
    const account = target.ok ? target.target.account : undefined;
    let deactivate = a.deactivate === true;
    if (a.confirm !== true) {
      const who = principal.displayName ? `${principal.displayName} (${principal.applicationId})` : principal.applicationId;
      const detail = [
        `Service principal: ${who}`,
        '',
        'In this order, continuing past failures:',
        '• delete every OAuth secret of the service principal (no new tokens)',
        '• revoke every grant this extension recorded (jobs, clusters, pools, policies, warehouses, secret scopes)',
        '• remove any other direct entry of the service principal from every job',
        '• delete the Zipher IP allow list',
        account ? '• optionally deactivate the service principal account-wide' : '• (deactivating the service principal needs the account console connection)',
        '',
        'Then it proves the result against live state and opens an incident report. Other principals\' access is not touched.',
      ].join('\n');
      const buttons = account ? ['Revoke All', 'Revoke All and Deactivate'] : ['Revoke All'];
      const choice = await vscode.window.showWarningMessage(`Emergency: remove all of Zipher's access to ${c.host.replace(/^https?:\/\//, '')}?`, { modal: true, detail }, ...buttons);
      if (!choice) throw new UserCancelled();
      deactivate = choice === 'Revoke All and Deactivate';
    }

    const stored = await this.secrets.getSp(c.host);
    const knownSecrets = stored && stored.applicationId === principal.applicationId ? [new SealedSecret(stored.clientSecret)] : [];
    const agents = await buildAgents(this.settings.network(), c.host);
    const tryToken = workspaceTokenProbe(c.host, { httpAgent: agents.httpAgent, httpsAgent: agents.httpsAgent, userAgent: 'zipher-vscode', retry: { maxAttempts: 1 } });
    const sp = target.ok ? target.target.sp : principal.scimId ? { id: principal.scimId, applicationId: principal.applicationId } : undefined;
    if (!sp) throw new Error(target.ok ? 'unreachable' : target.message);
    const backend = target.ok ? target.target.backend : workspaceSecrets(api);
    this.log.warn(`${c.host}: EMERGENCY REVOKE of ${principal.applicationId} started${deactivate ? ' (with deactivation)' : ''}`);

    const report = await withCancellableProgress('Emergency revoke: removing all of Zipher\'s access…', (signal, progress) =>
      emergencyRevokeAll({
        workspace: api,
        sp,
        secrets: backend,
        account,
        ledger: c.access ? accessLedgerRevoker(c.access) : undefined,
        tryToken,
        knownSecrets,
        deactivate,
        concurrency: this.settings.maxConcurrentRequests(),
        signal,
        onStep: (step) => {
          progress(`${step.name}: ${step.status}`);
          this.log.warn(`${c.host}: emergency ${step.name} ${step.status} — ${step.detail}`);
        },
      }),
    );
    for (const p of report.proof) this.log.warn(`${c.host}: emergency proof ${p.name} ${p.status} — ${p.detail}`);
    if (report.proof.some((p) => p.name === 'no-secrets-listed' && p.status === 'passed') && knownSecrets.length) {
      // The stored secret no longer exists in Databricks; keeping it would only mislead.
      await this.secrets.deleteSp(c.host);
    }
    try {
      await c.inventory?.load({ priority: 'user' });
    } catch (e) {
      this.log.warn(`reloading jobs after the emergency revoke failed: ${String((e as Error)?.message ?? e)}`);
    }
    this.changed(c.host);
    if (a.show !== false) await this.documents.openMarkdown(renderIncidentMarkdown(report), { preview: !scripted });
    const text = report.remaining.length
      ? `Emergency revoke finished; ${report.remaining.length} item(s) need attention (see the incident report).`
      : 'Emergency revoke finished: all of Zipher\'s access is removed and proven.';
    void (report.remaining.length ? vscode.window.showWarningMessage(text) : vscode.window.showInformationMessage(text));
    return report;
  }
}
