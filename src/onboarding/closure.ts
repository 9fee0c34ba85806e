/**
 * What Zipher needs to manage a job: the job itself plus every object its compute depends on,
 * each with the human reasons it is needed. Pure over `JobDetails`; `loadClosures` fetches.
 */
import type { ClusterSpec, JobDetails, JobTask, WorkspaceApi, CallOptions } from '../databricks/api';
import { forEachLimit, WINDOW } from './concurrency';
import type { ObjectKind, ObjectRef, PlanOptions } from './model';

export interface Requirement {
  object: ObjectRef;
  level: string;
  reasons: string[];
  jobIds: number[];
}

export function objectKey(o: { kind: ObjectKind; id: string }): string {
  return `${o.kind}:${o.id}`;
}

export function jobLabel(job: { job_id: number; settings: { name?: string } }): string {
  return job.settings.name ? `job \`${job.settings.name}\` (${job.job_id})` : `job ${job.job_id}`;
}

const SECRET_REF = /\{\{\s*secrets\/([^/}\s]+)\/([^}\s]+)\s*\}\}/g;

/** Collects requirements, merging an object needed several times into one with all reasons. */
export class RequirementSet {
  private readonly byKey = new Map<string, { req: Requirement; reasons: Set<string>; jobIds: Set<number> }>();

  add(object: ObjectRef, level: string, reason: string, jobId: number, rank: (l: string) => number = () => 0): void {
    const key = objectKey(object);
    const entry = this.byKey.get(key);
    if (!entry) {
      this.byKey.set(key, { req: { object: { ...object }, level, reasons: [reason], jobIds: [jobId] }, reasons: new Set([reason]), jobIds: new Set([jobId]) });
      return;
    }
    const r = entry.req;
    if (rank(level) > rank(r.level)) r.level = level;
    // Sets beside the arrays: a cluster shared by thousands of jobs must not cost O(n²)
    if (!entry.reasons.has(reason)) {
      entry.reasons.add(reason);
      r.reasons.push(reason);
    }
    this.addJob(key, jobId);
    if (!r.object.label && object.label) r.object.label = object.label;
  }

  merge(other: Iterable<Requirement>): void {
    for (const r of other) {
      for (const reason of r.reasons) this.add(r.object, r.level, reason, r.jobIds[0] ?? 0);
      for (const j of r.jobIds) this.addJob(objectKey(r.object), j);
    }
  }

  get(key: string): Requirement | undefined {
    return this.byKey.get(key)?.req;
  }

  list(): Requirement[] {
    return [...this.byKey.values()].map((e) => e.req);
  }

  private addJob(key: string, jobId: number): void {
    const entry = this.byKey.get(key)!;
    if (entry.jobIds.has(jobId)) return;
    entry.jobIds.add(jobId);
    entry.req.jobIds.push(jobId);
  }
}

/** The requirements of one job, the job's own CAN_MANAGE first. */
export function jobClosure(job: JobDetails, opts: PlanOptions): Requirement[] {
  const set = new RequirementSet();
  const me = jobLabel(job);
  const id = job.job_id;
  const jobRef: ObjectRef = { kind: 'job', id: String(id) };
  if (job.settings.name) jobRef.label = job.settings.name;
  set.add(jobRef, 'CAN_MANAGE', `Zipher manages ${me}`, id);

  const clusterNeeds = (spec: ClusterSpec | undefined, where: string): void => {
    if (!spec) return;
    const poolReason = (field: string) => `${field === 'driver_instance_pool_id' ? 'driver pool' : 'pool'} used by ${where} of ${me}`;
    if (spec.instance_pool_id) set.add({ kind: 'instance-pool', id: spec.instance_pool_id }, opts.poolLevel, `instance ${poolReason('instance_pool_id')}`, id);
    if (spec.driver_instance_pool_id) set.add({ kind: 'instance-pool', id: spec.driver_instance_pool_id }, opts.poolLevel, `instance ${poolReason('driver_instance_pool_id')}`, id);
    if (spec.policy_id) set.add({ kind: 'cluster-policy', id: spec.policy_id }, 'CAN_USE', `cluster policy of ${where} of ${me}`, id);
    if (opts.includeSecretScopes) {
      for (const map of [spec.spark_conf, spec.spark_env_vars]) {
        for (const value of Object.values(map ?? {})) {
          if (typeof value !== 'string') continue;
          for (const m of value.matchAll(SECRET_REF)) {
            set.add({ kind: 'secret-scope', id: m[1]! }, 'READ', `secret \`${m[1]}/${m[2]}\` is referenced by ${where} of ${me}`, id);
          }
        }
      }
    }
  };

  for (const jc of job.settings.job_clusters ?? []) clusterNeeds(jc.new_cluster, `job cluster \`${jc.job_cluster_key}\``);

  const visit = (task: JobTask, path: string): void => {
    const where = `task \`${path}\``;
    if (task.existing_cluster_id) {
      set.add({ kind: 'cluster', id: task.existing_cluster_id }, 'CAN_ATTACH_TO', `cluster ${task.existing_cluster_id} is used by ${where} of ${me}`, id);
    }
    clusterNeeds(task.new_cluster, where);
    const wh = task.sql_task?.warehouse_id;
    if (wh && opts.includeWarehouses) set.add({ kind: 'warehouse', id: wh }, 'CAN_USE', `SQL warehouse ${wh} runs ${where} of ${me}`, id);
    // serverless tasks (environment_key) need no compute grant
    const inner = task.for_each_task?.task;
    if (inner) visit(inner, `${path} → ${inner.task_key}`);
  };
  for (const t of job.settings.tasks ?? []) visit(t, t.task_key);
  return set.list();
}

export interface ClosureLoad {
  jobs: Map<number, JobDetails>;
  requirements: RequirementSet;
  failures: Map<number, unknown>;
}

/** `getJob` (the client concatenates every 2.2 page) for each job, bounded, and the merged closure. */
export async function loadClosures(api: WorkspaceApi, jobIds: readonly number[], opts: PlanOptions, call?: CallOptions): Promise<ClosureLoad> {
  const jobs = new Map<number, JobDetails>();
  const failures = new Map<number, unknown>();
  const requirements = new RequirementSet();
  await forEachLimit(new Set(jobIds), WINDOW, async (jobId) => {
    try {
      const job = await api.getJob(jobId, call);
      jobs.set(jobId, job);
    } catch (e) {
      if (call?.signal?.aborted) throw e;
      failures.set(jobId, e);
    }
  });
  // merge in the caller's order so reasons read predictably
  for (const jobId of jobIds) {
    const job = jobs.get(jobId);
    if (job) requirements.merge(jobClosure(job, opts));
  }
  return { jobs, requirements, failures };
}
