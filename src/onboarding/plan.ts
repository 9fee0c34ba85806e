/**
 * Grant and revoke plans: for each object, the ACL as observed, the ACL we predict afterwards,
 * and the changes. Plans only ever touch Zipher's own entry; `assertPlanInvariant` enforces it
 * before any plan leaves this module.
 */
import type { AclEntry, CallOptions, WorkspaceApi } from '../databricks/api';
import { isAtLeast, levelRank, othersKeys, permissionType, secretAclToEntries, toAclLines, withZipherLevel, zipherDirectLevel } from './acl';
import { jobLabel, loadClosures, objectKey, RequirementSet, type Requirement } from './closure';
import { fanoutSignal, forEachLimit, WINDOW } from './concurrency';
import type { AccessContext } from './context';
import { errorKind, unreadableReason } from './errors';
import { OWNER_WARNING } from './jobState';
import type { RecordedGrant } from './ledger';
import type { AclLine, ChangeAction, ObjectKind, ObjectPlan, ObjectRef, Plan, PlanProblem, PlannedChange } from './model';

export interface PlanCallOptions {
  signal?: AbortSignal;
}

export interface RevokeOptions extends PlanCallOptions {
  /** also remove Zipher entries the extension did not make */
  includeUnrecorded?: boolean;
}

const KIND_LABEL: Record<ObjectKind, string> = {
  job: 'job',
  cluster: 'cluster',
  'instance-pool': 'instance pool',
  'cluster-policy': 'cluster policy',
  warehouse: 'SQL warehouse',
  'secret-scope': 'secret scope',
};

export function describeObject(o: ObjectRef): string {
  return o.label ? `${KIND_LABEL[o.kind]} \`${o.label}\` (${o.id})` : `${KIND_LABEL[o.kind]} ${o.id}`;
}

/** Current ACL of any object, secret scopes included, as `AclEntry`s. */
export async function readObjectAcl(api: WorkspaceApi, o: ObjectRef, applicationId: string, call?: CallOptions): Promise<AclEntry[]> {
  const type = permissionType(o.kind);
  if (type) return (await api.getPermissions(type, o.id, call)).access_control_list;
  return secretAclToEntries(await api.listSecretAcls(o.id, call), applicationId);
}

/** The object plan for one change of Zipher's level (undefined `after` = remove the entry). */
export function buildObjectPlan(
  object: ObjectRef,
  observed: readonly AclEntry[],
  applicationId: string,
  change: { action: ChangeAction; after: string | undefined; reasons: string[]; jobIds: number[] },
): ObjectPlan {
  const before = zipherDirectLevel(object.kind, observed, applicationId);
  const touches = change.action !== 'unchanged';
  const predicted = touches ? withZipherLevel(observed, applicationId, change.after) : [...observed];
  const c: PlannedChange = { object, action: change.action, reasons: change.reasons, jobIds: change.jobIds };
  if (before !== undefined) c.levelBefore = before;
  const after = touches ? change.after : before;
  if (after !== undefined) c.levelAfter = after;
  return { object, before: toAclLines(observed), after: toAclLines(predicted), changes: [c], observed: observed.map((e) => structuredClone(e)) };
}

/** What granting `target` means given Zipher's current level: add, raise, or nothing. */
export function grantAction(kind: ObjectKind, current: string | undefined, target: string): { action: ChangeAction; after: string | undefined } {
  if (current === undefined) return { action: 'add', after: target };
  if (isAtLeast(kind, current, target) || levelRank(kind, current) < 0) return { action: 'unchanged', after: current };
  return { action: 'raise', after: target };
}

export class PlanInvariantError extends Error {
  override readonly name = 'PlanInvariantError';
}

/** No principal but Zipher changes, no owner changes, and Zipher never becomes an owner. */
export function assertPlanInvariant(plan: Plan): void {
  const app = plan.principal.applicationId;
  for (const op of plan.objects) {
    const a = othersKeys(op.before, app);
    const b = othersKeys(op.after, app);
    if (a.length !== b.length || a.some((k, i) => k !== b[i])) {
      throw new PlanInvariantError(`Internal error: the plan for ${describeObject(op.object)} would change another principal's access. Nothing was applied.`);
    }
    const owners = (lines: AclLine[]) => lines.filter((l) => l.level === 'IS_OWNER' && !l.inherited).map((l) => l.principal).sort().join(',');
    if (owners(op.before) !== owners(op.after)) {
      throw new PlanInvariantError(`Internal error: the plan for ${describeObject(op.object)} would change the owner. Nothing was applied.`);
    }
    for (const c of op.changes) {
      if (c.action !== 'unchanged' && c.levelAfter === 'IS_OWNER') {
        throw new PlanInvariantError(`Internal error: the plan would make Zipher owner of ${describeObject(op.object)}. Nothing was applied.`);
      }
    }
  }
}

