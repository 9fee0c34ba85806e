/**
 * The guided walkthrough's checklist, computed from live state (never from clicks). `undefined`
 * in the input means "not checked yet" and yields `unknown`.
 */

export type SetupCheckStatus = 'done' | 'todo' | 'unknown';

export type SetupChecklistItemId = 'sp-created' | 'secret-stored' | 'sp-in-workspace' | 'jobs-managed' | 'egress-allowed' | 'connectivity' | 'handoff-ready';

export interface SetupChecklistItem {
  id: SetupChecklistItemId;
  title: string;
  status: SetupCheckStatus;
  detail?: string;
}

export interface SetupChecklistState {
  /** the SP as found live; null = looked and not found */
  sp?: { applicationId: string; id?: string; active?: boolean } | null;
  /** active, unexpired secrets on the SP (listed live) */
  activeSecretCount?: number;
  /** a secret for this SP is in SecretStorage */
  secretInStorage?: boolean;
  /** the SP appears in the workspace's SCIM */
  spInWorkspace?: boolean;
  /** job states of the target jobs, from the live ACL read */
  targetJobs?: { total: number; managed: number; unknown: number };
  /** from `inspectIpAccess`: 'unrestricted' and 'allowed' both count as done */
  egressAccess?: 'unrestricted' | 'allowed' | 'not-allowed' | 'blocked';
  /** last connectivity check as the SP (token + workspace/list) */
  connectivity?: { ok: boolean; at?: string; message?: string };
}

/** Checklist items with done / todo / unknown from the given live state. */
export function setupChecklist(state: SetupChecklistState): SetupChecklistItem[] {
  const items: SetupChecklistItem[] = [];
  const sp = state.sp;
  items.push(
    sp === undefined
      ? { id: 'sp-created', title: 'Service principal created', status: 'unknown' }
      : sp === null
        ? { id: 'sp-created', title: 'Service principal created', status: 'todo', detail: 'No Zipher service principal was found.' }
        : sp.active === false
          ? { id: 'sp-created', title: 'Service principal created', status: 'todo', detail: 'The service principal is deactivated.' }
          : { id: 'sp-created', title: 'Service principal created', status: 'done', detail: `Application id ${sp.applicationId}` },
  );

  let secret: SetupChecklistItem = { id: 'secret-stored', title: 'OAuth secret generated and stored', status: 'unknown' };
  if (state.activeSecretCount === 0 || state.secretInStorage === false) {
    secret = { ...secret, status: 'todo', detail: state.activeSecretCount === 0 ? 'The service principal has no active secret.' : 'No secret is stored in this editor.' };
  } else if (state.activeSecretCount !== undefined && state.secretInStorage === true) secret = { ...secret, status: 'done' };
  items.push(secret);

  items.push({ id: 'sp-in-workspace', title: 'Service principal added to the workspace', status: tri(state.spInWorkspace) });

  const jobs = state.targetJobs;
  let jobsItem: SetupChecklistItem = { id: 'jobs-managed', title: 'CAN_MANAGE on the target jobs', status: 'unknown' };
  if (jobs) {
    if (jobs.total === 0) jobsItem = { ...jobsItem, status: 'todo', detail: 'No target jobs chosen.' };
    else if (jobs.managed === jobs.total) jobsItem = { ...jobsItem, status: 'done', detail: `${jobs.managed} of ${jobs.total} job(s).` };
    else if (jobs.managed + jobs.unknown === jobs.total) jobsItem = { ...jobsItem, status: 'unknown', detail: `${jobs.unknown} job(s) could not be read.` };
    else jobsItem = { ...jobsItem, status: 'todo', detail: `${jobs.managed} of ${jobs.total} job(s).` };
  }
  items.push(jobsItem);

  const egress = state.egressAccess;
  items.push({
    id: 'egress-allowed',
    title: "Zipher's egress IPs allowed",
    status: egress === undefined ? 'unknown' : egress === 'allowed' || egress === 'unrestricted' ? 'done' : 'todo',
    detail: egress === 'blocked' ? 'A block list covers a Zipher address.' : egress === 'unrestricted' ? 'No IP restriction applies.' : undefined,
  });

  const c = state.connectivity;
  items.push({ id: 'connectivity', title: 'Connectivity verified as the service principal', status: c === undefined ? 'unknown' : c.ok ? 'done' : 'todo', detail: c?.message ?? (c?.at ? `Checked ${c.at}` : undefined) });

  const prerequisites = items.slice();
  const handoffStatus: SetupCheckStatus = prerequisites.every((i) => i.status === 'done') ? 'done' : prerequisites.some((i) => i.status === 'todo') ? 'todo' : 'unknown';
  items.push({ id: 'handoff-ready', title: 'Handoff ready (URL, application id, secret, job ids)', status: handoffStatus });
  return items;
}

function tri(v: boolean | undefined): SetupCheckStatus {
  return v === undefined ? 'unknown' : v ? 'done' : 'todo';
}
