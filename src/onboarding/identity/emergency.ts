/**
 * Emergency revocation of everything Zipher's SP holds, in the order that cuts access fastest:
 * secrets (no new tokens) → ledger grants → any other direct job entries → IP allow list →
 * (optionally) deactivate the SP. Every step runs even when an earlier one fails. Then the
 * result is proven against live state, and an incident report says what is left.
 */
import type { AccountApi, PermissionObjectType, WorkspaceApi } from '../../databricks/api';
import type { JobOutcome, ObjectKind, ObjectRef } from '../model';
import { directLevelOf, removePrincipalFromJob, scanJobsForPrincipal, limiter } from './jobAclScan';
import { removeAllowList, ZIPHER_LIST_LABEL } from './ipAllowList';
import type { TokenProbe } from './rotation';
import type { SealedSecret } from './sealedSecret';
import type { SecretBackend } from './secrets';
import { kindOf, problemFrom } from './result';

/** The access domain's revoke, as emergency revocation needs it (implemented over the ledger). */
export interface LedgerRevoker {
  /** jobs the ledger says Zipher was granted on */
  grantedJobIds(): Promise<number[]>;
  /** objects (jobs and dependencies) the ledger says Zipher holds grants on */
  grantedObjects(): Promise<ObjectRef[]>;
  /** revokes the ledger's grants for these jobs and their dependencies */
  revokeJobs(jobIds: number[], opts?: { signal?: AbortSignal }): Promise<JobOutcome[]>;
}

export interface EmergencyDeps {
  workspace: WorkspaceApi;
  sp: { id: string; applicationId: string };
  /** where the SP's secrets are managed; absent = the step cannot run */
  secrets?: SecretBackend;
  /** needed to deactivate the SP */
  account?: AccountApi;
  ledger?: LedgerRevoker;
  /** proves old secrets no longer yield tokens */
  tryToken?: TokenProbe;
  /** secrets known to the caller (e.g. from SecretStorage) to test against the token endpoint */
  knownSecrets?: SealedSecret[];
  deactivate?: boolean;
  ipListLabel?: string;
  concurrency?: number;
  signal?: AbortSignal;
  now?: () => Date;
  onStep?: (step: IncidentStep) => void;
}

export type StepName = 'delete-secrets' | 'revoke-ledger-grants' | 'remove-direct-job-entries' | 'remove-ip-allow-list' | 'deactivate-sp';
export type StepStatus = 'done' | 'partial' | 'failed' | 'skipped' | 'cancelled';

export interface IncidentStep {
  name: StepName;
  startedAt: string;
  finishedAt: string;
  status: StepStatus;
  detail: string;
}

export type ProofName = 'token-refused' | 'no-secrets-listed' | 'no-job-acl' | 'ledger-objects-clear' | 'ip-list-gone' | 'sp-deactivated';

export interface ProofCheck {
  name: ProofName;
  status: 'passed' | 'failed' | 'unknown';
  detail: string;
  checkedAt: string;
}

export interface IncidentReport {
  host: string;
  applicationId: string;
  spId: string;
  startedAt: string;
  finishedAt: string;
  steps: IncidentStep[];
  proof: ProofCheck[];
  /** what still gives the SP access, or could not be confirmed, in sentences */
  remaining: string[];
  /** limits of what was checked */
  notes: string[];
}

const SCOPE_NOTE =
  'Clusters, pools, policies, warehouses and secret scopes were checked only where the ledger recorded a grant; grants made to the service principal outside this extension on those objects are not found by this scan.';

interface StepOutcome {
  status: StepStatus;
  detail: string;
  remaining?: string[];
}

const STEP_TITLES: Record<StepName, string> = {
  'delete-secrets': 'Delete OAuth secrets',
  'revoke-ledger-grants': 'Revoke recorded grants (jobs and dependencies)',
  'remove-direct-job-entries': 'Remove remaining job entries',
  'remove-ip-allow-list': 'Remove Zipher IP allow list',
  'deactivate-sp': 'Deactivate service principal',
};

const PROOF_TITLES: Record<ProofName, string> = {
  'token-refused': 'Old secret no longer yields a token',
  'no-secrets-listed': 'No OAuth secret left',
  'no-job-acl': 'No job lists the SP',
  'ledger-objects-clear': 'Recorded objects clear',
  'ip-list-gone': 'IP allow list gone',
  'sp-deactivated': 'SP deactivated',
};

