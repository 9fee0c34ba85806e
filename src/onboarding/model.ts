/**
 * The domain's shared vocabulary: what the VS Code layer shows and what the access services
 * (inventory, plan, apply, revoke, ledger) produce. No `vscode` import, no I/O here.
 */
import type { AclEntry } from '../databricks/api';

/** Zipher's service principal as the admin configured it. */
export interface ZipherPrincipal {
  /** UUID: ACL `service_principal_name`, OAuth client id */
  applicationId: string;
  displayName?: string;
  /** numeric SCIM id, when the SP was found in the workspace */
  scimId?: string;
}

// ---------------------------------------------------------------- job state (tree rows)

/** managed = CAN_MANAGE (or higher), partial = a lower level, none, unknown = ACL unreadable. */
export type ZipherJobState = 'managed' | 'partial' | 'none' | 'unknown' | 'loading';

export interface JobRow {
  jobId: number;
  name: string;
  creator?: string;
  /** the IS_OWNER principal's name, if any (legacy jobs have none) */
  owner?: string;
  /** Zipher's effective direct level on the job, if any */
  zipherLevel?: string;
  state: ZipherJobState;
  /** why the state is `unknown` (e.g. "You need CAN_MANAGE on this job to read its permissions.") */
  reason?: string;
  /** differences between the ledger and the live ACLs (issue: least-privilege) */
  drift?: DriftFinding[];
}

export type StateCounts = Record<ZipherJobState, number>;

// ---------------------------------------------------------------- objects and plans

export type ObjectKind = 'job' | 'cluster' | 'instance-pool' | 'cluster-policy' | 'warehouse' | 'secret-scope';

export interface ObjectRef {
  kind: ObjectKind;
  /** job id as a string, cluster id, pool id, policy id, warehouse id, or scope name */
  id: string;
  /** human label, e.g. the job's or cluster's name */
  label?: string;
}

/** add = new entry, raise = lower level → higher, unchanged = already at or above the target,
 * remove = entry deleted, restore = our raise undone back to the level Zipher had before. */
export type ChangeAction = 'add' | 'raise' | 'unchanged' | 'remove' | 'restore';

export interface PlannedChange {
  object: ObjectRef;
  action: ChangeAction;
  levelBefore?: string;
  levelAfter?: string;
  /** e.g. "cluster 0923-… is used by task `ingest` of job `nightly` (42)" */
  reasons: string[];
  /** the jobs this change serves */
  jobIds: number[];
}

/** A principal's direct entries, normalised for display and diffing. */
export interface AclLine {
  principal: string; // user e-mail, group name or SP application id
  principalKind: 'user' | 'group' | 'service-principal';
  displayName?: string;
  level: string;
  inherited: boolean;
}

export interface ObjectPlan {
  object: ObjectRef;
  before: AclLine[];
  after: AclLine[];
  changes: PlannedChange[];
  /** the raw ACL read while planning; apply compares against it to detect concurrent edits */
  observed?: AclEntry[];
}

export interface PlanProblem {
  jobId?: number;
  object?: ObjectRef;
  message: string;
}

export interface Plan {
  kind: 'grant' | 'revoke';
  principal: ZipherPrincipal;
  jobs: { jobId: number; name?: string }[];
  objects: ObjectPlan[];
  /** jobs or objects that could not be planned (missing job, no manage rights, ...) */
  problems: PlanProblem[];
  createdAt: string; // ISO time
  /** revoke plans: whether Zipher entries not made by the extension were included (retry re-plans alike) */
  includeUnrecorded?: boolean;
}

// ---------------------------------------------------------------- outcomes

export type ObjectOutcomeStatus = 'applied' | 'unchanged' | 'failed' | 'conflict' | 'cancelled' | 'skipped';

export interface ObjectOutcome {
  object: ObjectRef;
  status: ObjectOutcomeStatus;
  message?: string;
}

export type JobOutcomeStatus =
  | 'granted' // Zipher now holds CAN_MANAGE (verified by re-read)
  | 'already' // it already did; nothing written
  | 'revoked' // Zipher's entries removed (verified)
  | 'not-granted' // revoke of a job Zipher had no entry on
  | 'failed'
  | 'conflict' // someone changed the ACL between read and write; nothing overwritten
  | 'cancelled';

/** The per-job result returned by `zipher.grantAccess` / `zipher.revokeAccess`. */
export interface JobOutcome {
  jobId: number;
  name?: string;
  status: JobOutcomeStatus;
  message?: string;
}

export interface ApplyResult {
  status: 'done' | 'partial' | 'cancelled';
  objects: ObjectOutcome[];
  jobs: JobOutcome[];
}

export interface ApplyProgress {
  done: number;
  failed: number;
  total: number;
  /** writes per second so far */
  rate?: number;
  current?: ObjectRef;
}

// ---------------------------------------------------------------- ledger and drift

export interface LedgerRecord {
  time: string; // ISO
  host: string;
  object: ObjectRef;
  principal: string; // SP application id
  action: ChangeAction;
  levelBefore?: string;
  levelAfter?: string;
  reasons: string[];
  jobIds: number[];
  /** who was connected when the change was made (userName from SCIM Me) */
  actor: string;
}

export type DriftKind = 'grant-removed' | 'grant-added-outside' | 'new-dependency' | 'level-changed';

export interface DriftFinding {
  kind: DriftKind;
  object: ObjectRef;
  message: string;
}

/** Where the ledger lives; the VS Code layer backs it with a file in global storage. */
export interface LedgerStore {
  read(): Promise<string | undefined>;
  write(text: string): Promise<void>;
}

// ---------------------------------------------------------------- settings the domain reads

export interface PlanOptions {
  /** CAN_ATTACH_TO by default; CAN_MANAGE when the admin opts in */
  poolLevel: 'CAN_ATTACH_TO' | 'CAN_MANAGE';
  /** READ on secret scopes referenced by the job's clusters; off by default */
  includeSecretScopes: boolean;
  /** CAN_USE on SQL warehouses of sql_tasks; off by default */
  includeWarehouses: boolean;
}

export const DEFAULT_PLAN_OPTIONS: PlanOptions = {
  poolLevel: 'CAN_ATTACH_TO',
  includeSecretScopes: false,
  includeWarehouses: false,
};

/** Simple event source usable without `vscode` (the VS Code layer adapts it to an EventEmitter). */
export type Listener<T> = (value: T) => void;
export interface Disposable {
  dispose(): void;
}
