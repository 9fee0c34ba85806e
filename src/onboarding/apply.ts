/**
 * Carries out a plan. Grants only add (PATCH with Zipher's entry alone, or a secret ACL put).
 * Removals and restores are read-modify-write: re-read, refuse if anything moved since the plan
 * observed it, PUT the remaining direct entries, re-read and check nobody else was touched.
 * Every write is verified by a re-read, and every verified change is recorded in the ledger.
 */
import type { AclEntry, SecretPermission } from '../databricks/api';
import { directRequestEntries, isAtLeast, othersKeys, permissionType, sameAcl, toAclLines, withZipherLevel, zipherDirectLevel } from './acl';
import { objectKey } from './closure';
import { forEachLimit, WINDOW } from './concurrency';
import type { AccessContext } from './context';
import { errorMessage } from './errors';
import type { ApplyProgress, ApplyResult, JobOutcome, LedgerRecord, ObjectOutcome, ObjectPlan, Plan, PlannedChange } from './model';
import { describeObject, planGrant, planRevoke, readObjectAcl } from './plan';

export interface ApplyOptions {
  signal?: AbortSignal;
  onProgress?: (p: ApplyProgress) => void;
}

const WRITES = new Set(['add', 'raise', 'remove', 'restore']);

export function actionableChange(op: ObjectPlan): PlannedChange | undefined {
  return op.changes.find((c) => WRITES.has(c.action));
}

type Outcome = Omit<ObjectOutcome, 'object'>;

export async function applyPlan(ctx: AccessContext, plan: Plan, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const outcomes = new Map<string, ObjectOutcome>();
  const work = plan.objects.filter((op) => actionableChange(op));
  for (const op of plan.objects) if (!actionableChange(op)) outcomes.set(objectKey(op.object), { object: op.object, status: 'unchanged' });

  const started = Date.now();
  let done = 0;
  let failed = 0;
  let writes = 0;
  const report = (current?: ObjectPlan) => {
    const seconds = (Date.now() - started) / 1000;
    const p: ApplyProgress = { done, failed, total: work.length };
    if (seconds > 0) p.rate = writes / seconds;
    if (current) p.current = current.object;
    opts.onProgress?.(p);
  };
  report();

  const stop = () => opts.signal?.aborted === true;
  const one = async (op: ObjectPlan) => {
    const result = stop() ? { status: 'cancelled' as const, message: 'Cancelled before this object was changed.' } : await applyObject(ctx, op, stop, () => writes++);
    outcomes.set(objectKey(op.object), { object: op.object, ...result });
    if (result.status === 'failed' || result.status === 'conflict') failed++;
    else done++;
    report(op);
  };
  if (plan.kind === 'grant') {
    await forEachLimit(work, WINDOW, one, stop);
  } else {
    // Revoke jobs first: while a job keeps Zipher (conflict, failure), its compute must stay usable.
    await forEachLimit(work.filter((op) => op.object.kind === 'job'), WINDOW, one, stop);
    const held = new Set<number>();
    for (const op of work) {
      const o = outcomes.get(objectKey(op.object));
      if (op.object.kind === 'job' && o && o.status !== 'applied') held.add(Number(op.object.id));
    }
    const deps = work.filter((op) => op.object.kind !== 'job');
    for (const op of deps) {
      const blockers = actionableChange(op)!.jobIds.filter((j) => held.has(j));
      if (!blockers.length) continue;
      outcomes.set(objectKey(op.object), { object: op.object, status: 'skipped', message: `Kept because job ${blockers.join(', ')} still has Zipher's grant.` });
      done++;
      report(op);
    }
    await forEachLimit(deps.filter((op) => !outcomes.has(objectKey(op.object))), WINDOW, one, stop);
  }
  for (const op of work) {
    const key = objectKey(op.object);
    if (!outcomes.has(key)) outcomes.set(key, { object: op.object, status: 'cancelled', message: 'Cancelled before this object was changed.' });
  }
  return summarize(plan, outcomes);
}

/** Never throws: every path ends in an outcome, so nothing done goes unreported. */
async function applyObject(ctx: AccessContext, op: ObjectPlan, stop: () => boolean, wrote: () => void): Promise<Outcome> {
  const change = actionableChange(op)!;
  const what = describeObject(op.object);
  try {
    const r = change.action === 'add' || change.action === 'raise' ? await grantObject(ctx, op, change, stop, wrote) : await takeBack(ctx, op, change, stop, wrote);
    if (r.status === 'applied') {
      try {
        await ctx.ledger.append([ledgerRecord(ctx, op, change, r.levelBefore)]);
      } catch (e) {
        return { status: 'applied', message: `${r.message ? r.message + ' ' : ''}The change was made but could not be recorded in the ledger: ${errorMessage(e)} Revoke will not know about it.` };
      }
    }
    const out: Outcome = { status: r.status };
    if (r.message) out.message = r.message;
    return out;
  } catch (e) {
    return { status: 'failed', message: `${what}: ${errorMessage(e)}` };
  }
}