/** Revokes everything, proves it, and returns the incident report. Never throws. */
export async function emergencyRevokeAll(deps: EmergencyDeps): Promise<IncidentReport> {
  const now = deps.now ?? (() => new Date());
  const startedAt = now().toISOString();
  const steps: IncidentStep[] = [];
  const remaining: string[] = [];
  const appId = deps.sp.applicationId;

  // Snapshot what the ledger knows before revoking changes it: the proof checks these objects.
  let ledgerObjects: ObjectRef[] = [];
  let ledgerJobs: number[] = [];
  let ledgerReadError: string | undefined;
  if (deps.ledger) {
    try {
      [ledgerObjects, ledgerJobs] = await Promise.all([deps.ledger.grantedObjects(), deps.ledger.grantedJobIds()]);
    } catch (e) {
      ledgerReadError = e instanceof Error ? e.message : String(e);
    }
  }

  const run = async (name: StepName, body: () => Promise<StepOutcome>) => {
    const stepStart = now().toISOString();
    let out: StepOutcome;
    if (deps.signal?.aborted) out = { status: 'cancelled', detail: 'Cancelled before this step ran.', remaining: [`${STEP_TITLES[name]}: not done (cancelled).`] };
    else {
      try {
        out = await body();
      } catch (e) {
        out = { status: 'failed', detail: problemFrom(e, STEP_TITLES[name]).message };
      }
    }
    const step: IncidentStep = { name, startedAt: stepStart, finishedAt: now().toISOString(), status: out.status, detail: out.detail };
    steps.push(step);
    if (out.remaining) remaining.push(...out.remaining);
    else if (out.status === 'failed') remaining.push(`${STEP_TITLES[name]}: ${out.detail}`);
    deps.onStep?.(step);
  };

  await run('delete-secrets', () => deleteAllSecrets(deps));
  await run('revoke-ledger-grants', async () => {
    if (!deps.ledger) return { status: 'skipped', detail: 'No ledger is connected.' };
    if (ledgerReadError) return { status: 'failed', detail: `The ledger could not be read: ${ledgerReadError}` };
    if (!ledgerJobs.length) return { status: 'done', detail: 'The ledger records no grants.' };
    const outcomes = await deps.ledger.revokeJobs(ledgerJobs, { signal: deps.signal });
    const bad = outcomes.filter((o) => o.status !== 'revoked' && o.status !== 'not-granted');
    const detail = `${outcomes.length - bad.length} of ${outcomes.length} job(s) revoked.`;
    if (!bad.length) return { status: 'done', detail };
    return { status: bad.length === outcomes.length ? 'failed' : 'partial', detail, remaining: bad.map((o) => `Job ${o.jobId}${o.name ? ` (${o.name})` : ''}: ${o.status}${o.message ? ` — ${o.message}` : ''}`) };
  });
  await run('remove-direct-job-entries', () => removeDirectEntries(deps));
  await run('remove-ip-allow-list', async () => {
    const removed = await removeAllowList(deps.workspace, { label: deps.ipListLabel ?? ZIPHER_LIST_LABEL, signal: deps.signal });
    if (!removed.ok) return { status: 'failed', detail: removed.problem.message };
    return { status: 'done', detail: removed.value.removed.length ? `Removed ${removed.value.removed.length} list(s).` : 'There was no Zipher allow list.' };
  });
  if (deps.deactivate) {
    await run('deactivate-sp', async () => {
      if (!deps.account) return { status: 'skipped', detail: 'Needs an account admin connection.', remaining: ['The service principal is still active: deactivating it needs a Databricks account admin.'] };
      await deps.account.setServicePrincipalActive(deps.sp.id, false, { signal: deps.signal });
      return { status: 'done', detail: 'The service principal is deactivated.' };
    });
  }

  const proof = await prove(deps, ledgerObjects, now);
  for (const p of proof) if (p.status !== 'passed') remaining.push(`${PROOF_TITLES[p.name]} — ${p.status === 'failed' ? 'FAILED' : 'not confirmed'}: ${p.detail}`);
  return { host: deps.workspace.host, applicationId: appId, spId: deps.sp.id, startedAt, finishedAt: now().toISOString(), steps, proof, remaining: [...new Set(remaining)], notes: [SCOPE_NOTE] };
}

async function deleteAllSecrets(deps: EmergencyDeps): Promise<StepOutcome> {
  if (!deps.secrets) return { status: 'skipped', detail: 'No secret management connection.', remaining: ['OAuth secrets were not deleted: connect as an account admin (or a workspace admin for the workspace route).'] };
  const secrets = deps.secrets;
  const listed = await secrets.list(deps.sp.id, { signal: deps.signal });
  const failures: string[] = [];
  let deleted = 0;
  // Deletes run in parallel: every second counts while a leaked secret can mint tokens.
  await Promise.all(
    listed.map(async (s) => {
      try {
        await secrets.delete(deps.sp.id, s.id, { signal: deps.signal });
        deleted++;
      } catch (e) {
        if (kindOf(e) === 'not-found') deleted++;
        else failures.push(`Secret ${s.id} is still active: ${problemFrom(e, 'deleting it').message}`);
      }
    }),
  );
  const detail = `Deleted ${deleted} of ${listed.length} secret(s).`;
  if (!failures.length) return { status: 'done', detail };
  return { status: deleted ? 'partial' : 'failed', detail, remaining: failures };
}

