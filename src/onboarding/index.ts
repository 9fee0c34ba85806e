export * from './model';

// ---- access domain (job states, closure, plans, apply, ledger, drift) ----
export * from './acl';
export { AccessService } from './accessService';
export type { AccessContext } from './context';
export { applyPlan, retryFailed, summarize, actionableChange, type ApplyOptions } from './apply';
export { jobClosure, loadClosures, objectKey, jobLabel, RequirementSet, type Requirement, type ClosureLoad } from './closure';
export { compareWithLedger, detectDrift, planReconcile } from './drift';
export { errorKind, errorMessage, isCancelled, unreadableReason } from './errors';
export { JobInventory, NO_PRINCIPAL_REASON, type InventoryEvent, type InventoryStatus, type InventoryOptions, type LoadOptions } from './inventory';
export { jobAccessState, OWNER_WARNING, type JobAccessState } from './jobState';
export { targetJobs, type TargetJobs, type TargetJobsInput } from './targets';
export { Ledger, LedgerError, MemoryLedgerStore, parseLedger, serializeLedger, type RecordedGrant } from './ledger';
export { assertPlanInvariant, buildObjectPlan, describeObject, grantAction, planGrant, planRevoke, PlanInvariantError, readObjectAcl, type PlanCallOptions, type RevokeOptions } from './plan';
export { planToJson, renderAclText, renderPlanMarkdown } from './planReport';
// ---- end access domain ----

// ---- checks (connection, verify connectivity, handoff, health) ----
export { checkConnection, lookupServicePrincipal, isUuid, isWorkspaceAdmin, type ConnectedIdentity, type ConnectionCheckResult, type ServicePrincipalLookup } from './connectionCheck';
export { verifyConnectivity, renderVerifyMarkdown, overallStatus, CHECK_IDS, type CheckStatus, type CheckResult, type VerifyReport, type VerifyInput } from './verify';
export { buildHandoff, type Handoff, type HandoffInput, type HandoffJob, type HandoffObject, type HandoffJson, type ChecklistItem, type ChecklistStatus } from './handoff';
export { summarizeHealth, SECRET_EXPIRY_WARNING_DAYS, type ConnectionState, type HealthInput, type HealthLevel, type HealthSummary } from './health';
// ---- end checks ----
