/**
 * Zipher's service principal at the account level: find, create once, add to the workspace,
 * deactivate. Creating, assigning and deactivating need a Databricks account admin.
 */
import type { AccountApi, CallOptions, ServicePrincipal, WorkspaceApi } from '../../databricks/api';
import { attempt, fail, ok, problemFrom, type Outcome } from './result';

export const DEFAULT_SP_DISPLAY_NAME = 'zipher-optimization-sp';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** How to look the SP up: by application id (exact, preferred) or by display name. */
export type SpQuery = { applicationId: string } | { displayName: string };

/** What the UI shows about the SP. */
export interface SpIdentity {
  /** numeric SCIM id (secret and workspace-assignment paths) */
  id: string;
  /** UUID: OAuth client id and ACL principal */
  applicationId: string;
  displayName?: string;
  active?: boolean;
}

/** True when `s` looks like an application id (UUID). */
export function isApplicationId(s: string): boolean {
  return UUID.test(s.trim());
}

/** SCIM filter literal: quotes and backslashes escaped so a display name cannot widen the filter. */
function scimString(s: string): string {
  return `"${s.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function toIdentity(sp: ServicePrincipal): SpIdentity {
  return { id: sp.id, applicationId: sp.applicationId, displayName: sp.displayName, active: sp.active };
}

/** Two-line description for notifications: numeric id and application id. */
export function describeSp(sp: SpIdentity): string {
  const name = sp.displayName ? `"${sp.displayName}" ` : '';
  const state = sp.active === false ? ' (deactivated)' : '';
  return `Service principal ${name}— numeric id ${sp.id}, application id ${sp.applicationId}${state}`;
}

type SpLister = Pick<AccountApi, 'listServicePrincipals'> | Pick<WorkspaceApi, 'listServicePrincipals'>;

/** Finds the SP by application id or display name (account or workspace SCIM); undefined when none. */
export async function findServicePrincipal(api: SpLister, query: SpQuery, opts?: CallOptions): Promise<Outcome<SpIdentity | undefined>> {
  const all = await findAll(api, query, opts);
  if (!all.ok) return all;
  const label = 'displayName' in query ? `are named "${query.displayName.trim()}"` : `have application id ${query.applicationId.trim()}`;
  const warnings = all.value.length > 1 ? [`${all.value.length} service principals ${label}; using the oldest (id ${all.value[0].id}).`] : [];
  return ok(all.value[0], warnings);
}

async function findAll(api: SpLister, query: SpQuery, opts?: CallOptions): Promise<Outcome<SpIdentity[]>> {
  let filter: string;
  let matches: (sp: ServicePrincipal) => boolean;
  if ('applicationId' in query) {
    const appId = query.applicationId.trim();
    if (!isApplicationId(appId)) return fail('validation', `"${appId}" is not an application id (expected a UUID such as 1b2c3d4e-…).`);
    filter = `applicationId eq ${scimString(appId)}`;
    matches = (sp) => sp.applicationId.toLowerCase() === appId.toLowerCase();
  } else {
    const name = query.displayName.trim();
    if (!name) return fail('validation', 'The service principal display name is empty.');
    filter = `displayName eq ${scimString(name)}`;
    matches = (sp) => (sp.displayName ?? '') === name;
  }
  const listed = await attempt('Looking up the service principal', () => api.listServicePrincipals(filter, opts));
  if (!listed.ok) return listed;
  // Filter again locally: some servers ignore or loosen SCIM filters.
  const found = listed.value.filter(matches).sort((a, b) => Number(a.id) - Number(b.id) || a.id.localeCompare(b.id));
  return ok(found.map(toIdentity));
}

/** Creates the SP unless one with that display name already exists (never a duplicate). Account admin. */
export async function ensureServicePrincipal(
  account: AccountApi,
  displayName: string = DEFAULT_SP_DISPLAY_NAME,
  opts?: CallOptions,
): Promise<Outcome<{ sp: SpIdentity; created: boolean }>> {
  const existing = await findServicePrincipal(account, { displayName }, opts);
  if (!existing.ok) return withAdminHint(existing);
  if (existing.value) return ok({ sp: existing.value, created: false }, existing.warnings);
  try {
    const sp = await account.createServicePrincipal(displayName.trim(), opts);
    return ok({ sp: toIdentity(sp), created: true });
  } catch (e) {
    // The create may have landed even though the answer was lost: look again before reporting.
    const again = await findServicePrincipal(account, { displayName }, opts);
    if (again.ok && again.value) return ok({ sp: again.value, created: true });
    return withAdminHint({ ok: false, problem: problemFrom(e, 'Creating the service principal') });
  }
}

/** Adds the SP to the workspace as USER (identity federation). Account admin. */
export async function addToWorkspace(
  account: AccountApi,
  workspace: WorkspaceApi,
  spId: string,
  opts?: CallOptions,
): Promise<Outcome<{ workspaceId: string }>> {
  let workspaceId = workspace.workspaceId;
  if (!workspaceId) {
    // The id only arrives in the X-Databricks-Org-Id header of some answer: make a cheap call.
    const probe = await attempt('Reading the workspace id', () => workspace.me(opts));
    if (!probe.ok) return probe;
    workspaceId = workspace.workspaceId;
  }
  if (!workspaceId) return fail('not-databricks', 'The workspace did not report its numeric id (X-Databricks-Org-Id), so the service principal cannot be assigned to it.');
  const done = await attempt('Adding the service principal to the workspace', () => account.assignToWorkspace(workspaceId!, spId, ['USER'], opts));
  if (!done.ok) return withAdminHint(done);
  return ok({ workspaceId });
}

/** True when the SP is visible in the workspace's own SCIM (i.e. it was added). */
export async function isInWorkspace(workspace: WorkspaceApi, applicationId: string, opts?: CallOptions): Promise<Outcome<boolean>> {
  const found = await findServicePrincipal(workspace, { applicationId }, opts);
  if (!found.ok) return found;
  return ok(found.value !== undefined);
}

/** Deactivates the SP account-wide: no token can be issued for it afterwards. Account admin. */
export async function deactivateServicePrincipal(account: AccountApi, spId: string, opts?: CallOptions): Promise<Outcome<void>> {
  return withAdminHint(await attempt('Deactivating the service principal', () => account.setServicePrincipalActive(spId, false, opts)));
}

function withAdminHint<T>(o: Outcome<T>): Outcome<T> {
  if (o.ok) return o;
  if (o.problem.kind === 'permission' || o.problem.kind === 'auth') {
    return { ok: false, problem: { ...o.problem, needsAccountAdmin: true, message: `${o.problem.message} This step needs a Databricks account admin.` } };
  }
  return o;
}
