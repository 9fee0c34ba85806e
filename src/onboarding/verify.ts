/**
 * "Verify Connectivity": everything Zipher needs, checked against the live workspace, each check
 * with its reason and what to do. The admin's credentials read ACLs; when the SP's secret is
 * stored, the SP logs in itself and proves it can reach the API and the target jobs.
 */
import type { AclEntry, WorkspaceApi } from '../databricks/api';
import type { ZipherPrincipal } from './model';
import { isWorkspaceAdmin, lookupServicePrincipal } from './connectionCheck';
import {
  type Caller,
  type Failure,
  explainFailure,
  failureOf,
  formatCappedList,
  isHostUnusable,
  isMissingObject,
} from './verifyErrors';

export type CheckStatus = 'pass' | 'fail' | 'warn' | 'skipped';

export interface CheckResult {
  id: string;
  title: string;
  status: CheckStatus;
  detail: string;
  action?: string;
  durationMs?: number;
}

export interface VerifyReport {
  host: string;
  time: string;
  status: 'healthy' | 'degraded' | 'error';
  checks: CheckResult[];
  /** set when the signal fired before every check ran */
  cancelled?: boolean;
}

export interface VerifyInput {
  /** admin credentials */
  api: WorkspaceApi;
  /** Zipher's SP, if configured */
  principal?: ZipherPrincipal;
  /** present when the SP secret is stored; builds an OAuth M2M client */
  connectAsServicePrincipal?: () => Promise<WorkspaceApi>;
  /** jobs Zipher should manage (from the tree/ledger) */
  targetJobIds: number[];
  signal?: AbortSignal;
}

/** Check ids, stable so the UI, the handoff and tests can refer to them. */
export const CHECK_IDS = {
  reachable: 'workspace-reachable',
  identity: 'admin-identity',
  spConfigured: 'sp-configured',
  spInWorkspace: 'sp-in-workspace',
  spToken: 'sp-oauth-token',
  spReach: 'sp-workspace-access',
  jobGrants: 'job-grants',
  spJobAccess: 'sp-job-access',
  notOwner: 'zipher-not-owner',
} as const;

const TITLES = {
  reachable: 'Workspace API reachable',
  identity: 'Your identity and admin rights',
  spConfigured: "Zipher's service principal is set",
  spInWorkspace: "Zipher's service principal is in the workspace",
  spToken: "Zipher's service principal can log in (OAuth)",
  spReach: "Zipher's service principal can reach the workspace API",
  spJobAccess: "Zipher's service principal can open the target jobs",
  notOwner: 'Zipher is not the owner of any job',
} as const;

/** Concurrent ACL / job reads per check; the client's scheduler bounds the workspace as a whole. */
const JOB_READ_WINDOW = 16;
const LIST_CAP = 20;
const MANAGE_LEVELS = new Set(['CAN_MANAGE', 'IS_OWNER']);

