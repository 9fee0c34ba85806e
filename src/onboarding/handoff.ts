/**
 * The handoff: what the admin sends Zipher once access is in place (workspace URL, the SP's
 * application id, the jobs and levels granted) and the integration checklist ticked from the live
 * state. The OAuth secret is never part of it: this module takes no secret, only whether one is
 * stored, and tells the admin to send the secret separately over a secure channel.
 */
import type { ObjectKind, ZipherJobState, ZipherPrincipal } from './model';
import { CHECK_IDS, type VerifyReport } from './verify';
import { formatCappedList } from './verifyErrors';

/** A job Zipher should manage; `JobRow` from the inventory fits. */
export interface HandoffJob {
  jobId: number;
  name?: string;
  /** Zipher's effective direct level on the job, if any */
  zipherLevel?: string;
  state?: ZipherJobState;
}

/** Another object Zipher was granted for its jobs (compute, pool, policy, ...). */
export interface HandoffObject {
  kind: ObjectKind;
  id: string;
  label?: string;
  level: string;
}

export interface HandoffInput {
  host: string;
  workspaceId?: string;
  principal?: ZipherPrincipal;
  /** SCIM lookup result; undefined when not looked up */
  spInWorkspace?: boolean;
  /** whether the SP's OAuth secret is stored (never the secret itself) */
  secretStored: boolean;
  /** ISO expiry of the stored secret, when known */
  secretExpiresAt?: string;
  /** the target jobs with Zipher's live level */
  jobs: readonly HandoffJob[];
  objects?: readonly HandoffObject[];
  /** whether Zipher's egress IPs are allowed; undefined = not checked */
  egressIpsAllowed?: boolean;
  verify?: VerifyReport;
  /** who prepared it (SCIM userName) */
  preparedBy?: string;
  /** ISO time; now by default */
  generatedAt?: string;
}

export type ChecklistStatus = 'done' | 'missing' | 'not-checked';

export interface ChecklistItem {
  id: 'sp-exists' | 'secret-stored' | 'sp-in-workspace' | 'jobs-managed' | 'egress-ips' | 'connectivity';
  title: string;
  status: ChecklistStatus;
  detail: string;
}

export interface HandoffJson {
  format: 'zipher-handoff';
  version: 1;
  generatedAt: string;
  preparedBy?: string;
  workspace: { url: string; workspaceId?: string };
  servicePrincipal?: { applicationId: string; displayName?: string };
  /** the secret is deliberately absent: it travels separately */
  oauthSecret: { stored: boolean; expiresAt?: string; included: false };
  jobs: { jobId: number; name?: string; level?: string; managed: boolean }[];
  otherAccess: HandoffObject[];
  checklist: ChecklistItem[];
  connectivity?: { status: VerifyReport['status']; checkedAt: string; failedChecks: string[] };
}

export interface Handoff {
  markdown: string;
  json: HandoffJson;
}

const MANAGE_LEVELS = new Set(['CAN_MANAGE', 'IS_OWNER']);

function isManaged(job: HandoffJob): boolean {
  return job.zipherLevel !== undefined ? MANAGE_LEVELS.has(job.zipherLevel) : job.state === 'managed';
}

