import * as vscode from 'vscode';
import { AccessCommands } from './commands/accessCommands';
import type { CommandId } from './commands/ids';
import { createCommandRegistry } from './commands/register';
import { ReportCommands } from './commands/reportCommands';
import { ViewCommands } from './commands/viewCommands';
import { WorkspaceCommands } from './commands/workspaceCommands';
import { ConnectionManager } from './connections';
import { ContextKeys } from './contextKeys';
import { Documents } from './documents';
import { IdentityFeature, type IdentityTestApi } from './identity';
import { Logger, SecretMasker } from './logging';
import { PlanDocumentProvider } from './plans/planDocuments';
import { PlanFlow } from './plans/planFlow';
import { WindowPrompter, type Prompter } from './plans/prompter';
import { SecretStore } from './secrets';
import { Settings } from './settings';
import { StatusBar, type StatusBarSnapshot } from './statusBar';
import { JobsTreeProvider } from './tree/provider';
import type { TreeNode } from './tree/nodes';

/** What `activate()` returns; used only by host tests. */
export interface ZipherTestApi {
  connections: ConnectionManager;
  tree: JobsTreeProvider;
  treeView: vscode.TreeView<TreeNode>;
  secrets: SecretStore;
  statusBar(): StatusBarSnapshot;
  refreshStatusBar(): StatusBarSnapshot;
  /** SP lifecycle, secrets, egress, audit, emergency and the walkthrough's context keys */
  identity: IdentityTestApi;
  /** the grant/revoke/reconcile flow with a scripted prompter, and the `zipher-plan:` documents */
  plans: { flow(prompter: Prompter): PlanFlow; documents: PlanDocumentProvider };
}

/** Builds every service once; `activate()` only calls this. */
export async function createContainer(context: vscode.ExtensionContext): Promise<ZipherTestApi> {
  const subs = context.subscriptions;
  const masker = new SecretMasker();
  const channel = vscode.window.createOutputChannel('Zipher', { log: true });
  subs.push(channel);
  const logger = new Logger(channel, masker);
  const log = logger.for('extension');

  const contextKeys = new ContextKeys();
  await contextKeys.initialize();

  const settings = new Settings();
  const secrets = new SecretStore(context.secrets, (s) => masker.add(s));
  subs.push(secrets);
  const connections = new ConnectionManager(settings, secrets, logger, context.globalStorageUri.fsPath);
  subs.push(connections);
  subs.push({ dispose: secrets.onDidChange((host) => log.debug(`secrets changed for ${host}`)).dispose });

  const tree = new JobsTreeProvider(connections, contextKeys);
  const treeView = vscode.window.createTreeView('zipher.jobs', { treeDataProvider: tree, canSelectMany: true, showCollapseAll: true });
  tree.attach(treeView);
  subs.push(tree, treeView);

  const documents = new Documents();
  subs.push(documents);
  const identity = new IdentityFeature({ context, connections, secrets, settings, documents, logger });
  subs.push(identity);
  await identity.initialize();
  const statusBar = new StatusBar(connections, identity.secretExpiry);
  subs.push(statusBar);

  const workspace = new WorkspaceCommands(connections, secrets, logger, logger.for('commands'));
  const planDocuments = new PlanDocumentProvider();
  subs.push(planDocuments);
  const planFlow = new PlanFlow({ documents, planDocuments, log: logger.for('access') }, new WindowPrompter());
  const access = new AccessCommands(connections, documents, planFlow, logger.for('access'));
  const reports = new ReportCommands(connections, secrets, documents, logger.for('verify'));
  const view = new ViewCommands(tree);

  const registry = createCommandRegistry(subs, logger.for('commands'));
  const handlers: Record<CommandId, (...args: unknown[]) => unknown> = {
    'zipher.connectWorkspace': (a) => workspace.connectWorkspace(a),
    'zipher.disconnectWorkspace': (a) => workspace.disconnectWorkspace(a),
    'zipher.setServicePrincipal': (a) => workspace.setServicePrincipal(a),
    'zipher.refresh': (a) => workspace.refresh(a),
    'zipher.grantAccess': (...a) => access.grantAccess(...a),
    'zipher.revokeAccess': (...a) => access.revokeAccess(...a),
    'zipher.reconcile': (...a) => access.reconcile(...a),
    'zipher.showLedger': (a) => access.showLedger(a),
    'zipher.verifyConnectivity': (a) => reports.verifyConnectivity(a),
    'zipher.generateHandoff': (a) => reports.generateHandoff(a),
    'zipher.showLogs': () => workspace.showLogs(),
    'zipher.copySecret': (a) => workspace.copySecret(a),
    'zipher.filterJobs': (a) => view.filterJobs(a),
    'zipher.clearFilter': () => view.clearFilter(),
    'zipher.openJob': (a) => access.openJob(a),
    ...identity.handlers(),
  };
  for (const [id, handler] of Object.entries(handlers) as [CommandId, (...args: unknown[]) => unknown][]) registry.register(id, handler);

  log.info(`Zipher ${context.extension.packageJSON.version ?? ''} activated`);
  // Connecting runs in the background: activation must not wait on the network.
  void connections.start().catch((e) => log.error(`starting connections failed: ${String((e as Error)?.message ?? e)}`));

  return {
    connections,
    tree,
    treeView,
    secrets,
    statusBar: () => statusBar.snapshot(),
    refreshStatusBar: () => statusBar.update(),
    identity: identity.testApi(),
    plans: { flow: (prompter) => planFlow.withPrompter(prompter), documents: planDocuments },
  };
}