export async function verifyConnectivity(input: VerifyInput): Promise<VerifyReport> {
  const { api, principal, signal } = input;
  const host = api.host;
  const time = new Date().toISOString();
  const targetJobIds = [...new Set(input.targetJobIds)];
  const appId = principal?.applicationId.toLowerCase();

  // The admin and SP branches are independent; within each, later checks need earlier ones.
  const reachableP = timed(CHECK_IDS.reachable, TITLES.reachable, () => checkReachable(api, signal));
  const identityP = timed(CHECK_IDS.identity, TITLES.identity, () => checkIdentity(api, signal));

  const reachable = await reachableP;
  const hostDown = reachable.failure !== undefined && isHostUnusable(reachable.failure.kind);
  const downReason = `Skipped: ${host} is not reachable.`;

  const spConfigured = checkSpConfigured(principal);
  const jobsBranch = async (): Promise<JobAclResult> => {
    if (!principal || !appId) {
      const why = 'Skipped: no service principal set.';
      return { checks: [skipped(CHECK_IDS.jobGrants, grantsTitle(targetJobIds), why), skipped(CHECK_IDS.notOwner, TITLES.notOwner, why)], missing: new Set() };
    }
    if (hostDown) {
      return {
        checks: [skipped(CHECK_IDS.jobGrants, grantsTitle(targetJobIds), downReason), skipped(CHECK_IDS.notOwner, TITLES.notOwner, downReason)],
        missing: new Set(),
      };
    }
    return checkJobAcls(api, appId, targetJobIds, signal);
  };
  const jobsP = jobsBranch();
  // The SP gets 403 for a deleted job (permission is checked before existence); the admin's
  // reads tell the two apart.
  const missingJobs = jobsP.then((r) => r.missing);
  const spBranch = async (): Promise<CheckResult[]> => {
    if (!principal || !appId) {
      return [
        skipped(CHECK_IDS.spInWorkspace, TITLES.spInWorkspace, 'Skipped: no service principal set.'),
        ...spOwnSkipped('Skipped: no service principal set.'),
      ];
    }
    if (hostDown) {
      return [skipped(CHECK_IDS.spInWorkspace, TITLES.spInWorkspace, downReason), ...spOwnSkipped(downReason)];
    }
    const [inWorkspace, own] = await Promise.all([
      timed(CHECK_IDS.spInWorkspace, TITLES.spInWorkspace, () =>
        checkSpInWorkspace(api, principal.applicationId, signal),
      ),
      spOwnChecks(input, appId, targetJobIds, missingJobs),
    ]);
    return [inWorkspace.result, ...own];
  };

  const [identity, sp, jobs] = await Promise.all([identityP, spBranch(), jobsP]);
  const [spInWorkspace, spToken, spReach, spJobs] = sp;
  const [jobGrants, notOwner] = jobs.checks;
  const checks: CheckResult[] = [
    reachable.result,
    identity.result,
    spConfigured,
    spInWorkspace,
    spToken,
    spReach,
    jobGrants,
    spJobs,
    notOwner,
  ];
  const cancelled = signal?.aborted === true;
  return { host, time, status: overallStatus(checks, cancelled), checks, ...(cancelled ? { cancelled } : {}) };
}

export function overallStatus(checks: readonly CheckResult[], cancelled = false): VerifyReport['status'] {
  if (checks.some((c) => c.status === 'fail')) {
    return 'error';
  }
  if (cancelled || checks.some((c) => c.status === 'warn')) {
    return 'degraded';
  }
  return 'healthy';
}

// ---------------------------------------------------------------- admin-side checks

interface Timed {
  result: CheckResult;
  failure?: Failure;
}

interface Outcome {
  status: CheckStatus;
  detail: string;
  action?: string;
  failure?: Failure;
}

async function timed(id: string, title: string, run: () => Promise<Outcome>): Promise<Timed> {
  const start = Date.now();
  // A check that throws must not take the whole report down with it.
  const outcome = await run().catch((error: unknown): Outcome => {
    const failure = failureOf(error);
    return { status: 'fail', detail: explainFailure(failure, 'the workspace').message, failure };
  });
  const result: CheckResult = { id, title, status: outcome.status, detail: outcome.detail, durationMs: Date.now() - start };
  if (outcome.action) {
    result.action = outcome.action;
  }
  return { result, failure: outcome.failure };
}

function failed(error: unknown, host: string, caller: Caller, signal: AbortSignal | undefined, prefix = ''): Outcome {
  const failure = failureOf(error, signal);
  if (failure.kind === 'cancelled') {
    return { status: 'skipped', detail: 'Cancelled.', failure };
  }
  const { message, action } = explainFailure(failure, host, caller);
  return { status: 'fail', detail: `${prefix}${message}`, action, failure };
}

async function checkReachable(api: WorkspaceApi, signal?: AbortSignal): Promise<Outcome> {
  try {
    const listing = await api.listWorkspace('/', { signal, priority: 'user' });
    return { status: 'pass', detail: `${api.host} answered workspace/list with ${listing.objects.length} top-level objects.` };
  } catch (error) {
    return failed(error, api.host, 'admin', signal);
  }
}

