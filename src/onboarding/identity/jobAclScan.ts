/**
 * Finds and removes a service principal's direct entries across every job of the workspace:
 * token-paged listing with ACL reads running concurrently while further pages arrive.
 */
import type { AclEntry, AclRequestEntry, CallOptions, JobSummary, ObjectPermissions, WorkspaceApi } from '../../databricks/api';
import { kindOf, problemFrom } from './result';

export interface SpJobEntry {
  jobId: number;
  name?: string;
  level: string;
}

export interface JobAclScan {
  scanned: number;
  found: SpJobEntry[];
  unreadable: { jobId: number; name?: string; message: string }[];
}

export interface ScanOptions {
  concurrency?: number;
  signal?: AbortSignal;
  onProgress?: (p: { scanned: number; found: number }) => void;
}

/** The principal's own (non-inherited) level in an ACL entry list, if any. */
export function directLevelOf(acl: readonly AclEntry[], applicationId: string): string | undefined {
  const id = applicationId.toLowerCase();
  for (const e of acl) {
    if (e.service_principal_name?.toLowerCase() !== id) continue;
    const direct = e.all_permissions.find((p) => !p.inherited);
    if (direct) return direct.permission_level;
  }
  return undefined;
}

/** Runs at most `n` tasks at a time. */
export function limiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const waiting: (() => void)[] = [];
  return async (task) => {
    if (active >= n) await new Promise<void>((r) => waiting.push(r));
    active++;
    try {
      return await task();
    } finally {
      active--;
      waiting.shift()?.();
    }
  };
}

/**
 * Reads every job's ACL; for each job where the principal has a direct entry calls `onFound`
 * (e.g. to remove it) with the ACL just read.
 */
export async function scanJobsForPrincipal(
  api: WorkspaceApi,
  applicationId: string,
  opts: ScanOptions & { onFound?: (job: JobSummary, acl: ObjectPermissions) => Promise<void> } = {},
): Promise<JobAclScan> {
  const result: JobAclScan = { scanned: 0, found: [], unreadable: [] };
  const run = limiter(Math.max(1, opts.concurrency ?? 8));
  const call: CallOptions = { signal: opts.signal, priority: 'user' };
  const tasks: Promise<void>[] = [];
  const inspect = async (job: JobSummary) => {
    try {
      const acl = await api.getPermissions('jobs', String(job.job_id), call);
      const level = directLevelOf(acl.access_control_list, applicationId);
      if (level) {
        result.found.push({ jobId: job.job_id, name: job.settings.name, level });
        await opts.onFound?.(job, acl);
      }
    } catch (e) {
      // A job deleted while scanning holds no grant any more.
      if (kindOf(e) !== 'not-found') result.unreadable.push({ jobId: job.job_id, name: job.settings.name, message: problemFrom(e, `Reading the permissions of job ${job.job_id}`).message });
    } finally {
      result.scanned++;
      opts.onProgress?.({ scanned: result.scanned, found: result.found.length });
    }
  };
  try {
    for await (const page of api.listJobPages({ ...call, pageSize: 100 })) {
      for (const job of page) tasks.push(run(() => inspect(job)));
    }
  } finally {
    await Promise.all(tasks);
  }
  return result;
}

export type RemoveEntryResult =
  | { status: 'removed' }
  | { status: 'absent' }
  | { status: 'owner'; message: string }
  | { status: 'failed'; message: string }
  /** written, but the ACL after the write differs from what we meant (someone edited it meanwhile) */
  | { status: 'removed-with-drift'; message: string };

function principalKey(e: { user_name?: string; group_name?: string; service_principal_name?: string }): string {
  if (e.user_name) return `user:${e.user_name.toLowerCase()}`;
  if (e.group_name) return `group:${e.group_name}`;
  return `sp:${(e.service_principal_name ?? '').toLowerCase()}`;
}

/** Every direct (non-inherited) entry as a PUT entry. */
function directEntries(acl: readonly AclEntry[]): AclRequestEntry[] {
  const out: AclRequestEntry[] = [];
  for (const e of acl) {
    const direct = e.all_permissions.find((p) => !p.inherited);
    if (!direct) continue;
    const entry: AclRequestEntry = { permission_level: direct.permission_level };
    if (e.user_name) entry.user_name = e.user_name;
    else if (e.group_name) entry.group_name = e.group_name;
    else if (e.service_principal_name) entry.service_principal_name = e.service_principal_name;
    else continue;
    out.push(entry);
  }
  return out;
}

function sameEntries(a: AclRequestEntry[], b: AclRequestEntry[]): boolean {
  const key = (e: AclRequestEntry) => `${principalKey(e)}=${e.permission_level}`;
  const sa = new Set(a.map(key));
  return sa.size === new Set(b.map(key)).size && b.every((e) => sa.has(key(e)));
}

/**
 * Removes only the principal's direct entry from a job: read → drop it → PUT every other direct
 * entry (owner included). Re-reads just before writing and starts over if the ACL moved, then
 * checks the answer to the write.
 */
export async function removePrincipalFromJob(
  api: WorkspaceApi,
  jobId: number,
  applicationId: string,
  opts: CallOptions & { observed?: ObjectPermissions } = {},
): Promise<RemoveEntryResult> {
  const id = String(jobId);
  try {
    let before = opts.observed ?? (await api.getPermissions('jobs', id, opts));
    for (let attempt = 0; attempt < 3; attempt++) {
      const fresh = await api.getPermissions('jobs', id, opts);
      if (!sameEntries(directEntries(before.access_control_list), directEntries(fresh.access_control_list))) {
        before = fresh;
        continue;
      }
      const level = directLevelOf(fresh.access_control_list, applicationId);
      if (!level) return { status: 'absent' };
      if (level === 'IS_OWNER') return { status: 'owner', message: `Zipher's service principal owns job ${jobId}; make someone else the owner, then remove it.` };
      const spKey = principalKey({ service_principal_name: applicationId });
      const keep = directEntries(fresh.access_control_list).filter((e) => principalKey(e) !== spKey);
      const after = await api.setPermissions('jobs', id, keep, opts);
      const now = directEntries(after.access_control_list);
      if (directLevelOf(after.access_control_list, applicationId)) return { status: 'failed', message: `Job ${jobId} still lists Zipher's service principal after the write.` };
      if (!sameEntries(keep, now)) {
        const nowKeys = new Set(now.map((e) => `${principalKey(e)}=${e.permission_level}`));
        const lost = keep.filter((e) => !nowKeys.has(`${principalKey(e)}=${e.permission_level}`)).map((e) => `${principalKey(e)} ${e.permission_level}`);
        return { status: 'removed-with-drift', message: `Job ${jobId}'s permissions changed while Zipher was removed${lost.length ? `; check these entries: ${lost.join(', ')}` : ''}.` };
      }
      return { status: 'removed' };
    }
    return { status: 'failed', message: `Job ${jobId}'s permissions kept changing while Zipher was being removed; nothing was written. Try again.` };
  } catch (e) {
    if (kindOf(e) === 'not-found') return { status: 'absent' };
    return { status: 'failed', message: problemFrom(e, `Removing Zipher from job ${jobId}`).message };
  }
}
