/**
 * Which service principal an identity command acts on, and where its secrets are managed: the
 * account console when connected (account admin), else the workspace proxy (workspace admin, SP
 * already in the workspace).
 */
import type { AccountApi, CallOptions } from '../../databricks/api';
import { accountSecrets, findServicePrincipal, workspaceSecrets, type SecretBackend } from '../../onboarding/identity';
import type { Connection } from '../connections';
import type { AccountConnections } from './accountConnection';

export interface SpTarget {
  connection: Connection;
  sp: { id: string; applicationId: string; displayName?: string };
  backend: SecretBackend;
  account?: AccountApi;
  /** why the account console was not used, when it was not */
  accountProblem?: string;
  warnings: string[];
}

export type SpTargetOutcome = { ok: true; target: SpTarget } | { ok: false; message: string; needsAccountAdmin?: boolean };

/** Resolves the SP's numeric id for secret calls; never throws. */
export async function resolveSpTarget(connection: Connection, accounts: AccountConnections, opts: CallOptions = {}): Promise<SpTargetOutcome> {
  const principal = connection.principal;
  if (!principal) {
    return { ok: false, message: `Zipher's service principal is not set for ${connection.host}. Run "Zipher: Create Service Principal" or "Zipher: Set Service Principal" first.` };
  }
  const warnings: string[] = [];
  const found = await accounts.forWorkspace(connection.host);
  let accountProblem: string | undefined;
  if (found.ok) {
    const sp = await findServicePrincipal(found.account, { applicationId: principal.applicationId }, opts);
    if (sp.ok && sp.value) {
      return {
        ok: true,
        target: { connection, sp: { id: sp.value.id, applicationId: sp.value.applicationId, displayName: sp.value.displayName }, backend: accountSecrets(found.account), account: found.account, warnings: [...warnings, ...sp.warnings] },
      };
    }
    accountProblem = sp.ok ? `Service principal ${principal.applicationId} is not in the connected Databricks account.` : sp.problem.message;
    warnings.push(`The account console could not be used (${accountProblem}); using the workspace route instead.`);
  } else {
    accountProblem = found.message;
    if (found.configured) warnings.push(`The account console could not be used (${found.message}); using the workspace route instead.`);
  }
  if (!connection.api) return { ok: false, message: connection.error?.message ?? `${connection.host} is not connected.` };
  if (!principal.scimId) {
    return {
      ok: false,
      needsAccountAdmin: true,
      message: `Service principal ${principal.applicationId} is not in ${connection.host}, so its secrets cannot be managed through the workspace. Adding it to the workspace needs a Databricks account admin ("Zipher: Create Service Principal" with the account console connected).`,
    };
  }
  return {
    ok: true,
    target: { connection, sp: { id: principal.scimId, applicationId: principal.applicationId, displayName: principal.displayName }, backend: workspaceSecrets(connection.api), accountProblem, warnings },
  };
}