async function checkIdentity(api: WorkspaceApi, signal?: AbortSignal): Promise<Outcome> {
  try {
    const me = await api.me({ signal, priority: 'user' });
    const name = me.displayName && me.displayName !== me.userName ? `${me.displayName} (${me.userName})` : me.userName;
    if (isWorkspaceAdmin(me.groups)) {
      return { status: 'pass', detail: `Connected as ${name}, a workspace admin.` };
    }
    return {
      status: 'warn',
      detail: `Connected as ${name}, who is not a workspace admin: permissions of jobs you do not manage cannot be read.`,
      action: 'Connect as a workspace admin to check every target job.',
    };
  } catch (error) {
    return failed(error, api.host, 'admin', signal);
  }
}

function checkSpConfigured(principal: ZipherPrincipal | undefined): CheckResult {
  if (!principal) {
    return {
      id: CHECK_IDS.spConfigured,
      title: TITLES.spConfigured,
      status: 'fail',
      detail: "No service principal is set for this workspace, so Zipher's access cannot be checked.",
      action: 'Run "Zipher: Set Service Principal" with the application id of Zipher\'s service principal.',
    };
  }
  const name = principal.displayName ? `${principal.displayName} (${principal.applicationId})` : principal.applicationId;
  return { id: CHECK_IDS.spConfigured, title: TITLES.spConfigured, status: 'pass', detail: `Service principal ${name}.` };
}

async function checkSpInWorkspace(api: WorkspaceApi, applicationId: string, signal?: AbortSignal): Promise<Outcome> {
  const lookup = await lookupServicePrincipal(api, applicationId, signal);
  if (lookup.found) {
    const name = lookup.sp.displayName ?? lookup.sp.applicationId;
    if (lookup.sp.active === false) {
      return {
        status: 'fail',
        detail: `${name} is in the workspace but deactivated: it cannot log in.`,
        action: 'Activate the service principal in the account console.',
      };
    }
    return { status: 'pass', detail: `${name} is in the workspace (SCIM id ${lookup.sp.id}).` };
  }
  if (lookup.kind === 'cancelled') {
    return { status: 'skipped', detail: 'Cancelled.' };
  }
  if (lookup.reason === 'not-in-workspace' || lookup.reason === 'invalid-id') {
    return {
      status: 'fail',
      detail: lookup.message,
      action: 'In the account console open the workspace, Permissions, and add the service principal as a User.',
    };
  }
  return { status: 'fail', detail: lookup.message };
}

// ---------------------------------------------------------------- job ACLs (admin credentials)

function grantsTitle(jobIds: readonly number[]): string {
  return `Zipher holds CAN_MANAGE on the ${jobIds.length} target job${jobIds.length === 1 ? '' : 's'}`;
}

function spEntry(acl: readonly AclEntry[], appId: string): AclEntry | undefined {
  return acl.find((e) => e.service_principal_name?.toLowerCase() === appId);
}

interface JobAclResult {
  /** [job grants, not owner] */
  checks: [CheckResult, CheckResult];
  /** jobs the admin found deleted */
  missing: ReadonlySet<number>;
}

