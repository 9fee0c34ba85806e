/**
 * Identity & network in VS Code: account console connection, SP lifecycle and secrets, egress
 * allow list, audit log, emergency revoke, and the live setup checklist behind the walkthrough.
 * `container.ts` builds this once and registers its handlers with the one command wrapper.
 */
import type * as vscode from 'vscode';
import type { RotationState } from '../../onboarding/identity';
import type { ConnectionManager } from '../connections';
import type { Documents } from '../documents';
import type { Logger } from '../logging';
import type { SecretStore } from '../secrets';
import type { Settings } from '../settings';
import { AccountConnections } from './accountConnection';
import { AuditCommand } from './auditCommand';
import { EgressCommand } from './egressCommand';
import { EmergencyCommand } from './emergencyCommand';
import { mementoRotationStore, RotationCommand } from './rotationCommand';
import { SecretExpiryTracker } from './secretExpiry';
import { SetupChecklistModel } from './setupChecklist';
import { SpCommands } from './spCommands';

import type { IdentityCommandId } from '../commands/ids';
export { IDENTITY_COMMAND_IDS, type IdentityCommandId } from '../commands/ids';

/** What host tests reach through the extension's test API. */
export interface IdentityTestApi {
  secretExpiry: SecretExpiryTracker;
  /** walkthrough context keys as last set */
  setupContext(): Record<string, boolean>;
  rotationState(host: string): RotationState | undefined;
  accounts: AccountConnections;
  /** the extension's log folder (the Zipher log channel's file lives there) */
  logUri: vscode.Uri;
}

export interface IdentityDeps {
  context: Pick<vscode.ExtensionContext, 'globalState' | 'workspaceState' | 'logUri'>;
  connections: ConnectionManager;
  secrets: SecretStore;
  settings: Settings;
  documents: Documents;
  logger: Logger;
}

export class IdentityFeature implements vscode.Disposable {
  readonly accounts: AccountConnections;
  readonly secretExpiry: SecretExpiryTracker;
  readonly checklist: SetupChecklistModel;
  private readonly sp: SpCommands;
  private readonly rotation: RotationCommand;
  private readonly egress: EgressCommand;
  private readonly audit: AuditCommand;
  private readonly emergency: EmergencyCommand;
  private readonly subscriptions: { dispose(): void }[] = [];

  constructor(private readonly deps: IdentityDeps) {
    const { connections, secrets, settings, documents, logger } = deps;
    const log = logger.for('identity');
    this.accounts = new AccountConnections(settings, secrets, logger);
    this.secretExpiry = new SecretExpiryTracker(connections, secrets, this.accounts, log);
    this.checklist = new SetupChecklistModel(connections, secrets, settings, this.accounts, log);
    const changed = (host: string) => {
      void this.secretExpiry.refresh(host);
      void this.checklist.refresh(host).catch((e) => log.warn(`setup checklist: ${String((e as Error)?.message ?? e)}`));
    };
    this.sp = new SpCommands(connections, this.accounts, secrets, logger, log, changed);
    this.rotation = new RotationCommand(connections, this.accounts, secrets, settings, mementoRotationStore(deps.context.globalState), logger, log, changed);
    this.egress = new EgressCommand(connections, settings, documents, log, changed);
    this.audit = new AuditCommand(connections, deps.context.workspaceState, documents, logger.for('audit'));
    this.emergency = new EmergencyCommand(connections, this.accounts, secrets, settings, documents, logger.for('emergency'), changed);
    this.subscriptions.push(
      settings.onDidChange((area) => {
        if (area === 'account' || area === 'network') this.accounts.reset();
      }),
    );
  }

  async initialize(): Promise<void> {
    await this.checklist.initialize();
  }

  handlers(): Record<IdentityCommandId, (...args: unknown[]) => unknown> {
    return {
      'zipher.connectAccount': (a) => this.sp.connectAccount(a),
      'zipher.createServicePrincipal': (a) => this.sp.createServicePrincipal(a),
      'zipher.generateSpSecret': (a) => this.sp.generateSpSecret(a),
      'zipher.manageSpSecrets': (a) => this.sp.manageSpSecrets(a),
      'zipher.rotateSpSecret': (a) => this.rotation.rotate(a),
      'zipher.allowEgressIps': (a) => this.egress.allowEgressIps(a),
      'zipher.showAuditLog': (a) => this.audit.showAuditLog(a),
      'zipher.emergencyRevokeAll': (a) => this.emergency.emergencyRevokeAll(a),
      'zipher.refreshSetupChecklist': (a) => this.checklist.refresh(hostArg(a)),
    };
  }

  testApi(): IdentityTestApi {
    return {
      secretExpiry: this.secretExpiry,
      setupContext: () => this.checklist.contextValues(),
      rotationState: (host) => this.rotation.stateOf(host),
      accounts: this.accounts,
      logUri: this.deps.context.logUri,
    };
  }

  dispose(): void {
    this.subscriptions.forEach((s) => s.dispose());
    this.secretExpiry.dispose();
    this.checklist.dispose();
  }
}

function hostArg(a: unknown): string | undefined {
  return typeof a === 'object' && a !== null && typeof (a as { host?: unknown }).host === 'string' ? (a as { host: string }).host : undefined;
}