interface StepResult {
  status: ObjectOutcome['status'];
  message?: string;
  /** Zipher's level right before our write */
  levelBefore?: string;
}

async function grantObject(ctx: AccessContext, op: ObjectPlan, change: PlannedChange, stop: () => boolean, wrote: () => void): Promise<StepResult> {
  const app = ctx.principal.applicationId;
  const kind = op.object.kind;
  const target = change.levelAfter!;
  const what = describeObject(op.object);
  // Re-check right before writing: PATCH sets a level, so it could lower one someone raised meanwhile.
  const current = await readObjectAcl(ctx.api, op.object, app);
  const have = zipherDirectLevel(kind, current, app);
  if (isAtLeast(kind, have, target)) return { status: 'unchanged', message: `Zipher already has ${have} on ${what}.` };
  if (stop()) return { status: 'cancelled', message: 'Cancelled before this object was changed.' };

  const type = permissionType(kind);
  let writeError: unknown;
  try {
    wrote();
    if (type) await ctx.api.updatePermissions(type, op.object.id, [{ service_principal_name: app, permission_level: target }]);
    else await ctx.api.putSecretAcl(op.object.id, app, target as SecretPermission);
  } catch (e) {
    writeError = e; // the write may still have landed (reset after send): the re-read decides
  }
  const after = await readObjectAcl(ctx.api, op.object, app);
  const now = zipherDirectLevel(kind, after, app);
  if (!isAtLeast(kind, now, target)) {
    return { status: 'failed', message: `Could not grant ${target} on ${what}: ${writeError ? errorMessage(writeError) : `re-read shows ${now ?? 'no entry'}.`}` };
  }
  const res: StepResult = { status: 'applied' };
  if (have !== undefined) res.levelBefore = have;
  if (!sameOthers(current, after, app)) res.message = `Other entries on ${what} changed while we granted (not by this extension); please review.`;
  return res;
}

async function takeBack(ctx: AccessContext, op: ObjectPlan, change: PlannedChange, stop: () => boolean, wrote: () => void): Promise<StepResult> {
  const app = ctx.principal.applicationId;
  const kind = op.object.kind;
  const target = change.action === 'restore' ? change.levelAfter : undefined;
  const what = describeObject(op.object);
  const type = permissionType(kind);
  const observed = op.observed ?? [];

  const current = await readObjectAcl(ctx.api, op.object, app);
  const conflict = type ? !sameAcl(current, observed) : zipherDirectLevel(kind, current, app) !== zipherDirectLevel(kind, observed, app);
  if (conflict) {
    return { status: 'conflict', message: `The permissions of ${what} changed since the plan was made; nothing was written. Re-plan and try again.` };
  }
  if (stop()) return { status: 'cancelled', message: 'Cancelled before this object was changed.' };
  const had = zipherDirectLevel(kind, current, app);

  let writeError: unknown;
  try {
    wrote();
    if (type) await ctx.api.setPermissions(type, op.object.id, directRequestEntries(kind, withZipherLevel(current, app, target)));
    else if (target === undefined) await ctx.api.deleteSecretAcl(op.object.id, app);
    else await ctx.api.putSecretAcl(op.object.id, app, target as SecretPermission);
  } catch (e) {
    writeError = e;
  }
  const after = await readObjectAcl(ctx.api, op.object, app);
  const now = zipherDirectLevel(kind, after, app);
  if (now !== target) {
    return { status: 'failed', message: `Could not ${target ? `restore ${target}` : 'remove Zipher'} on ${what}: ${writeError ? errorMessage(writeError) : `re-read shows ${now ?? 'no entry'}.`}` };
  }
  const res: StepResult = { status: 'applied' };
  if (had !== undefined) res.levelBefore = had;
  if (!sameOthers(current, after, app)) {
    // we sent everyone else back unchanged; if they differ now, an admin must look at once
    res.status = 'failed';
    res.message = `WARNING: after our change, other principals' entries or the owner of ${what} differ from before. Check its permissions now.`;
  }
  return res;
}

function sameOthers(a: readonly AclEntry[], b: readonly AclEntry[], app: string): boolean {
  const x = othersKeys(toAclLines(a), app);
  const y = othersKeys(toAclLines(b), app);
  return x.length === y.length && x.every((k, i) => k === y[i]);
}

