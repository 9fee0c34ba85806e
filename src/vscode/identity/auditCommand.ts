import * as fs from 'fs/promises';
import * as vscode from 'vscode';
import type { Warehouse } from '../../databricks/api';
import { auditToCsv, queryAclChanges, queryAudit, renderAuditMarkdown, type AuditResult } from '../../onboarding/identity';
import { hostFromTreeArg, resolveConnection, withCancellableProgress } from '../commands/interaction';
import { UserCancelled } from '../commands/register';
import { isObject } from '../commands/workspaceCommands';
import type { ConnectionManager } from '../connections';
import type { Documents } from '../documents';
import type { ComponentLogger } from '../logging';
import type { AuditLogResult, AuditSection } from './results';
import { failure, requireApi } from './spCommands';

const WAREHOUSE_KEY = (host: string) => `zipher.auditWarehouse/${host}`;
const DEFAULT_HOURS = 24;
// The default first: a quick pick focuses its first item.
const WINDOWS: { label: string; hours: number }[] = [
  { label: 'Last 24 hours', hours: 24 },
  { label: 'Last hour', hours: 1 },
  { label: 'Last 7 days', hours: 24 * 7 },
  { label: 'Last 30 days', hours: 24 * 30 },
];

/**
 * `zipher.showAuditLog`: what Zipher's SP did, and who changed its grants, from
 * `system.access.audit` through a SQL warehouse (remembered per workspace).
 */