async function checkJobAcls(api: WorkspaceApi, appId: string, jobIds: number[], signal?: AbortSignal): Promise<JobAclResult> {
  const start = Date.now();
  const title = grantsTitle(jobIds);
  if (jobIds.length === 0) {
    return {
      checks: [
        {
          id: CHECK_IDS.jobGrants,
          title,
          status: 'warn',
          detail: 'No target jobs: Zipher has not been given access to any job yet.',
          action: 'Select jobs in the Zipher view and run "Grant Zipher Access".',
        },
        skipped(CHECK_IDS.notOwner, TITLES.notOwner, 'Skipped: no target jobs.'),
      ],
      missing: new Set(),
    };
  }
  const lacking: string[] = [];
  const missing: string[] = [];
  const unreadable: string[] = [];
  const owned: string[] = [];
  const otherFailures: Failure[] = [];
  let ipBlocked = false;
  const finished = await forEachBounded(jobIds, JOB_READ_WINDOW, signal, async (jobId) => {
    try {
      const perms = await api.getPermissions('jobs', String(jobId), { signal, priority: 'user' });
      const levels = spEntry(perms.access_control_list, appId)?.all_permissions.map((p) => p.permission_level) ?? [];
      if (levels.includes('IS_OWNER')) {
        owned.push(String(jobId));
      }
      if (!levels.some((l) => MANAGE_LEVELS.has(l))) {
        lacking.push(levels.length > 0 ? `${jobId} (${levels.join('/')})` : `${jobId} (no entry)`);
      }
    } catch (error) {
      const failure = failureOf(error, signal);
      if (failure.kind === 'cancelled') {
        return;
      }
      if (isMissingObject(failure)) {
        missing.push(String(jobId));
      } else if (failure.kind === 'permission') {
        unreadable.push(String(jobId));
      } else {
        ipBlocked ||= failure.kind === 'ip-blocked';
        otherFailures.push(failure);
        unreadable.push(String(jobId));
      }
    }
  });
  const durationMs = Date.now() - start;
  if (!finished) {
    return { checks: [skipped(CHECK_IDS.jobGrants, title, 'Cancelled.'), skipped(CHECK_IDS.notOwner, TITLES.notOwner, 'Cancelled.')], missing: new Set() };
  }

  const parts: string[] = [];
  const actions: string[] = [];
  let status: CheckStatus = 'pass';
  if (lacking.length > 0) {
    status = 'fail';
    parts.push(`Zipher lacks CAN_MANAGE on ${lacking.length} of ${jobIds.length} jobs: ${formatCappedList(sortById(lacking), LIST_CAP)}.`);
    actions.push('Select these jobs in the Zipher view and run "Grant Zipher Access".');
  }
  if (missing.length > 0) {
    status = 'fail';
    parts.push(`${missing.length} job${missing.length === 1 ? ' does' : 's do'} not exist any more: ${formatCappedList(sortById(missing), LIST_CAP)}.`);
    actions.push('Revoke Zipher\'s access to deleted jobs to clear them from the list.');
  }
  if (unreadable.length > 0) {
    if (status === 'pass') {
      status = otherFailures.length > 0 ? 'fail' : 'warn';
    }
    const cause = otherFailures[0]
      ? explainFailure(otherFailures[0], api.host, 'admin').message
      : 'you need workspace admin or CAN_MANAGE on them to read their permissions';
    parts.push(`The permissions of ${unreadable.length} job${unreadable.length === 1 ? '' : 's'} could not be read (${cause}): ${formatCappedList(sortById(unreadable), LIST_CAP)}.`);
    actions.push(
      ipBlocked
        ? explainFailure({ kind: 'ip-blocked', detail: '' }, api.host, 'admin').action ?? ''
        : 'Connect as a workspace admin to check these jobs.',
    );
  }
  if (status === 'pass') {
    parts.push(`Zipher holds CAN_MANAGE on all ${jobIds.length} target job${jobIds.length === 1 ? '' : 's'}.`);
  }
  const grants: CheckResult = { id: CHECK_IDS.jobGrants, title, status, detail: parts.join(' '), durationMs };
  if (actions.length > 0) {
    grants.action = actions.filter((a) => a.length > 0).join(' ');
  }

  const readCount = jobIds.length - missing.length - unreadable.length;
  const notOwner: CheckResult =
    owned.length > 0
      ? {
          id: CHECK_IDS.notOwner,
          title: TITLES.notOwner,
          status: 'fail',
          detail: `Zipher's service principal is the owner (IS_OWNER) of ${owned.length} job${owned.length === 1 ? '' : 's'}: ${formatCappedList(sortById(owned), LIST_CAP)}. An owner's identity can become the job's run-as user.`,
          action: 'Make a person or a team service principal the owner of these jobs in the job\'s Permissions, then grant Zipher CAN_MANAGE.',
          durationMs,
        }
      : {
          id: CHECK_IDS.notOwner,
          title: TITLES.notOwner,
          status: readCount > 0 ? 'pass' : 'skipped',
          detail: readCount > 0 ? `Zipher owns none of the ${readCount} job${readCount === 1 ? '' : 's'} whose permissions were read.` : 'No job permissions could be read.',
          durationMs,
        };
  return { checks: [grants, notOwner], missing: new Set(missing.map(Number)) };
}

