/**
 * Scripted arguments and typed results of the identity & network commands. No result ever carries
 * a secret value: secrets go from the API straight into SecretStorage.
 */
import type { AllowListPlan, IncidentReport, RotationState, SetupCheckStatus, SetupChecklistItemId, ZipherIpAccess } from '../../onboarding/identity';

/** Every identity command fails the same way: one sentence, and whether an account admin is needed. */
export interface IdentityFailure {
  ok: false;
  message: string;
  needsAccountAdmin?: boolean;
}

export interface ConnectAccountArgs {
  /** the workspace whose cloud picks the default account console host */
  host?: string;
  accountHost?: string;
  accountId: string;
  clientId: string;
  clientSecret: string;
}
export type ConnectAccountResult = { ok: true; accountHost: string; accountId: string; clientId: string } | IdentityFailure;

export interface CreateSpArgs {
  host?: string;
  displayName?: string;
}
export type CreateSpResult =
  | {
      ok: true;
      host: string;
      id: string;
      applicationId: string;
      displayName?: string;
      /** false: an SP with that name already existed and was reused */
      created: boolean;
      addedToWorkspace: boolean;
      workspaceId?: string;
      message: string;
      warnings: string[];
    }
  | IdentityFailure;

export interface GenerateSecretArgs {
  host?: string;
  /** whole days, 1..730; default 90 */
  lifetimeDays?: number;
}
export type GenerateSecretResult =
  | { ok: true; host: string; applicationId: string; secretId: string; expiresAt?: string; via: 'account' | 'workspace'; storedInSecretStorage: true; warnings: string[] }
  | IdentityFailure;

export interface SecretRow {
  id: string;
  status?: string;
  createdAt?: string;
  expiresAt?: string;
  daysLeft?: number;
  /** the secret VS Code holds in SecretStorage for this workspace */
  stored: boolean;
}

export interface ManageSecretsArgs {
  host?: string;
  /** secret ids to delete (scripted: deleted without a prompt) */
  delete?: string[];
}
export type ManageSecretsResult =
  | { ok: true; host: string; via: 'account' | 'workspace'; secrets: SecretRow[]; deleted: string[]; limit: number; atLimit: boolean; warnings: string[] }
  | IdentityFailure;

export interface RotateSecretArgs {
  host?: string;
  lifetimeDays?: number;
  /** scripted: delete the old secrets once the new one is verified and stored */
  confirmDeleteOld?: boolean;
  /** give up a rotation in progress: deletes only the new secret */
  abandon?: boolean;
}
export type RotateSecretResult = { ok: true; host: string; state: RotationState; next: string } | IdentityFailure;

export interface AllowEgressArgs {
  host?: string;
  /** overrides `zipher.egressIps` for this run (not saved) */
  ips?: string[];
  /** false: inspect only; default true */
  apply?: boolean;
  show?: boolean;
}
export type AllowEgressResult =
  | {
      ok: true;
      host: string;
      featureEnabled: boolean;
      access: ZipherIpAccess;
      totalAddresses: number;
      limit: number;
      blockedBy: { egress: string; listLabel: string; entry: string; listEnabled: boolean }[];
      plan: Pick<AllowListPlan, 'action' | 'label' | 'ipAddresses' | 'reasons' | 'warnings' | 'addressesAfter'>;
      applied?: { action: AllowListPlan['action']; listId?: string };
      notes: string[];
      markdown: string;
    }
  | IdentityFailure;

export interface AuditLogArgs {
  host?: string;
  warehouseId?: string;
  sinceHours?: number;
  show?: boolean;
  /** write the rows as CSV to this path */
  exportCsvPath?: string;
}
export interface AuditSection {
  columns: string[];
  rows: Record<string, string | null>[];
  truncated: boolean;
}
export type AuditLogResult =
  | { ok: true; host: string; warehouseId: string; sinceHours: number; activity: AuditSection; aclChanges?: AuditSection; warnings: string[]; markdown: string; csvPath?: string }
  | IdentityFailure;

export interface EmergencyArgs {
  host?: string;
  /** true skips the modal confirmation */
  confirm?: boolean;
  /** also deactivate the SP account-wide (needs the account console connection) */
  deactivate?: boolean;
  show?: boolean;
}
export type EmergencyResult = IncidentReport;

export interface ChecklistRow {
  id: SetupChecklistItemId;
  title: string;
  status: SetupCheckStatus;
  detail?: string;
  /** the context key the walkthrough step completes on */
  contextKey: string;
}
export interface RefreshChecklistArgs {
  host?: string;
}
export type RefreshChecklistResult = { host?: string; items: ChecklistRow[] };
