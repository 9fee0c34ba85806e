import * as vscode from 'vscode';
import { applyAllowList, inspectIpAccess, planAllowList, validateIps, type AllowListPlan, type IpAccessReport } from '../../onboarding/identity';
import { hostFromTreeArg, resolveConnection, withCancellableProgress } from '../commands/interaction';
import { UserCancelled } from '../commands/register';
import { isObject } from '../commands/workspaceCommands';
import type { ConnectionManager } from '../connections';
import type { Documents } from '../documents';
import type { ComponentLogger } from '../logging';
import type { Settings } from '../settings';
import type { AllowEgressResult } from './results';
import { failure, requireApi, type ChangeNotifier } from './spCommands';

const NEVER_ENABLES =
  'This extension never turns IP access lists on: it cannot reliably know the addresses you and the other admins connect from, and turning the feature on without an allow list covering them locks everyone out. A workspace admin turns it on in the admin settings (Security → IP access list).';

/**
 * `zipher.allowEgressIps`: shows where Zipher's egress addresses stand on the workspace's IP access
 * lists and creates or updates the one Zipher allow list. Never touches other lists and never
 * enables the feature.
 */
export class EgressCommand {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly settings: Settings,
    private readonly documents: Documents,
    private readonly log: ComponentLogger,
    private readonly changed: ChangeNotifier,
  ) {}

  /** `{host?, ips?, apply?, show?}` → {@link AllowEgressResult}. Scripted calls apply without a prompt unless `apply: false`. */
  async allowEgressIps(args?: unknown): Promise<AllowEgressResult> {
    const a = isObject(args) ? args : {};
    const scripted = isObject(args) && !('type' in a);
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    const api = requireApi(c);
    let ips = Array.isArray(a.ips) ? a.ips.filter((x): x is string => typeof x === 'string') : this.settings.egressIps().entries;
    if (!scripted && ips.length === 0) ips = await this.promptIps();
    const checked = validateIps(ips);
    if (checked.invalid.length) {
      return this.fail(`zipher.egressIps has invalid entries: ${checked.invalid.map((i) => `"${i.input}" (${i.reason})`).join(', ')}.`, scripted);
    }

    const inspected = await withCancellableProgress('Reading the workspace\'s IP access lists…', (signal) => inspectIpAccess(api, ips, { signal }));
    if (!inspected.ok) return this.fail(inspected.problem.message, scripted);
    const report = inspected.value;
    const planned = planAllowList(report);
    if (!planned.ok) {
      const markdown = renderEgressMarkdown(c.host, report, undefined, planned.problem.message);
      if (a.show !== false && !scripted) await this.documents.openMarkdown(markdown);
      return this.fail(planned.problem.message, scripted);
    }
    const plan = planned.value;
    let applied: { action: AllowListPlan['action']; listId?: string } | undefined;
    const wantApply = scripted ? a.apply !== false : true;
    if (!scripted && a.show !== false) await this.documents.openMarkdown(renderEgressMarkdown(c.host, report, plan));
    if (plan.action !== 'none' && wantApply) {
      if (!scripted) await this.confirm(plan, report);
      const written = await withCancellableProgress(`Writing allow list "${plan.label}"…`, (signal) => applyAllowList(api, plan, { signal }));
      if (!written.ok) return this.fail(written.problem.message, scripted);
      applied = written.value;
      this.log.info(`${c.host}: allow list ${plan.label} ${written.value.action}d (${plan.ipAddresses.join(', ')})`);
      this.changed(c.host);
    }
    const markdown = renderEgressMarkdown(c.host, report, plan, undefined, applied);
    if (scripted && a.show === true) await this.documents.openMarkdown(markdown);
    if (!scripted) {
      const text = applied
        ? `Allow list "${plan.label}" ${applied.action === 'create' ? 'created' : 'updated'}. Changes take a few minutes to apply.${report.featureEnabled ? '' : ' IP access lists are off for this workspace, so it has no effect until a workspace admin turns them on.'}`
        : plan.reasons.join(' ');
      void (plan.warnings.length ? vscode.window.showWarningMessage(`${text} ${plan.warnings[0]}`) : vscode.window.showInformationMessage(text));
    }
    return {
      ok: true,
      host: c.host,
      featureEnabled: report.featureEnabled,
      access: report.access,
      totalAddresses: report.totalAddresses,
      limit: report.limit,
      blockedBy: report.blockedBy.map((b) => ({ egress: b.egress, listLabel: b.listLabel, entry: b.entry, listEnabled: b.listEnabled })),
      plan: { action: plan.action, label: plan.label, ipAddresses: plan.ipAddresses, reasons: plan.reasons, warnings: plan.warnings, addressesAfter: plan.addressesAfter },
      applied,
      notes: report.featureEnabled ? report.notes : [...report.notes, NEVER_ENABLES],
      markdown,
    };
  }

  private async promptIps(): Promise<string[]> {
    const text = await vscode.window.showInputBox({
      title: 'Zipher egress IP addresses',
      prompt: 'Addresses or CIDR blocks Zipher connects from, separated by commas (saved in the zipher.egressIps setting)',
      placeHolder: '203.0.113.10, 198.51.100.0/28',
      ignoreFocusOut: true,
      validateInput: (v) => {
        const parts = v.split(/[\s,]+/).filter(Boolean);
        if (!parts.length) return 'Enter at least one address.';
        const bad = validateIps(parts).invalid;
        return bad.length ? `"${bad[0].input}": ${bad[0].reason}` : undefined;
      },
    });
    if (text === undefined) throw new UserCancelled();
    const ips = text.split(/[\s,]+/).filter(Boolean);
    await this.settings.setEgressIps(ips);
    return ips;
  }

  private async confirm(plan: AllowListPlan, report: IpAccessReport): Promise<void> {
    const detail = [
      ...plan.reasons,
      `Addresses across all lists afterwards: ${plan.addressesAfter} of ${report.limit}.`,
      ...plan.warnings,
      'No other list is changed.',
      ...(report.featureEnabled ? [] : ['', NEVER_ENABLES]),
    ].join('\n');
    const go = plan.action === 'create' ? 'Create Allow List' : 'Update Allow List';
    const choice = await vscode.window.showWarningMessage(`${plan.action === 'create' ? 'Create' : 'Update'} the "${plan.label}" allow list with ${plan.ipAddresses.length} address(es)?`, { modal: true, detail }, go);
    if (choice !== go) throw new UserCancelled();
  }

  private fail(message: string, scripted: boolean) {
    this.log.warn(message);
    if (!scripted) void vscode.window.showErrorMessage(message);
    return failure(message);
  }
}