// ---------------------------------------------------------------- checks as the SP itself

function spOwnSkipped(reason: string): CheckResult[] {
  return [
    skipped(CHECK_IDS.spToken, TITLES.spToken, reason),
    skipped(CHECK_IDS.spReach, TITLES.spReach, reason),
    skipped(CHECK_IDS.spJobAccess, TITLES.spJobAccess, reason),
  ];
}

async function spOwnChecks(input: VerifyInput, appId: string, jobIds: number[], missingJobs: Promise<ReadonlySet<number>>): Promise<CheckResult[]> {
  const { signal } = input;
  const host = input.api.host;
  if (!input.connectAsServicePrincipal) {
    return spOwnSkipped('Skipped: the service principal\'s OAuth secret is not stored here, so its own login cannot be tested. Store it with "Zipher: Set Service Principal" to include these checks.');
  }
  const connect = input.connectAsServicePrincipal;
  let spApi: WorkspaceApi | undefined;
  const token = await timed(CHECK_IDS.spToken, TITLES.spToken, async () => {
    try {
      spApi = await connect();
      const me = await spApi.me({ signal, priority: 'user' });
      if (me.userName.toLowerCase() !== appId) {
        return {
          status: 'fail',
          detail: `An OAuth token was issued, but the workspace answers as ${me.userName}, not as ${appId}: the stored client id and secret belong to another principal.`,
          action: 'Store the secret of Zipher\'s own service principal with "Zipher: Set Service Principal".',
        };
      }
      return { status: 'pass', detail: `An OAuth token was issued and the workspace answers as ${appId}.` };
    } catch (error) {
      const failure = failureOf(error, signal);
      if (failure.kind === 'permission') {
        return {
          status: 'fail',
          detail: `An OAuth token was issued, but ${host} refuses the service principal: it is probably not added to this workspace.`,
          action: 'In the account console open the workspace, Permissions, and add the service principal as a User.',
          failure,
        };
      }
      return failed(error, host, 'service-principal', signal);
    }
  });
  if (token.result.status !== 'pass' || !spApi) {
    const reason = 'Skipped: the service principal could not log in.';
    return [
      token.result,
      skipped(CHECK_IDS.spReach, TITLES.spReach, reason),
      skipped(CHECK_IDS.spJobAccess, TITLES.spJobAccess, reason),
    ];
  }
  const sp = spApi;
  const [reach, jobs] = await Promise.all([
    timed(CHECK_IDS.spReach, TITLES.spReach, async () => {
      try {
        await sp.listWorkspace('/', { signal, priority: 'user' });
        return { status: 'pass', detail: 'The service principal\'s token lists the workspace root (workspace/list answered 200).' };
      } catch (error) {
        return failed(error, host, 'service-principal', signal);
      }
    }),
    checkSpJobs(sp, host, jobIds, missingJobs, signal),
  ]);
  return [token.result, reach.result, jobs];
}