async function removeDirectEntries(deps: EmergencyDeps): Promise<StepOutcome> {
  const removed: number[] = [];
  const problems: string[] = [];
  const write = limiter(Math.max(1, deps.concurrency ?? 8));
  const scan = await scanJobsForPrincipal(deps.workspace, deps.sp.applicationId, {
    concurrency: deps.concurrency,
    signal: deps.signal,
    onFound: (job, acl) =>
      write(async () => {
        const r = await removePrincipalFromJob(deps.workspace, job.job_id, deps.sp.applicationId, { observed: acl, signal: deps.signal });
        if (r.status === 'removed') removed.push(job.job_id);
        else if (r.status === 'removed-with-drift') {
          removed.push(job.job_id);
          problems.push(r.message);
        } else if (r.status !== 'absent') problems.push(r.message);
      }),
  });
  for (const u of scan.unreadable) problems.push(`Job ${u.jobId} could not be checked: ${u.message}`);
  const detail = `Scanned ${scan.scanned} job(s); the SP was on ${scan.found.length}; removed from ${removed.length}.`;
  if (!problems.length) return { status: 'done', detail };
  return { status: removed.length ? 'partial' : 'failed', detail, remaining: problems };
}

const PERMISSION_TYPE: Partial<Record<ObjectKind, PermissionObjectType>> = {
  job: 'jobs',
  cluster: 'clusters',
  'instance-pool': 'instance-pools',
  'cluster-policy': 'cluster-policies',
  warehouse: 'warehouses',
};

