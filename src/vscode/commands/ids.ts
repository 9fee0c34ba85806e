/**
 * The one typed list of command ids, their scripted argument shapes and their results.
 * A host test checks this list against `contributes.commands` in package.json.
 */
import type { JobOutcome } from '../../onboarding/model';
import type { ZipherJobState } from '../../onboarding/model';

/** Identity & network commands (handlers and argument/result types in ../identity). */
export const IDENTITY_COMMAND_IDS = [
  'zipher.connectAccount',
  'zipher.createServicePrincipal',
  'zipher.generateSpSecret',
  'zipher.manageSpSecrets',
  'zipher.rotateSpSecret',
  'zipher.allowEgressIps',
  'zipher.showAuditLog',
  'zipher.emergencyRevokeAll',
  'zipher.refreshSetupChecklist',
] as const;
export type IdentityCommandId = (typeof IDENTITY_COMMAND_IDS)[number];

export const COMMAND_IDS = [
  'zipher.connectWorkspace',
  'zipher.disconnectWorkspace',
  'zipher.setServicePrincipal',
  'zipher.refresh',
  'zipher.grantAccess',
  'zipher.revokeAccess',
  'zipher.reconcile',
  'zipher.showLedger',
  'zipher.verifyConnectivity',
  'zipher.generateHandoff',
  'zipher.showLogs',
  'zipher.copySecret',
  'zipher.filterJobs',
  'zipher.clearFilter',
  'zipher.openJob',
  ...IDENTITY_COMMAND_IDS,
] as const;

export type CommandId = (typeof COMMAND_IDS)[number];

/** Ids only reachable from the tree (hidden from the palette with `when: false`). */
export const TREE_ONLY_COMMAND_IDS: readonly CommandId[] = ['zipher.openJob'];

export type AuthArgs =
  | { type: 'pat'; token: string }
  | { type: 'oauth-m2m'; clientId: string; clientSecret: string }
  | { type: 'profile'; profile: string };

export type ConnectResult =
  | { ok: true; host: string; userName: string; displayName?: string; isAdmin: boolean }
  | { ok: false; kind: string; message: string };

export type SetPrincipalResult =
  | { ok: true; host: string; applicationId: string; found: boolean; displayName?: string; message: string }
  | { ok: false; message: string };

export interface FilterArgs {
  text?: string;
  states?: ZipherJobState[];
}

/** Scripted argument shapes (with arguments no command prompts). */
export interface CommandArgs {
  'zipher.connectWorkspace': { host: string; auth: AuthArgs };
  'zipher.disconnectWorkspace': { host: string };
  'zipher.setServicePrincipal': { host?: string; applicationId: string; clientSecret?: string };
  'zipher.refresh': { host?: string };
  'zipher.grantAccess': { host?: string; jobIds: number[] };
  'zipher.revokeAccess': { host?: string; jobIds: number[] };
  'zipher.reconcile': { host?: string; jobIds: number[] };
  'zipher.showLedger': { host?: string; show?: boolean };
  'zipher.verifyConnectivity': { host?: string; show?: boolean };
  'zipher.generateHandoff': { host?: string; show?: boolean };
  'zipher.showLogs': undefined;
  /** `acknowledged: true` skips the modal warning (scripts that already warned the user). */
  'zipher.copySecret': { host?: string; acknowledged?: boolean };
  'zipher.filterJobs': FilterArgs;
  'zipher.clearFilter': undefined;
  'zipher.openJob': { host: string; jobId: number };
  'zipher.connectAccount': import('../identity/results').ConnectAccountArgs;
  'zipher.createServicePrincipal': import('../identity/results').CreateSpArgs;
  'zipher.generateSpSecret': import('../identity/results').GenerateSecretArgs;
  'zipher.manageSpSecrets': import('../identity/results').ManageSecretsArgs;
  'zipher.rotateSpSecret': import('../identity/results').RotateSecretArgs;
  'zipher.allowEgressIps': import('../identity/results').AllowEgressArgs;
  'zipher.showAuditLog': import('../identity/results').AuditLogArgs;
  'zipher.emergencyRevokeAll': import('../identity/results').EmergencyArgs;
  'zipher.refreshSetupChecklist': import('../identity/results').RefreshChecklistArgs;
}

/** What each command resolves to (undefined when the user cancelled or it failed). */
export interface CommandResults {
  'zipher.connectWorkspace': ConnectResult;
  'zipher.disconnectWorkspace': boolean;
  'zipher.setServicePrincipal': SetPrincipalResult;
  'zipher.refresh': void;
  'zipher.grantAccess': JobOutcome[];
  'zipher.revokeAccess': JobOutcome[];
  'zipher.reconcile': JobOutcome[];
  'zipher.showLedger': string;
  'zipher.verifyConnectivity': import('../../onboarding').VerifyReport;
  'zipher.generateHandoff': string;
  'zipher.showLogs': void;
  'zipher.copySecret': boolean;
  'zipher.filterJobs': FilterArgs;
  'zipher.clearFilter': void;
  'zipher.openJob': void;
  'zipher.connectAccount': import('../identity/results').ConnectAccountResult;
  'zipher.createServicePrincipal': import('../identity/results').CreateSpResult;
  'zipher.generateSpSecret': import('../identity/results').GenerateSecretResult;
  'zipher.manageSpSecrets': import('../identity/results').ManageSecretsResult;
  'zipher.rotateSpSecret': import('../identity/results').RotateSecretResult;
  'zipher.allowEgressIps': import('../identity/results').AllowEgressResult;
  'zipher.showAuditLog': import('../identity/results').AuditLogResult;
  'zipher.emergencyRevokeAll': import('../identity/results').EmergencyResult;
  'zipher.refreshSetupChecklist': import('../identity/results').RefreshChecklistResult;
}