async function checkSpJobs(
  sp: WorkspaceApi,
  host: string,
  jobIds: number[],
  missingJobs: Promise<ReadonlySet<number>>,
  signal?: AbortSignal,
): Promise<CheckResult> {
  const title = TITLES.spJobAccess;
  if (jobIds.length === 0) {
    return skipped(CHECK_IDS.spJobAccess, title, 'Skipped: no target jobs.');
  }
  const start = Date.now();
  const denied: string[] = [];
  const missing: string[] = [];
  const errors: string[] = [];
  const refused: string[] = [];
  let firstError: Failure | undefined;
  const finished = await forEachBounded(jobIds, JOB_READ_WINDOW, signal, async (jobId) => {
    try {
      await sp.getJob(jobId, { signal, priority: 'user' });
    } catch (error) {
      const failure = failureOf(error, signal);
      if (failure.kind === 'cancelled') {
        return;
      }
      if (isMissingObject(failure)) {
        missing.push(String(jobId));
      } else if (failure.kind === 'permission') {
        refused.push(String(jobId));
      } else {
        firstError ??= failure;
        errors.push(String(jobId));
      }
    }
  });
  if (!finished) {
    return skipped(CHECK_IDS.spJobAccess, title, 'Cancelled.');
  }
  const deleted = await missingJobs;
  for (const id of refused) {
    (deleted.has(Number(id)) ? missing : denied).push(id);
  }
  const durationMs = Date.now() - start;
  if (denied.length === 0 && missing.length === 0 && errors.length === 0) {
    return { id: CHECK_IDS.spJobAccess, title, status: 'pass', detail: `The service principal opened all ${jobIds.length} target job${jobIds.length === 1 ? '' : 's'} with its own token.`, durationMs };
  }
  const parts: string[] = [];
  const actions: string[] = [];
  if (denied.length > 0) {
    parts.push(`The service principal is refused access to ${denied.length} job${denied.length === 1 ? '' : 's'}: ${formatCappedList(sortById(denied), LIST_CAP)}.`);
    actions.push('Grant Zipher access to these jobs.');
  }
  if (missing.length > 0) {
    parts.push(`${missing.length} job${missing.length === 1 ? ' does' : 's do'} not exist: ${formatCappedList(sortById(missing), LIST_CAP)}.`);
  }
  if (errors.length > 0 && firstError) {
    const explained = explainFailure(firstError, host, 'service-principal');
    parts.push(`${errors.length} job${errors.length === 1 ? '' : 's'} could not be checked (${explained.message}): ${formatCappedList(sortById(errors), LIST_CAP)}.`);
    if (explained.action) {
      actions.push(explained.action);
    }
  }
  const result: CheckResult = { id: CHECK_IDS.spJobAccess, title, status: 'fail', detail: parts.join(' '), durationMs };
  if (actions.length > 0) {
    result.action = actions.join(' ');
  }
  return result;
}

// ---------------------------------------------------------------- helpers

function skipped(id: string, title: string, detail: string): CheckResult {
  return { id, title, status: 'skipped', detail };
}

function sortById(items: string[]): string[] {
  return [...items].sort((a, b) => parseInt(a, 10) - parseInt(b, 10));
}

/**
 * Runs `fn` over `items` with at most `window` in flight; stops issuing new work once the signal
 * fires. Resolves false when it stopped early. `fn` must not throw.
 */
async function forEachBounded<T>(items: readonly T[], window: number, signal: AbortSignal | undefined, fn: (item: T) => Promise<void>): Promise<boolean> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < items.length && !signal?.aborted) {
      const item = items[next++] as T;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, items.length) }, worker));
  return !signal?.aborted;
}

// ---------------------------------------------------------------- rendering

const STATUS_MARK: Record<CheckStatus, string> = { pass: '✅', fail: '❌', warn: '⚠️', skipped: '⏭️' };
const STATUS_WORD: Record<VerifyReport['status'], string> = { healthy: 'Healthy', degraded: 'Degraded', error: 'Problems found' };

/** A Markdown report an admin can read in VS Code or paste into a ticket. */
export function renderVerifyMarkdown(report: VerifyReport): string {
  const counts = { pass: 0, fail: 0, warn: 0, skipped: 0 };
  for (const c of report.checks) {
    counts[c.status] += 1;
  }
  const lines = [
    `# Zipher connectivity check: ${STATUS_WORD[report.status]}`,
    '',
    `- Workspace: ${report.host}`,
    `- Checked at: ${report.time}`,
    `- Result: ${counts.pass} passed, ${counts.fail} failed, ${counts.warn} warnings, ${counts.skipped} skipped${report.cancelled ? ' (cancelled)' : ''}`,
    '',
    '| | Check | Result |',
    '|---|---|---|',
  ];
  for (const c of report.checks) {
    lines.push(`| ${STATUS_MARK[c.status]} | ${escapeCell(c.title)} | ${escapeCell(c.detail)} |`);
  }
  const todo = report.checks.filter((c) => c.action && (c.status === 'fail' || c.status === 'warn'));
  if (todo.length > 0) {
    lines.push('', '## What to do', '');
    for (const c of todo) {
      lines.push(`- **${c.title}**: ${c.action}`);
    }
  }
  lines.push('');
  return lines.join('\n');
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}