/** The state of the workspace's IP access lists as a readable report. */
export function renderEgressMarkdown(host: string, report: IpAccessReport, plan?: AllowListPlan, problem?: string, applied?: { action: string; listId?: string }): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|');
  const out = [
    `# Zipher egress IPs — ${host.replace(/^https?:\/\//, '')}`,
    '',
    `- IP access lists feature: **${report.featureEnabled ? 'on' : 'off'}**`,
    `- Zipher's addresses: ${report.egress.map((e) => `\`${e.text}\``).join(', ')}`,
    `- Zipher's access today: **${report.access}**`,
    `- Addresses across all lists: ${report.totalAddresses} of ${report.limit}`,
    '',
    '## Lists',
    '',
  ];
  if (!report.lists.length) out.push('_No IP access lists._');
  else {
    out.push('| Label | Type | Enabled | Addresses | |', '| --- | --- | --- | --- | --- |');
    for (const l of report.lists) {
      const ours = report.zipherList?.list_id === l.list_id ? "Zipher's list" : '';
      out.push(`| ${esc(l.label)} | ${l.list_type} | ${l.enabled ? 'yes' : 'no'} | ${l.address_count ?? l.ip_addresses.length} | ${ours} |`);
    }
  }
  if (report.blockedBy.length) {
    out.push('', '## Block lists covering Zipher', '', 'Block lists override allow lists: remove these entries there first.', '');
    for (const b of report.blockedBy) out.push(`- "${esc(b.listLabel)}" blocks \`${b.entry}\`, which covers \`${b.egress}\`${b.listEnabled ? '' : ' (list disabled)'}`);
  }
  if (report.notes.length) out.push('', '## Notes', '', ...report.notes.map((n) => `- ${n}`));
  if (!report.featureEnabled) out.push(`- ${NEVER_ENABLES}`);
  out.push('', '## Plan', '');
  if (problem) out.push(`Not possible: ${problem}`);
  else if (plan) {
    out.push(`Action: **${plan.action}** on "${plan.label}"`, '', ...plan.reasons.map((r) => `- ${r}`), ...plan.warnings.map((w) => `- ⚠️ ${w}`));
    if (applied) out.push('', `Done: ${applied.action}${applied.listId ? ` (list ${applied.listId})` : ''}. Changes take a few minutes to apply.`);
  }
  return out.join('\n') + '\n';
}
