/**
 * The one typed list of command ids, their scripted argument shapes and their results.
 * A host test checks this list against `contributes.commands` in package.json.
 */
import type { JobOutcome } from '../../onboarding/model';
import type { ZipherJobState } from '../../onboarding/model';

export const COMMAND_IDS = [
  'zipher.connectWorkspace',
  'zipher.disconnectWorkspace',
  'zipher.setServicePrincipal',
  'zipher.refresh',
  'zipher.grantAccess',
  'zipher.revokeAccess',
  'zipher.verifyConnectivity',
  'zipher.generateHandoff',
  'zipher.showLogs',
  'zipher.copySecret',
  'zipher.filterJobs',
  'zipher.clearFilter',
  'zipher.openJob',
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
  'zipher.verifyConnectivity': { host?: string; show?: boolean };
  'zipher.generateHandoff': { host?: string; show?: boolean };
  'zipher.showLogs': undefined;
  /** `acknowledged: true` skips the modal warning (scripts that already warned the user). */
  'zipher.copySecret': { host?: string; acknowledged?: boolean };
  'zipher.filterJobs': FilterArgs;
  'zipher.clearFilter': undefined;
  'zipher.openJob': { host: string; jobId: number };
}

/** What each command resolves to (undefined when the user cancelled or it failed). */
export interface CommandResults {
  'zipher.connectWorkspace': ConnectResult;
  'zipher.disconnectWorkspace': boolean;
  'zipher.setServicePrincipal': SetPrincipalResult;
  'zipher.refresh': void;
  'zipher.grantAccess': JobOutcome[];
  'zipher.revokeAccess': JobOutcome[];
  'zipher.verifyConnectivity': import('../../onboarding').VerifyReport;
  'zipher.generateHandoff': string;
  'zipher.showLogs': void;
  'zipher.copySecret': boolean;
  'zipher.filterJobs': FilterArgs;
  'zipher.clearFilter': void;
  'zipher.openJob': void;
}