export class AuditCommand {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly workspaceState: vscode.Memento,
    private readonly documents: Documents,
    private readonly log: ComponentLogger,
  ) {}

  /** `{host?, warehouseId?, sinceHours?, show?, exportCsvPath?}` → {@link AuditLogResult}. */
  async showAuditLog(args?: unknown): Promise<AuditLogResult> {
    const a = isObject(args) ? args : {};
    const scripted = isObject(args) && !('type' in a);
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    const api = requireApi(c);
    const appId = c.principal?.applicationId;
    if (!appId) return this.fail(`Zipher's service principal is not set for ${c.host}.`, scripted);

    let warehouseId = typeof a.warehouseId === 'string' && a.warehouseId ? a.warehouseId : this.workspaceState.get<string>(WAREHOUSE_KEY(c.host));
    if (!scripted) warehouseId = await this.pickWarehouse(api.listWarehouses.bind(api), warehouseId);
    // Scripted without a remembered warehouse: the domain picks a running one or explains why not.
    let sinceHours = typeof a.sinceHours === 'number' ? a.sinceHours : DEFAULT_HOURS;
    if (!scripted) sinceHours = await this.pickWindow();

    const outcome = await withCancellableProgress(`Reading the audit log of Zipher's service principal (last ${describeHours(sinceHours)})…`, async (signal, report) => {
      const onProgress = (p: { state: string; rows?: number }) => report(p.state === 'FETCHING' ? `fetching rows (${p.rows ?? 0} so far)…` : `query ${p.state.toLowerCase()}…`);
      const activity = await queryAudit(api, { applicationId: appId, warehouseId, sinceHours, signal, onProgress });
      if (!activity.ok) return { activity };
      const acl = await queryAclChanges(api, { applicationId: appId, warehouseId: activity.value.warehouseId, sinceHours, signal, onProgress });
      return { activity, acl };
    });
    const activity = outcome.activity;
    if (!activity.ok) return this.fail(activity.problem.message, scripted || activity.problem.kind === 'cancelled');
    const usedWarehouse = activity.value.warehouseId;
    await this.workspaceState.update(WAREHOUSE_KEY(c.host), usedWarehouse);
    const warnings = [...activity.warnings];
    let aclChanges: AuditResult | undefined;
    if (outcome.acl?.ok) {
      aclChanges = outcome.acl.value;
      warnings.push(...outcome.acl.warnings);
    } else if (outcome.acl) warnings.push(`ACL changes by others could not be read: ${outcome.acl.problem.message}`);

    const markdown = [
      renderAuditMarkdown(activity.value, { title: `Zipher service principal — its own actions (${c.host.replace(/^https?:\/\//, '')})`, applicationId: appId, sinceHours }),
      aclChanges ? renderAuditMarkdown(aclChanges, { title: 'Changes to its grants made by others', sinceHours }) : '',
      warnings.length ? ['## Notes', '', ...warnings.map((w) => `- ${w}`), ''].join('\n') : '',
    ]
      .filter(Boolean)
      .join('\n');
    this.log.info(`${c.host}: audit log ${activity.value.rows.length} event(s), ${aclChanges?.rows.length ?? 0} ACL change(s) on warehouse ${usedWarehouse}`);

    let csvPath: string | undefined;
    if (typeof a.exportCsvPath === 'string' && a.exportCsvPath) {
      await fs.writeFile(a.exportCsvPath, csvOf(activity.value, aclChanges), 'utf8');
      csvPath = a.exportCsvPath;
    }
    if (a.show !== false) {
      await this.documents.openMarkdown(markdown, { preview: !scripted });
      if (!scripted) {
        void vscode.window.showInformationMessage(`Audit log: ${activity.value.rows.length} event(s) by Zipher's service principal, ${aclChanges?.rows.length ?? 0} change(s) to its grants by others.`, 'Export CSV').then(async (choice) => {
          if (choice !== 'Export CSV') return;
          const uri = await vscode.window.showSaveDialog({ filters: { CSV: ['csv'] }, saveLabel: 'Export audit log' });
          if (!uri) return;
          await fs.writeFile(uri.fsPath, csvOf(activity.value, aclChanges), 'utf8');
          this.log.info(`audit log exported to ${uri.fsPath}`);
        });
      }
    }
    return {
      ok: true,
      host: c.host,
      warehouseId: usedWarehouse,
      sinceHours,
      activity: section(activity.value),
      aclChanges: aclChanges ? section(aclChanges) : undefined,
      warnings,
      markdown,
      csvPath,
    };
  }

  private async pickWarehouse(list: () => Promise<Warehouse[]>, remembered: string | undefined): Promise<string> {
    const warehouses = await vscode.window.withProgress({ location: vscode.ProgressLocation.Window, title: 'Listing SQL warehouses…' }, () => list());
    if (!warehouses.length) throw new Error('The audit log is read through a SQL warehouse, and this workspace has none you can use.');
    const items = warehouses
      .map((w) => ({
        label: w.name,
        description: `${w.state ?? 'unknown state'}${w.id === remembered ? ' · last used' : ''}`,
        detail: w.state === 'RUNNING' ? undefined : 'Not running: the query starts it (takes a few minutes and is billed).',
        id: w.id,
      }))
      .sort((x, y) => Number(y.id === remembered) - Number(x.id === remembered) || Number(y.description.startsWith('RUNNING')) - Number(x.description.startsWith('RUNNING')));
    const pick = await vscode.window.showQuickPick(items, { title: 'Read the audit log through which SQL warehouse?', ignoreFocusOut: true });
    if (!pick) throw new UserCancelled();
    return pick.id;
  }

  private async pickWindow(): Promise<number> {
    const items = WINDOWS.map((w) => ({ label: w.label, hours: w.hours, description: w.hours === DEFAULT_HOURS ? 'default' : undefined }));
    const pick = await vscode.window.showQuickPick(items, { title: 'Audit log: time window', ignoreFocusOut: true, placeHolder: 'Last 24 hours' });
    if (!pick) throw new UserCancelled();
    return pick.hours;
  }

  private fail(message: string, quiet: boolean) {
    this.log.warn(message);
    if (!quiet) void vscode.window.showErrorMessage(message);
    return failure(message);
  }
}

function section(r: AuditResult): AuditSection {
  return { columns: r.columns, rows: r.rows, truncated: r.truncated };
}

/** One CSV table: both result sets under the union of their columns, tagged by a `section` column. */
function csvOf(activity: AuditResult, acl: AuditResult | undefined): string {
  const columns = ['section', ...new Set([...activity.columns, ...(acl?.columns ?? [])])];
  const rows = [
    ...activity.rows.map((r) => ({ ...r, section: 'service-principal-action' })),
    ...(acl?.rows ?? []).map((r) => ({ ...r, section: 'grant-changed-by-others' })),
  ];
  return auditToCsv({ columns, rows });
}

function describeHours(h: number): string {
  return h % 24 === 0 && h >= 24 ? `${h / 24} day${h === 24 ? '' : 's'}` : `${h} hour${h === 1 ? '' : 's'}`;
}