async function prove(deps: EmergencyDeps, ledgerObjects: ObjectRef[], now: () => Date): Promise<ProofCheck[]> {
  const checks: ProofCheck[] = [];
  const add = (name: ProofName, status: ProofCheck['status'], detail: string) => checks.push({ name, status, detail, checkedAt: now().toISOString() });
  const appId = deps.sp.applicationId;

  // 1. Old secrets refused by the token endpoint.
  if (!deps.tryToken || !deps.knownSecrets?.length) add('token-refused', 'unknown', 'No stored secret was available to test against the token endpoint.');
  else {
    let accepted = 0;
    const unclear: string[] = [];
    for (const s of deps.knownSecrets) {
      const check = await deps.tryToken(appId, s, deps.signal);
      if (check.ok) accepted++;
      else if (!check.refused) unclear.push(check.reason);
    }
    if (accepted) add('token-refused', 'failed', `${accepted} of ${deps.knownSecrets.length} stored secret(s) still yield a token.`);
    else if (unclear.length) add('token-refused', 'unknown', `Could not tell whether the token endpoint refuses the secret: ${unclear[0]}`);
    else add('token-refused', 'passed', `The token endpoint refused all ${deps.knownSecrets.length} stored secret(s).`);
  }

  // 2. No secret left on the SP.
  if (!deps.secrets) add('no-secrets-listed', 'unknown', 'No secret management connection to list secrets.');
  else {
    try {
      const left = await deps.secrets.list(deps.sp.id, { signal: deps.signal });
      if (left.length) add('no-secrets-listed', 'failed', `${left.length} secret(s) still exist: ${left.map((s) => s.id).join(', ')}.`);
      else add('no-secrets-listed', 'passed', 'The service principal has no OAuth secret.');
    } catch (e) {
      add('no-secrets-listed', 'unknown', problemFrom(e, 'Listing secrets').message);
    }
  }

  // 3. No job ACL mentions the SP.
  try {
    const scan = await scanJobsForPrincipal(deps.workspace, appId, { concurrency: deps.concurrency, signal: deps.signal });
    if (scan.found.length) add('no-job-acl', 'failed', `Still on ${scan.found.length} job(s): ${scan.found.slice(0, 20).map((f) => `${f.jobId} (${f.level})`).join(', ')}${scan.found.length > 20 ? ', …' : ''}.`);
    else if (scan.unreadable.length) add('no-job-acl', 'unknown', `${scan.unreadable.length} of ${scan.scanned} job(s) could not be read: ${scan.unreadable.slice(0, 10).map((u) => u.jobId).join(', ')}.`);
    else add('no-job-acl', 'passed', `None of ${scan.scanned} job(s) lists the service principal.`);
  } catch (e) {
    add('no-job-acl', 'unknown', problemFrom(e, 'Scanning job permissions').message);
  }

  // 4. Objects the ledger recorded.
  if (!ledgerObjects.length) add('ledger-objects-clear', deps.ledger ? 'passed' : 'unknown', deps.ledger ? 'The ledger recorded no objects.' : 'No ledger is connected.');
  else {
    const still: string[] = [];
    const unreadable: string[] = [];
    const run = limiter(Math.max(1, deps.concurrency ?? 8));
    await Promise.all(
      ledgerObjects.map((o) =>
        run(async () => {
          const label = `${o.kind} ${o.label ?? o.id}`;
          try {
            if (o.kind === 'secret-scope') {
              if (await deps.workspace.getSecretAcl(o.id, appId, { signal: deps.signal })) still.push(label);
              return;
            }
            const type = PERMISSION_TYPE[o.kind];
            if (!type) return;
            const acl = await deps.workspace.getPermissions(type, o.id, { signal: deps.signal });
            if (directLevelOf(acl.access_control_list, appId)) still.push(label);
          } catch (e) {
            if (kindOf(e) !== 'not-found') unreadable.push(label);
          }
        }),
      ),
    );
    if (still.length) add('ledger-objects-clear', 'failed', `Still granted on: ${still.join(', ')}.`);
    else if (unreadable.length) add('ledger-objects-clear', 'unknown', `Could not read: ${unreadable.join(', ')}.`);
    else add('ledger-objects-clear', 'passed', `None of the ${ledgerObjects.length} recorded object(s) lists the service principal.`);
  }

  // 5. IP allow list gone.
  try {
    const label = deps.ipListLabel ?? ZIPHER_LIST_LABEL;
    const lists = await deps.workspace.listIpAccessLists({ signal: deps.signal });
    const ours = lists.filter((l) => l.list_type === 'ALLOW' && l.label === label);
    if (ours.length) add('ip-list-gone', 'failed', `Allow list "${label}" still exists.`);
    else add('ip-list-gone', 'passed', `No allow list labelled "${label}".`);
  } catch (e) {
    add('ip-list-gone', 'unknown', problemFrom(e, 'Reading IP access lists').message);
  }

  // 6. Deactivated, when asked.
  if (deps.deactivate) {
    if (!deps.account) add('sp-deactivated', 'unknown', 'No account admin connection to check.');
    else {
      try {
        const sp = await deps.account.getServicePrincipal(deps.sp.id, { signal: deps.signal });
        add('sp-deactivated', sp.active === false ? 'passed' : 'failed', sp.active === false ? 'The service principal is inactive.' : 'The service principal is still active.');
      } catch (e) {
        add('sp-deactivated', 'unknown', problemFrom(e, 'Reading the service principal').message);
      }
    }
  }
  return checks;
}

/** The incident report as Markdown, with timestamps, for the admin's records. */
export function renderIncidentMarkdown(report: IncidentReport): string {
  const esc = (s: string) => s.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  const icon = (s: string) => ({ done: '✅', passed: '✅', partial: '⚠️', unknown: '❔', skipped: '⏭️', failed: '❌', cancelled: '⏹️' })[s] ?? '';
  const out = [
    '# Emergency revocation — incident report',
    '',
    `- Workspace: ${report.host}`,
    `- Service principal: \`${report.applicationId}\` (id ${report.spId})`,
    `- Started: ${report.startedAt}`,
    `- Finished: ${report.finishedAt}`,
    `- Outcome: ${report.remaining.length ? `**${report.remaining.length} item(s) need attention**` : '**all access removed and proven**'}`,
    '',
    '## Steps',
    '',
    '| Step | Status | Started | Finished | Detail |',
    '| --- | --- | --- | --- | --- |',
    ...report.steps.map((s) => `| ${STEP_TITLES[s.name]} | ${icon(s.status)} ${s.status} | ${s.startedAt} | ${s.finishedAt} | ${esc(s.detail)} |`),
    '',
    '## Proof',
    '',
    '| Check | Result | Checked | Detail |',
    '| --- | --- | --- | --- |',
    ...report.proof.map((p) => `| ${PROOF_TITLES[p.name]} | ${icon(p.status)} ${p.status} | ${p.checkedAt} | ${esc(p.detail)} |`),
    '',
    '## Remaining',
    '',
    ...(report.remaining.length ? report.remaining.map((r) => `- ${r}`) : ['Nothing remains.']),
    ...(report.notes.length ? ['', '## Notes', '', ...report.notes.map((n) => `- ${n}`)] : []),
  ];
  return out.join('\n') + '\n';
}