/** Reasons name their job as "job `name` (42)" or "job 42" (see `jobLabel`). */
function mentionsJob(reason: string, jobId: number): boolean {
  return reason.includes(`(${jobId})`) || new RegExp(`\\bjob ${jobId}\\b`).test(reason);
}

function jobProblem(jobId: number, e: unknown): PlanProblem {
  switch (errorKind(e)) {
    case 'not-found':
    case 'invalid':
      return { jobId, message: `Job ${jobId} does not exist.` };
    case 'permission':
      return { jobId, message: `You cannot see job ${jobId}; a workspace admin or the job's owner must do this.` };
    default:
      return { jobId, message: `Job ${jobId} could not be read: ${unreadableReason('job', e)}` };
  }
}

function aclProblem(o: ObjectRef, jobIds: number[], e: unknown): PlanProblem {
  const p: PlanProblem = { object: o, message: `Could not read the permissions of ${describeObject(o)}: ${unreadableReason(KIND_LABEL[o.kind], e)}` };
  if (o.kind === 'job') p.jobId = Number(o.id);
  else if (jobIds.length === 1) p.jobId = jobIds[0]!;
  return p;
}

function finish(ctx: AccessContext, kind: Plan['kind'], jobIds: readonly number[], names: Map<number, string | undefined>, objects: ObjectPlan[], problems: PlanProblem[]): Plan {
  const order: Record<ObjectKind, number> = { job: 0, cluster: 1, 'instance-pool': 2, 'cluster-policy': 3, warehouse: 4, 'secret-scope': 5 };
  objects.sort((a, b) => order[a.object.kind] - order[b.object.kind] || a.object.id.localeCompare(b.object.id, undefined, { numeric: true }));
  const plan: Plan = {
    kind,
    principal: { ...ctx.principal },
    jobs: [...new Set(jobIds)].map((jobId) => {
      const name = names.get(jobId);
      return name === undefined ? { jobId } : { jobId, name };
    }),
    objects,
    problems,
    createdAt: new Date().toISOString(),
  };
  assertPlanInvariant(plan);
  return plan;
}

/** Reads many ACLs through a bounded window; failures become problems, not exceptions. */
async function readAll<T extends { object: ObjectRef; jobIds: number[] }>(
  ctx: AccessContext,
  items: readonly T[],
  opts: PlanCallOptions,
  problems: PlanProblem[],
): Promise<Map<T, AclEntry[]>> {
  const out = new Map<T, AclEntry[]>();
  await forEachLimit(items, WINDOW, async (item) => {
    try {
      out.set(item, await readObjectAcl(ctx.api, item.object, ctx.principal.applicationId, { signal: opts.signal }));
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      problems.push(aclProblem(item.object, item.jobIds, e));
    }
  });
  return out;
}

export async function planGrant(ctx: AccessContext, jobIds: readonly number[], callerOpts: PlanCallOptions = {}): Promise<Plan> {
  const opts: PlanCallOptions = { signal: fanoutSignal(callerOpts.signal) };
  const app = ctx.principal.applicationId;
  const problems: PlanProblem[] = [];
  const { jobs, requirements, failures } = await loadClosures(ctx.api, jobIds, ctx.options, { signal: opts.signal });
  for (const [jobId, e] of failures) problems.push(jobProblem(jobId, e));
  const names = new Map<number, string | undefined>([...jobs].map(([id, j]) => [id, j.settings.name]));
  const all = requirements.list();

  // The job's own ACL first: a job we cannot manage must not pull its compute grants in.
  const jobReqs = all.filter((r) => r.object.kind === 'job');
  const jobAcls = await readAll(ctx, jobReqs, opts, problems);
  const objects: ObjectPlan[] = [];
  const plannable = new Set<number>();
  for (const r of jobReqs) {
    const acl = jobAcls.get(r);
    if (!acl) continue;
    plannable.add(Number(r.object.id));
    const current = zipherDirectLevel('job', acl, app);
    if (current === 'IS_OWNER') problems.push({ jobId: Number(r.object.id), object: r.object, message: `${describeObject(r.object)}: ${OWNER_WARNING}` });
    const { action, after } = grantAction('job', current, r.level);
    objects.push(buildObjectPlan(r.object, acl, app, { action, after, reasons: r.reasons, jobIds: r.jobIds }));
  }

  const deps: Requirement[] = [];
  for (const r of all) {
    if (r.object.kind === 'job') continue;
    const served = r.jobIds.filter((j) => plannable.has(j));
    if (!served.length) continue;
    const keepReasons = r.reasons.filter((why) => served.some((j) => mentionsJob(why, j)));
    deps.push({ ...r, jobIds: served, reasons: keepReasons.length ? keepReasons : r.reasons });
  }
  const depAcls = await readAll(ctx, deps, opts, problems);
  for (const r of deps) {
    const acl = depAcls.get(r);
    if (!acl) continue;
    const { action, after } = grantAction(r.object.kind, zipherDirectLevel(r.object.kind, acl, app), r.level);
    objects.push(buildObjectPlan(r.object, acl, app, { action, after, reasons: r.reasons, jobIds: r.jobIds }));
  }
  return finish(ctx, 'grant', jobIds, names, objects, problems);
}

