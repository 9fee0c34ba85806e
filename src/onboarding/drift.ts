/**
 * Where the live ACLs and the ledger disagree: our grant removed by someone, Zipher granted
 * outside the extension, a level changed, or a job now needs an object Zipher lacks.
 */
import type { AclEntry } from '../databricks/api';
import { isAtLeast, zipherDirectLevel } from './acl';
import { loadClosures, objectKey } from './closure';
import { fanoutSignal, forEachLimit, WINDOW } from './concurrency';
import type { AccessContext } from './context';
import type { RecordedGrant } from './ledger';
import type { DriftFinding, ObjectRef, Plan } from './model';
import { describeObject, planGrant, readObjectAcl, type PlanCallOptions } from './plan';

/** Drift of one object from what the ledger recorded (`recorded` undefined = we never granted). */
export function compareWithLedger(object: ObjectRef, acl: readonly AclEntry[], applicationId: string, recorded: RecordedGrant | undefined): DriftFinding | undefined {
  const live = zipherDirectLevel(object.kind, acl, applicationId);
  const what = describeObject(object);
  if (recorded && live === undefined) {
    return { kind: 'grant-removed', object, message: `Zipher's ${recorded.level} on ${what} was removed outside the extension.` };
  }
  if (recorded && live !== recorded.level) {
    return { kind: 'level-changed', object, message: `Zipher's level on ${what} is ${live}, but the extension granted ${recorded.level}.` };
  }
  if (!recorded && live !== undefined && object.kind === 'job') {
    return { kind: 'grant-added-outside', object, message: `Zipher has ${live} on ${what}, granted outside the extension.` };
  }
  return undefined;
}

/** Findings per job, for the given jobs. Costs one getJob and one ACL read per object involved. */
export async function detectDrift(ctx: AccessContext, jobIds: readonly number[], callerOpts: PlanCallOptions = {}): Promise<Map<number, DriftFinding[]>> {
  const opts: PlanCallOptions = { signal: fanoutSignal(callerOpts.signal) };
  const app = ctx.principal.applicationId;
  const grants = await ctx.ledger.grants(ctx.api.host, app);
  const live = await loadClosures(ctx.api, jobIds, ctx.options, { signal: opts.signal });
  const out = new Map<number, DriftFinding[]>(jobIds.map((j) => [j, []]));

  interface Check {
    object: ObjectRef;
    jobIds: number[];
    recorded?: RecordedGrant;
    requiredLevel?: string;
  }
  const checks = new Map<string, Check>();
  const check = (object: ObjectRef, jobId: number): Check => {
    const key = objectKey(object);
    let c = checks.get(key);
    if (!c) {
      c = { object, jobIds: [] };
      const g = grants.get(key);
      if (g) c.recorded = g;
      checks.set(key, c);
    }
    if (!c.jobIds.includes(jobId)) c.jobIds.push(jobId);
    return c;
  };
  const wanted = new Set(jobIds);
  for (const g of grants.values()) for (const j of g.jobIds) if (wanted.has(j)) check(g.object, j);
  for (const r of live.requirements.list()) {
    if (r.object.kind === 'job') continue;
    for (const j of r.jobIds) {
      // only jobs we granted can have a missing dependency
      if (!grants.has(objectKey({ kind: 'job', id: String(j) }))) continue;
      check(r.object, j).requiredLevel = r.level;
    }
  }
  for (const j of jobIds) if (live.jobs.has(j)) check({ kind: 'job', id: String(j), ...(live.jobs.get(j)!.settings.name ? { label: live.jobs.get(j)!.settings.name! } : {}) }, j);

  await forEachLimit(checks.values(), WINDOW, async (c) => {
    let acl: AclEntry[];
    try {
      acl = await readObjectAcl(ctx.api, c.object, app, { signal: opts.signal, priority: 'background' });
    } catch (e) {
      if (opts.signal?.aborted) throw e;
      return; // unreadable objects are reported by plans, not as drift
    }
    const found: DriftFinding[] = [];
    const f = compareWithLedger(c.object, acl, app, c.recorded);
    if (f) found.push(f);
    else if (!c.recorded && c.requiredLevel && !isAtLeast(c.object.kind, zipherDirectLevel(c.object.kind, acl, app), c.requiredLevel)) {
      found.push({ kind: 'new-dependency', object: c.object, message: `The job now also needs ${c.requiredLevel} on ${describeObject(c.object)}, which Zipher lacks.` });
    }
    for (const j of c.jobIds) out.get(j)?.push(...found);
  });
  return out;
}

/** A grant plan that puts back what is missing; grant plans never touch what is already right. */
export function planReconcile(ctx: AccessContext, jobIds: readonly number[], opts: PlanCallOptions = {}): Promise<Plan> {
  return planGrant(ctx, jobIds, opts);
}