export function buildHandoff(input: HandoffInput): Handoff {
  const generatedAt = input.generatedAt ?? new Date().toISOString();
  const jobs = [...input.jobs]
    .sort((a, b) => a.jobId - b.jobId)
    .map((j) => ({ jobId: j.jobId, name: j.name, level: j.zipherLevel, managed: isManaged(j) }));
  const checklist = buildChecklist(input);
  const json: HandoffJson = {
    format: 'zipher-handoff',
    version: 1,
    generatedAt,
    ...(input.preparedBy ? { preparedBy: input.preparedBy } : {}),
    workspace: { url: input.host, ...(input.workspaceId ? { workspaceId: input.workspaceId } : {}) },
    ...(input.principal
      ? { servicePrincipal: { applicationId: input.principal.applicationId, ...(input.principal.displayName ? { displayName: input.principal.displayName } : {}) } }
      : {}),
    oauthSecret: { stored: input.secretStored, ...(input.secretExpiresAt ? { expiresAt: input.secretExpiresAt } : {}), included: false },
    jobs,
    // Copied field by field: nothing a caller attaches to these objects reaches the output.
    otherAccess: (input.objects ?? []).map((o) => ({ kind: o.kind, id: o.id, ...(o.label !== undefined ? { label: o.label } : {}), level: o.level })),
    checklist,
    ...(input.verify
      ? {
          connectivity: {
            status: input.verify.status,
            checkedAt: input.verify.time,
            failedChecks: input.verify.checks.filter((c) => c.status === 'fail').map((c) => c.id),
          },
        }
      : {}),
  };
  return { markdown: renderMarkdown(input, json), json };
}

// ---------------------------------------------------------------- checklist

function buildChecklist(input: HandoffInput): ChecklistItem[] {
  const sp = input.principal;
  const verifyCheck = (id: string) => input.verify?.checks.find((c) => c.id === id);

  const spExists: ChecklistItem = sp
    ? { id: 'sp-exists', title: 'Service principal created, application id noted', status: 'done', detail: sp.applicationId }
    : { id: 'sp-exists', title: 'Service principal created, application id noted', status: 'missing', detail: 'No service principal is set.' };

  const secret: ChecklistItem = input.secretStored
    ? {
        id: 'secret-stored',
        title: 'OAuth secret generated and stored securely',
        status: 'done',
        detail: input.secretExpiresAt ? `Stored; expires ${input.secretExpiresAt}.` : 'Stored.',
      }
    : {
        id: 'secret-stored',
        title: 'OAuth secret generated and stored securely',
        status: 'not-checked',
        detail: 'No secret is stored in this editor; generate one in the account console and keep it in your secrets manager.',
      };

  const inWorkspace = input.spInWorkspace ?? passFail(verifyCheck(CHECK_IDS.spInWorkspace)?.status);
  const spInWorkspace: ChecklistItem = {
    id: 'sp-in-workspace',
    title: 'Service principal added to the workspace',
    status: inWorkspace === undefined ? 'not-checked' : inWorkspace ? 'done' : 'missing',
    detail: inWorkspace === undefined ? 'Run "Zipher: Verify Connectivity" to check.' : inWorkspace ? `Found in ${input.host}.` : `Not found in ${input.host}.`,
  };

  const lacking = input.jobs.filter((j) => !isManaged(j)).map((j) => String(j.jobId));
  const jobsManaged: ChecklistItem =
    input.jobs.length === 0
      ? { id: 'jobs-managed', title: 'CAN_MANAGE granted on all target jobs', status: 'missing', detail: 'No target jobs yet.' }
      : lacking.length === 0
        ? { id: 'jobs-managed', title: 'CAN_MANAGE granted on all target jobs', status: 'done', detail: `${input.jobs.length} job${input.jobs.length === 1 ? '' : 's'}.` }
        : {
            id: 'jobs-managed',
            title: 'CAN_MANAGE granted on all target jobs',
            status: 'missing',
            detail: `Missing on ${lacking.length} of ${input.jobs.length}: ${formatCappedList(lacking, 20)}.`,
          };

  const egress: ChecklistItem = {
    id: 'egress-ips',
    title: "Zipher's egress IPs allowed (recommended, if the workspace uses IP access lists)",
    status: input.egressIpsAllowed === undefined ? 'not-checked' : input.egressIpsAllowed ? 'done' : 'missing',
    detail: input.egressIpsAllowed === undefined ? 'Add the egress IPs Zipher gives you to the workspace allow list.' : input.egressIpsAllowed ? 'Allowed.' : 'Not on the allow list.',
  };

  const report = input.verify;
  const failedTitles = report?.checks.filter((c) => c.status === 'fail').map((c) => c.title) ?? [];
  const connectivity: ChecklistItem = !report
    ? { id: 'connectivity', title: 'Connectivity verified', status: 'not-checked', detail: 'Run "Zipher: Verify Connectivity".' }
    : {
        id: 'connectivity',
        title: 'Connectivity verified',
        status: failedTitles.length === 0 && !report.cancelled ? 'done' : 'missing',
        detail:
          failedTitles.length > 0
            ? `${report.time}: failed: ${failedTitles.join('; ')}.`
            : report.cancelled
              ? `${report.time}: the check was cancelled.`
              : `${report.time}: ${report.status}.`,
      };

  return [spExists, secret, spInWorkspace, jobsManaged, egress, connectivity];
}

