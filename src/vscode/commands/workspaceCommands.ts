import * as vscode from 'vscode';
import { listProfiles } from '../../databricks/config';
import { describeError } from '../../databricks/errors';
import { normalizeHost } from '../../databricks/host';
import { isUuid } from '../../onboarding';
import type { ConnectionManager } from '../connections';
import type { ComponentLogger, Logger } from '../logging';
import type { SecretStore } from '../secrets';
import { isWorkspaceNode } from '../tree/nodes';
import type { AuthArgs, ConnectResult, SetPrincipalResult } from './ids';
import { hostFromTreeArg, resolveConnection, withCancellableProgress } from './interaction';
import { UserCancelled } from './register';

const UUID_HINT = 'The application id is a UUID, e.g. 12345678-90ab-cdef-1234-567890abcdef (Account console → Service principals).';

/** Connect, disconnect, service principal, refresh, secret copy and logs. */
export class WorkspaceCommands {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly secrets: SecretStore,
    private readonly logger: Logger,
    private readonly log: ComponentLogger,
  ) {}

  /**
   * `zipher.connectWorkspace {host, auth}` → {@link ConnectResult}. Checks the credentials
   * (who am I, admin or not) before anything is saved; a failure saves nothing.
   */
  async connectWorkspace(args?: unknown): Promise<ConnectResult> {
    const scripted = isObject(args) && 'host' in args;
    const input = scripted ? parseConnectArgs(args) : await this.promptConnect();
    if ('error' in input) return { ok: false, kind: 'config', message: input.error };
    const outcome = await withCancellableProgress(`Connecting to ${input.host}…`, (signal) => this.connections.connect(input.host, input.auth, signal));
    if (!outcome.ok) {
      this.log.warn(`connect ${input.host} failed: ${outcome.message}`);
      void vscode.window.showErrorMessage(outcome.message);
      return { ok: false, kind: outcome.kind, message: outcome.message };
    }
    const c = outcome.connection;
    const who = c.identity!;
    const note = who.isAdmin ? '' : ' You are not a workspace admin: you can only grant access on jobs you manage.';
    const actions = c.principal ? [] : ['Set Service Principal'];
    void (who.isAdmin ? vscode.window.showInformationMessage : vscode.window.showWarningMessage)(
      `Connected to ${c.host} as ${who.userName}.${note}`,
      ...actions,
    ).then((choice) => {
      if (choice === 'Set Service Principal') void vscode.commands.executeCommand('zipher.setServicePrincipal', { host: c.host, prompt: true });
    });
    return { ok: true, host: c.host, userName: who.userName, displayName: who.displayName, isAdmin: who.isAdmin };
  }

  /** `zipher.disconnectWorkspace {host}` → true when the workspace was known. Forgets config and secrets. */
  async disconnectWorkspace(args?: unknown): Promise<boolean> {
    // Scripted `{host}` runs as asked; a click (tree node or palette) confirms first.
    if (isObject(args) && !isWorkspaceNode(args) && typeof args.host === 'string') return this.connections.disconnect(args.host);
    let host = hostFromTreeArg(args);
    if (!host) {
      const all = this.connections.list();
      if (all.length === 0) throw new Error('No Databricks workspace is configured.');
      const pick = await vscode.window.showQuickPick(all.map((c) => ({ label: c.host, description: c.status })), { title: 'Zipher: disconnect which workspace?' });
      if (!pick) throw new UserCancelled();
      host = pick.label;
    }
    const confirm = await vscode.window.showWarningMessage(
      `Disconnect ${host}?`,
      { modal: true, detail: 'Zipher forgets this workspace and its stored secrets. Access already granted in Databricks is not changed.' },
      'Disconnect',
    );
    if (confirm !== 'Disconnect') throw new UserCancelled();
    return this.connections.disconnect(host);
  }

  /**
   * `zipher.setServicePrincipal {host?, applicationId, clientSecret?}` → {@link SetPrincipalResult}.
   * Looks the SP up in the workspace and reports its display name or that it is not there.
   */
  async setServicePrincipal(args?: unknown): Promise<SetPrincipalResult> {
    const a = isObject(args) ? args : {};
    const scripted = typeof a.applicationId === 'string';
    const connection = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    let applicationId: string;
    let clientSecret: string | undefined;
    if (scripted) {
      applicationId = String(a.applicationId).trim();
      clientSecret = typeof a.clientSecret === 'string' && a.clientSecret ? a.clientSecret : undefined;
      if (!isUuid(applicationId)) {
        const message = `"${applicationId}" is not an application id. ${UUID_HINT}`;
        void vscode.window.showErrorMessage(message);
        return { ok: false, message };
      }
    } else {
      const id = await vscode.window.showInputBox({
        title: "Zipher's service principal (1/2)",
        prompt: 'Application id (client id) of Zipher\'s service principal',
        value: connection.config.servicePrincipal,
        ignoreFocusOut: true,
        validateInput: (v) => (isUuid(v) ? undefined : UUID_HINT),
      });
      if (id === undefined) throw new UserCancelled();
      applicationId = id.trim();
      const secret = await vscode.window.showInputBox({
        title: "Zipher's service principal (2/2)",
        prompt: 'Optional: its OAuth secret, stored in VS Code SecretStorage so Verify Connectivity can sign in as the SP. Leave empty to skip.',
        password: true,
        ignoreFocusOut: true,
      });
      if (secret === undefined) throw new UserCancelled();
      clientSecret = secret.trim() || undefined;
    }
    const outcome = await withCancellableProgress('Looking up the service principal…', (signal) =>
      this.connections.setServicePrincipal(connection.host, applicationId, clientSecret, signal),
    );
    if (!outcome.ok) {
      void vscode.window.showErrorMessage(outcome.message);
      return outcome;
    }
    void (outcome.found ? vscode.window.showInformationMessage(outcome.message) : vscode.window.showWarningMessage(outcome.message));
    return { ok: true, host: connection.host, applicationId: outcome.principal.applicationId, found: outcome.found, displayName: outcome.principal.displayName, message: outcome.message };
  }

  /** `zipher.refresh {host?}`: reconnects workspaces in error and reloads jobs. */
  async refresh(args?: unknown): Promise<void> {
    await this.connections.refresh(hostFromTreeArg(args));
  }

  /**
   * `zipher.copySecret {host?, acknowledged?}` → true when copied. Puts the stored SP secret on the
   * clipboard after a modal warning (skipped only with `acknowledged: true`). Never returns it.
   */
  async copySecret(args?: unknown): Promise<boolean> {
    const a = isObject(args) ? args : {};
    const connection = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: true, needApi: true });
    const stored = await this.secrets.getSp(connection.host);
    if (!stored) {
      throw new Error(`No OAuth secret of Zipher's service principal is stored for ${connection.host}. Add it with "Zipher: Set Service Principal".`);
    }
    if (a.acknowledged !== true) {
      const choice = await vscode.window.showWarningMessage(
        "Copy the OAuth secret of Zipher's service principal to the clipboard?",
        {
          modal: true,
          detail: 'Anyone who can read your clipboard can sign in as this service principal. Paste it only into a secure channel to Zipher (never e-mail or chat), then copy something else over it.',
        },
        'Copy Secret',
      );
      if (choice !== 'Copy Secret') throw new UserCancelled();
    }
    await vscode.env.clipboard.writeText(stored.clientSecret);
    this.log.info(`service principal secret for ${connection.host} copied to the clipboard`);
    void vscode.window.showInformationMessage('Secret copied. Paste it only into a secure channel, then clear your clipboard.');
    return true;
  }

  /** `zipher.showLogs`: opens the Zipher log. */
  showLogs(): void {
    this.logger.show();
  }

  private async promptConnect(): Promise<{ host: string; auth: AuthArgs } | { error: string }> {
    const rawHost = await vscode.window.showInputBox({
      title: 'Connect a Databricks workspace (1/2)',
      prompt: 'Workspace URL',
      placeHolder: 'https://adb-1234567890123456.7.azuredatabricks.net',
      ignoreFocusOut: true,
      validateInput: (v) => {
        if (!v.trim()) return 'Enter the workspace URL.';
        try {
          normalizeHost(v);
          return undefined;
        } catch (e) {
          return describeError(e);
        }
      },
    });
    if (rawHost === undefined) throw new UserCancelled();
    const host = normalizeHost(rawHost);
    let profiles: { name: string; host?: string; authType: string }[] = [];
    try {
      profiles = await listProfiles();
    } catch (e) {
      this.log.warn(`could not read Databricks CLI profiles: ${describeError(e)}`);
    }
    type Item = vscode.QuickPickItem & { method: 'pat' | 'oauth-m2m' | 'profile'; profile?: string };
    const items: Item[] = [
      { label: '$(key) Personal access token', method: 'pat', detail: 'Stored in VS Code SecretStorage.' },
      { label: '$(shield) OAuth machine-to-machine', method: 'oauth-m2m', detail: 'Client id and secret of a service principal; the secret goes to SecretStorage.' },
    ];
    const sameHost = profiles.filter((p) => safeNormalize(p.host) === host);
    const others = profiles.filter((p) => safeNormalize(p.host) !== host);
    if (profiles.length) items.push({ label: 'Databricks CLI profiles', kind: vscode.QuickPickItemKind.Separator, method: 'profile' });
    for (const p of [...sameHost, ...others]) {
      items.push({ label: `$(account) ${p.name}`, description: p.host ?? 'no host', detail: `Profile from your Databricks config (${p.authType}); no secret is copied.`, method: 'profile', profile: p.name });
    }
    const pick = await vscode.window.showQuickPick(items, { title: 'Connect a Databricks workspace (2/2): authentication', ignoreFocusOut: true });
    if (!pick) throw new UserCancelled();
    if (pick.method === 'profile') return { host, auth: { type: 'profile', profile: pick.profile! } };
    if (pick.method === 'pat') {
      const token = await vscode.window.showInputBox({ title: 'Personal access token', prompt: `Token for ${host}`, password: true, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Enter the token.') });
      if (token === undefined) throw new UserCancelled();
      return { host, auth: { type: 'pat', token: token.trim() } };
    }
    const clientId = await vscode.window.showInputBox({ title: 'OAuth client id', prompt: 'Application id of the service principal you connect as', ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Enter the client id.') });
    if (clientId === undefined) throw new UserCancelled();
    const clientSecret = await vscode.window.showInputBox({ title: 'OAuth client secret', password: true, ignoreFocusOut: true, validateInput: (v) => (v.trim() ? undefined : 'Enter the secret.') });
    if (clientSecret === undefined) throw new UserCancelled();
    return { host, auth: { type: 'oauth-m2m', clientId: clientId.trim(), clientSecret: clientSecret.trim() } };
  }
}

function parseConnectArgs(args: Record<string, unknown>): { host: string; auth: AuthArgs } | { error: string } {
  const host = typeof args.host === 'string' ? args.host : '';
  const auth = isObject(args.auth) ? args.auth : {};
  if (!host.trim()) return { error: 'Pass the workspace URL as { host }.' };
  if (auth.type === 'pat' && typeof auth.token === 'string' && auth.token) return { host, auth: { type: 'pat', token: auth.token } };
  if (auth.type === 'oauth-m2m' && typeof auth.clientId === 'string' && auth.clientId && typeof auth.clientSecret === 'string' && auth.clientSecret) {
    return { host, auth: { type: 'oauth-m2m', clientId: auth.clientId, clientSecret: auth.clientSecret } };
  }
  if (auth.type === 'profile' && typeof auth.profile === 'string' && auth.profile) return { host, auth: { type: 'profile', profile: auth.profile } };
  return { error: 'Pass auth as {type:"pat", token}, {type:"oauth-m2m", clientId, clientSecret} or {type:"profile", profile}.' };
}

export function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function safeNormalize(host: string | undefined): string | undefined {
  if (!host) return undefined;
  try {
    return normalizeHost(host);
  } catch {
    return undefined;
  }
}