function ledgerRecord(ctx: AccessContext, op: ObjectPlan, change: PlannedChange, levelBefore: string | undefined): LedgerRecord {
  const r: LedgerRecord = {
    time: new Date().toISOString(),
    host: ctx.api.host,
    object: { ...op.object },
    principal: ctx.principal.applicationId,
    // a planned 'add' that met an existing lower entry was really a raise: keep the prior level
    action: change.action === 'add' && levelBefore !== undefined ? 'raise' : change.action,
    reasons: [...change.reasons],
    jobIds: [...change.jobIds],
    actor: ctx.actor,
  };
  if (levelBefore !== undefined) r.levelBefore = levelBefore;
  if (change.levelAfter !== undefined && change.action !== 'remove') r.levelAfter = change.levelAfter;
  return r;
}

/** Per-job outcomes from per-object outcomes: a job is only as done as its worst object. */
export function summarize(plan: Plan, outcomes: Map<string, ObjectOutcome>): ApplyResult {
  const objects = plan.objects.map((op) => outcomes.get(objectKey(op.object)) ?? { object: op.object, status: 'skipped' as const });
  // indexes, so 10,000 jobs × their objects stay linear
  const byJob = new Map<number, ObjectOutcome[]>();
  const jobPlans = new Set<number>();
  plan.objects.forEach((op, i) => {
    const served = new Set(op.changes.flatMap((c) => c.jobIds));
    if (op.object.kind === 'job') {
      served.add(Number(op.object.id));
      jobPlans.add(Number(op.object.id));
    }
    for (const j of served) (byJob.get(j) ?? byJob.set(j, []).get(j)!).push(objects[i]!);
  });
  const problems = new Map<number, string>();
  for (const p of plan.problems) if (p.jobId !== undefined && !problems.has(p.jobId)) problems.set(p.jobId, p.message);

  const jobs: JobOutcome[] = plan.jobs.map(({ jobId, name }) => {
    const base: JobOutcome = name === undefined ? { jobId, status: 'failed' } : { jobId, name, status: 'failed' };
    const res = byJob.get(jobId) ?? [];
    const problem = problems.get(jobId);
    const worst = (['failed', 'conflict', 'cancelled'] as const).find((s) => res.some((o) => o.status === s));
    if (worst) {
      const o = res.find((x) => x.status === worst)!;
      return { ...base, status: worst, message: o.message ?? describeObject(o.object) };
    }
    if (!jobPlans.has(jobId)) return { ...base, status: 'failed', message: problem ?? 'This job could not be planned.' };
    const anyApplied = res.some((o) => o.status === 'applied');
    const note = problem ? { message: problem } : {};
    if (plan.kind === 'grant') return { ...base, status: anyApplied ? 'granted' : 'already', ...note };
    return { ...base, status: anyApplied ? 'revoked' : 'not-granted', ...note };
  });
  const statuses = objects.map((o) => o.status);
  const status: ApplyResult['status'] = statuses.includes('cancelled')
    ? 'cancelled'
    : statuses.some((s) => s === 'failed' || s === 'conflict') || jobs.some((j) => j.status === 'failed' || j.status === 'conflict')
      ? 'partial'
      : 'done';
  return { status, objects, jobs };
}

/** Re-plans the jobs behind failed or conflicted objects (and removals skipped because of them)
 * and applies only those objects again. */
export async function retryFailed(ctx: AccessContext, plan: Plan, previous: ApplyResult, opts: ApplyOptions = {}): Promise<ApplyResult> {
  const retry = new Set(previous.objects.filter((o) => o.status === 'failed' || o.status === 'conflict' || o.status === 'skipped').map((o) => objectKey(o.object)));
  const merged = new Map(previous.objects.map((o) => [objectKey(o.object), o]));
  if (retry.size) {
    const jobIds = [...new Set(plan.objects.filter((op) => retry.has(objectKey(op.object))).flatMap((op) => op.changes.flatMap((c) => c.jobIds)))];
    const fresh =
      plan.kind === 'grant'
        ? await planGrant(ctx, jobIds, { signal: opts.signal })
        : await planRevoke(ctx, jobIds, { signal: opts.signal, includeUnrecorded: plan.includeUnrecorded === true });
    const subset: Plan = { ...fresh, objects: fresh.objects.filter((op) => retry.has(objectKey(op.object))) };
    const again = await applyPlan(ctx, subset, opts);
    for (const o of again.objects) merged.set(objectKey(o.object), o);
    // an object the re-plan no longer needs to touch (e.g. fixed by someone else) is settled
    const replanned = new Set(subset.objects.map((op) => objectKey(op.object)));
    for (const key of retry) if (!replanned.has(key)) merged.set(key, { ...merged.get(key)!, status: 'unchanged', message: 'Nothing left to do on retry.' });
  }
  return summarize(plan, merged);
}