function passFail(status: string | undefined): boolean | undefined {
  return status === 'pass' ? true : status === 'fail' ? false : undefined;
}

// ---------------------------------------------------------------- markdown

const MARK: Record<ChecklistStatus, string> = { done: '[x]', missing: '[ ]', 'not-checked': '[ ]' };

function renderMarkdown(input: HandoffInput, json: HandoffJson): string {
  const sp = json.servicePrincipal;
  const lines: string[] = [
    '# Zipher integration details',
    '',
    `Prepared ${json.generatedAt}${json.preparedBy ? ` by ${json.preparedBy}` : ''}.`,
    '',
    '## What to send Zipher',
    '',
    `- **Workspace URL:** ${json.workspace.url}${json.workspace.workspaceId ? ` (workspace id ${json.workspace.workspaceId})` : ''}`,
    sp
      ? `- **Service principal application id:** \`${sp.applicationId}\`${sp.displayName ? ` (${escapeInline(sp.displayName)})` : ''}`
      : '- **Service principal application id:** not set yet',
    '- **OAuth secret:** not in this document; send it separately (see below).',
    `- **Jobs Zipher should optimize:** ${json.jobs.length}`,
    '',
  ];
  if (json.jobs.length > 0) {
    lines.push('| Job id | Name | Zipher level |', '|---|---|---|');
    for (const j of json.jobs) {
      const level = j.level ?? 'none';
      lines.push(`| ${j.jobId} | ${escapeCell(j.name ?? '')} | ${j.managed ? level : `${level} (needs CAN_MANAGE)`} |`);
    }
    lines.push('');
  }
  if (json.otherAccess.length > 0) {
    lines.push('### Other access granted for these jobs', '', '| Object | Id | Name | Level |', '|---|---|---|---|');
    for (const o of json.otherAccess) {
      lines.push(`| ${o.kind} | ${escapeCell(o.id)} | ${escapeCell(o.label ?? '')} | ${o.level} |`);
    }
    lines.push('');
  }
  lines.push('## Integration checklist', '');
  for (const item of json.checklist) {
    const note = item.status === 'not-checked' ? ' _(not checked)_' : item.status === 'missing' ? ' **(missing)**' : '';
    lines.push(`- ${MARK[item.status]} ${item.title}${note}: ${escapeInline(item.detail)}`);
  }
  if (input.verify) {
    lines.push('', `Last connectivity check: ${input.verify.status} at ${input.verify.time}.`);
  }
  lines.push(
    '',
    '## How to share',
    '',
    '- Send the workspace URL, the application id and the job list through the channel agreed with Zipher.',
    '- Send the OAuth secret **separately**, through a secure channel (a secrets manager share or a one-time link), never by e-mail, chat or ticket, and never together with this document.',
    input.secretStored
      ? '- The secret is stored in this editor\'s secret storage; "Zipher: Copy Service Principal Secret" puts it on the clipboard when you are ready to send it.'
      : '- No secret is stored in this editor: generate one in the account console (Service principals → Secrets) and share it straight from there.',
    '- If the secret may have been exposed, delete it in the account console and generate a new one.',
    '',
  );
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function escapeInline(text: string): string {
  return text.replace(/\r?\n/g, ' ');
}