interface RevokeCandidate {
  object: ObjectRef;
  jobIds: number[];
  reasons: string[];
  recorded?: RecordedGrant;
}

export async function planRevoke(ctx: AccessContext, jobIds: readonly number[], callerOpts: RevokeOptions = {}): Promise<Plan> {
  const opts: RevokeOptions = { ...callerOpts, signal: fanoutSignal(callerOpts.signal) };
  const app = ctx.principal.applicationId;
  const host = ctx.api.host;
  const problems: PlanProblem[] = [];
  const revoking = new Set(jobIds);
  const grants = await ctx.ledger.grants(host, app);

  const live = await loadClosures(ctx.api, jobIds, ctx.options, { signal: opts.signal });
  const names = new Map<number, string | undefined>([...live.jobs].map(([id, j]) => [id, j.settings.name]));
  const candidates = new Map<string, RevokeCandidate>();
  const candidate = (object: ObjectRef, jobs: number[], reasons: string[]): RevokeCandidate => {
    const key = objectKey(object);
    let c = candidates.get(key);
    if (!c) {
      c = { object: { ...object }, jobIds: [], reasons: [] };
      const g = grants.get(key);
      if (g) c.recorded = g;
      candidates.set(key, c);
    }
    for (const j of jobs) if (revoking.has(j) && !c.jobIds.includes(j)) c.jobIds.push(j);
    for (const r of reasons) if (!c.reasons.includes(r)) c.reasons.push(r);
    if (!c.object.label && object.label) c.object.label = object.label;
    return c;
  };

  for (const jobId of jobIds) {
    const e = live.failures.get(jobId);
    if (e === undefined) continue;
    const kind = errorKind(e);
    // a deleted job has no ACL left to clean; its recorded dependencies are still handled below
    if (kind === 'not-found' || kind === 'invalid') problems.push({ jobId, message: `Job ${jobId} does not exist any more; only the grants recorded for it on other objects are revoked.` });
    else problems.push(jobProblem(jobId, e));
  }
  for (const jobId of jobIds) {
    if (live.failures.has(jobId)) continue;
    const job = live.jobs.get(jobId)!;
    const ref: ObjectRef = { kind: 'job', id: String(jobId) };
    if (job.settings.name) ref.label = job.settings.name;
    candidate(ref, [jobId], [`Zipher no longer manages ${jobLabel(job)}`]);
  }
  for (const g of grants.values()) {
    if (g.object.kind === 'job') continue;
    const mine = g.jobIds.filter((j) => revoking.has(j));
    if (mine.length) candidate(g.object, mine, g.reasons.filter((why) => mine.some((j) => mentionsJob(why, j))));
  }
  for (const r of live.requirements.list()) if (r.object.kind !== 'job') candidate(r.object, r.jobIds, r.reasons);

  // Reference counting: a dependency stays while a job that keeps its grant needs it, by the
  // ledger or by that job's live settings (its clusters may have changed since we granted).
  const stillGranted = [...grants.values()].filter((g) => g.object.kind === 'job' && !revoking.has(Number(g.object.id))).map((g) => Number(g.object.id));
  const neededBy = new Map<string, number[]>();
  const note = (key: string, jobId: number) => {
    const list = neededBy.get(key) ?? [];
    if (!list.includes(jobId)) list.push(jobId);
    neededBy.set(key, list);
  };
  const keep = new Set(stillGranted);
  for (const c of candidates.values()) for (const j of c.recorded?.jobIds ?? []) if (keep.has(j)) note(objectKey(c.object), j);
  if ([...candidates.values()].some((c) => c.object.kind !== 'job') && stillGranted.length) {
    const others = await loadClosures(ctx.api, stillGranted, ctx.options, { signal: opts.signal });
    const needed: RequirementSet = others.requirements;
    for (const c of candidates.values()) {
      if (c.object.kind === 'job') continue;
      for (const j of needed.get(objectKey(c.object))?.jobIds ?? []) note(objectKey(c.object), j);
    }
  }

  const list = [...candidates.values()];
  const acls = await readAll(ctx, list, opts, problems);
  // A job we cannot revoke (unreadable ACL, unreadable job) keeps Zipher, so it keeps its compute too.
  const blocked = new Set<number>();
  for (const jobId of jobIds) {
    const kind = live.failures.has(jobId) ? errorKind(live.failures.get(jobId)) : undefined;
    if (live.failures.has(jobId) && kind !== 'not-found' && kind !== 'invalid') blocked.add(jobId);
  }
  for (const c of list) if (c.object.kind === 'job' && !acls.has(c)) blocked.add(Number(c.object.id));
  const objects: ObjectPlan[] = [];
  for (const c of list) {
    const acl = acls.get(c);
    if (!acl) continue;
    const level = zipherDirectLevel(c.object.kind, acl, app);
    const what = describeObject(c.object);
    const unchanged = (why: string) => objects.push(buildObjectPlan(c.object, acl, app, { action: 'unchanged', after: level, reasons: [...c.reasons, why], jobIds: c.jobIds }));
    const stuck = c.object.kind === 'job' ? [] : c.jobIds.filter((j) => blocked.has(j));
    if (level !== undefined && stuck.length) {
      unchanged(`Kept: ${stuck.map((j) => `job ${j}`).join(', ')} could not be revoked, so Zipher still needs this.`);
      continue;
    }
    if (level === undefined) {
      // nothing of ours to take back; only jobs get an explicit (empty) plan so they report 'not-granted'
      if (c.object.kind === 'job') unchanged(c.recorded ? 'Zipher has no entry any more (removed outside the extension).' : 'Zipher has no entry on this job.');
      else if (c.recorded) unchanged('Zipher has no entry any more (removed outside the extension).');
      continue;
    }
    const users = neededBy.get(objectKey(c.object));
    if (c.object.kind !== 'job' && users?.length) {
      unchanged(`Kept: still needed by ${users.map((j) => `job ${j}`).join(', ')}, which keeps its grant.`);
      continue;
    }
    if (level === 'IS_OWNER') {
      problems.push({ object: c.object, message: `${what}: Zipher's service principal is the owner; ownership is never changed here.` });
      unchanged('Zipher is the owner; left alone.');
      continue;
    }
    if (!c.recorded && !opts.includeUnrecorded) {
      problems.push({ ...(c.object.kind === 'job' ? { jobId: Number(c.object.id) } : {}), object: c.object, message: `Zipher has ${level} on ${what}, but this extension did not grant it; left alone (choose "include grants not made here" to remove it).` });
      if (c.object.kind === 'job') unchanged('Not granted by this extension; left alone.');
      continue;
    }
    const reasons = [...c.reasons];
    if (c.recorded && c.recorded.level !== level) reasons.push(`Level changed outside the extension: recorded ${c.recorded.level}, now ${level}.`);
    if (c.recorded?.priorLevel !== undefined && c.recorded.priorLevel !== level) {
      reasons.push(`Restoring the ${c.recorded.priorLevel} Zipher had before the extension raised it.`);
      objects.push(buildObjectPlan(c.object, acl, app, { action: 'restore', after: c.recorded.priorLevel, reasons, jobIds: c.jobIds }));
    } else if (c.recorded?.priorLevel !== undefined) {
      unchanged(`Already back at ${level}, the level Zipher had before.`);
    } else {
      objects.push(buildObjectPlan(c.object, acl, app, { action: 'remove', after: undefined, reasons, jobIds: c.jobIds }));
    }
  }
  const plan = finish(ctx, 'revoke', jobIds, names, objects, problems);
  if (opts.includeUnrecorded) plan.includeUnrecorded = true;
  return plan;
}
