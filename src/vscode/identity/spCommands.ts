import * as vscode from 'vscode';
import {
  addToWorkspace,
  createSecret,
  DEFAULT_SECRET_LIFETIME_DAYS,
  DEFAULT_SP_DISPLAY_NAME,
  deleteSecret,
  describeSp,
  ensureServicePrincipal,
  listSecrets,
  MAX_SECRET_LIFETIME_DAYS,
  validateLifetimeDays,
  type SecretSummary,
} from '../../onboarding/identity';
import { isUuid } from '../../onboarding';
import { hostFromTreeArg, resolveConnection, withCancellableProgress } from '../commands/interaction';
import { UserCancelled } from '../commands/register';
import { isObject } from '../commands/workspaceCommands';
import type { Connection, ConnectionManager } from '../connections';
import type { ComponentLogger, Logger } from '../logging';
import type { SecretStore } from '../secrets';
import type { AccountConnections } from './accountConnection';
import type { ConnectAccountResult, CreateSpResult, GenerateSecretResult, IdentityFailure, ManageSecretsResult, SecretRow } from './results';
import { resolveSpTarget } from './spTarget';

/** Called after a command changed the SP or its secrets (status bar, walkthrough). */
export type ChangeNotifier = (host: string) => void;

/** Account console connection, SP creation, secret generation and secret management. */
export class SpCommands {
  constructor(
    private readonly connections: ConnectionManager,
    private readonly accounts: AccountConnections,
    private readonly secrets: SecretStore,
    private readonly logger: Logger,
    private readonly log: ComponentLogger,
    private readonly changed: ChangeNotifier,
  ) {}

  /**
   * `zipher.connectAccount {accountId, clientId, clientSecret, accountHost?, host?}` →
   * {@link ConnectAccountResult}. Checks the account admin's credentials before saving anything.
   */
  async connectAccount(args?: unknown): Promise<ConnectAccountResult> {
    const a = isObject(args) ? args : {};
    const scripted = typeof a.accountId === 'string';
    const workspace = this.connections.list().find((c) => c.host === hostFromTreeArg(args)) ?? this.connections.list()[0];
    let input: { accountHost?: string; accountId: string; clientId: string; clientSecret: string };
    if (scripted) {
      if (typeof a.clientId !== 'string' || typeof a.clientSecret !== 'string' || !a.clientId || !a.clientSecret) {
        return failure('Pass { accountId, clientId, clientSecret } (and accountHost when it cannot be told from the workspace URL).');
      }
      input = { accountHost: typeof a.accountHost === 'string' && a.accountHost ? a.accountHost : undefined, accountId: String(a.accountId), clientId: a.clientId, clientSecret: a.clientSecret };
    } else {
      input = await this.promptAccount(workspace?.host);
    }
    const outcome = await withCancellableProgress('Checking the account console credentials…', (signal) =>
      this.accounts.connect({ ...input, workspaceHost: workspace?.host }, signal),
    );
    if (!outcome.ok) {
      this.log.warn(`account connection refused: ${outcome.message}`);
      if (!scripted) void vscode.window.showErrorMessage(outcome.message);
      return failure(outcome.message);
    }
    this.log.info(`account console ${outcome.accountHost} connected for account ${input.accountId}`);
    for (const c of this.connections.list()) this.changed(c.host);
    if (!scripted) void vscode.window.showInformationMessage(`Account console connected (${outcome.accountHost.replace(/^https?:\/\//, '')}). The secret is kept in VS Code's SecretStorage.`);
    return { ok: true, accountHost: outcome.accountHost, accountId: input.accountId.trim(), clientId: input.clientId.trim() };
  }

  /**
   * `zipher.createServicePrincipal {host?, displayName?}` → {@link CreateSpResult}. Finds the SP by
   * name or creates it (never a duplicate), adds it to the workspace, and sets it as the
   * workspace's Zipher SP. Account admin; says so when the account console is not connected.
   */
  async createServicePrincipal(args?: unknown): Promise<CreateSpResult> {
    const a = isObject(args) ? args : {};
    const scripted = isObject(args) && !('type' in a);
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    const api = requireApi(c);
    let displayName = typeof a.displayName === 'string' && a.displayName.trim() ? a.displayName.trim() : DEFAULT_SP_DISPLAY_NAME;
    if (!scripted) {
      const typed = await vscode.window.showInputBox({
        title: 'Create Zipher\'s service principal',
        prompt: 'Display name (an existing service principal with this name is reused, never duplicated)',
        value: displayName,
        ignoreFocusOut: true,
        validateInput: (v) => (v.trim() ? undefined : 'Enter a display name.'),
      });
      if (typed === undefined) throw new UserCancelled();
      displayName = typed.trim();
    }
    const account = await this.accounts.forWorkspace(c.host);
    if (!account.ok) {
      const why = account.configured ? ` The account console connection failed: ${account.message}` : ' Connect the account console first ("Zipher: Connect Account Console"), or ask an account admin.';
      const message = `Creating a service principal and adding it to a workspace needs a Databricks account admin.${why} A workspace admin can instead enter an existing one with "Zipher: Set Service Principal".`;
      return this.fail(message, scripted, true);
    }
    const result = await withCancellableProgress(`Setting up service principal "${displayName}"…`, async (signal, report) => {
      const ensured = await ensureServicePrincipal(account.account, displayName, { signal });
      if (!ensured.ok) return ensured;
      report('adding it to the workspace…');
      const added = await addToWorkspace(account.account, api, ensured.value.sp.id, { signal });
      report('setting it as the workspace\'s Zipher service principal…');
      const set = await this.connections.setServicePrincipal(c.host, ensured.value.sp.applicationId, undefined, signal);
      return { ok: true as const, ensured: ensured.value, warnings: ensured.warnings, added, set };
    });
    if (!result.ok) return this.fail(result.problem.message, scripted, result.problem.needsAccountAdmin);
    const { sp, created } = result.ensured;
    const warnings = [...result.warnings];
    if (!result.added.ok) warnings.push(result.added.problem.message);
    if (result.set.ok && !result.set.found) warnings.push(result.set.message);
    const message = `${created ? 'Created' : 'Found existing'} ${describeSp(sp)}.${result.added.ok ? ' It is in the workspace and set as Zipher\'s service principal.' : ''}`;
    this.log.info(`${c.host}: ${message}${warnings.length ? ` Warnings: ${warnings.join(' ')}` : ''}`);
    this.changed(c.host);
    if (!scripted) {
      const show = warnings.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void show(`${message}${warnings.length ? ` ${warnings[0]}` : ''}`, 'Generate Secret').then((choice) => {
        if (choice === 'Generate Secret') void vscode.commands.executeCommand('zipher.generateSpSecret', { host: c.host, prompt: true });
      });
    }
    return {
      ok: true,
      host: c.host,
      id: sp.id,
      applicationId: sp.applicationId,
      displayName: sp.displayName,
      created,
      addedToWorkspace: result.added.ok,
      workspaceId: result.added.ok ? result.added.value.workspaceId : undefined,
      message,
      warnings,
    };
  }

  /**
   * `zipher.generateSpSecret {host?, lifetimeDays?}` → {@link GenerateSecretResult}. The value goes
   * straight to SecretStorage (with its id and expiry) and is never shown or returned.
   */
  async generateSpSecret(args?: unknown): Promise<GenerateSecretResult> {
    const a = isObject(args) ? args : {};
    const scripted = isObject(args) && !('type' in a) && a.prompt !== true;
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    let lifetimeDays = typeof a.lifetimeDays === 'number' ? a.lifetimeDays : DEFAULT_SECRET_LIFETIME_DAYS;
    if (!scripted) lifetimeDays = await promptLifetime();
    const lifetime = validateLifetimeDays(lifetimeDays);
    if (!lifetime.ok) return this.fail(lifetime.problem.message, scripted);
    const target = await resolveSpTarget(c, this.accounts);
    if (!target.ok) return this.fail(target.message, scripted, target.needsAccountAdmin);
    const { sp, backend } = target.target;
    if (!scripted) {
      const existing = await this.secrets.getSp(c.host);
      if (existing && existing.applicationId === sp.applicationId) {
        const go = await vscode.window.showWarningMessage(
          'Generate a new OAuth secret?',
          { modal: true, detail: 'It replaces the secret stored in VS Code. The previous secret stays valid in Databricks until you delete it (Manage or Rotate Service Principal Secrets).' },
          'Generate',
        );
        if (go !== 'Generate') throw new UserCancelled();
      }
    }
    const created = await withCancellableProgress('Creating an OAuth secret…', (signal) => createSecret(backend, sp.id, { lifetimeDays, signal }));
    if (!created.ok) return this.fail(created.problem.message, scripted, created.problem.needsAccountAdmin);
    const info = created.value.info;
    const value = created.value.forSecretStorage.reveal();
    this.logger.masker.add(value);
    await this.secrets.setSp(c.host, { applicationId: sp.applicationId, clientSecret: value, secretId: info.id, expiresAt: info.expiresAt?.toISOString() });
    const warnings = [...target.target.warnings, ...created.warnings];
    this.log.info(`${c.host}: created OAuth secret ${info.id} (expires ${info.expiresAt?.toISOString() ?? 'never'}) via ${backend.via}; stored in SecretStorage`);
    this.changed(c.host);
    if (!scripted) {
      void vscode.window
        .showInformationMessage(
          `New OAuth secret stored in VS Code's SecretStorage${info.expiresAt ? `; it expires on ${info.expiresAt.toISOString().slice(0, 10)}` : ''}. It is never shown: use Copy Service Principal Secret to hand it to Zipher over a secure channel.`,
          'Copy Secret',
        )
        .then((choice) => {
          if (choice === 'Copy Secret') void vscode.commands.executeCommand('zipher.copySecret', { host: c.host });
        });
    }
    return { ok: true, host: c.host, applicationId: sp.applicationId, secretId: info.id, expiresAt: info.expiresAt?.toISOString(), via: backend.via, storedInSecretStorage: true, warnings };
  }

  /**
   * `zipher.manageSpSecrets {host?, delete?: string[]}` → {@link ManageSecretsResult}. Lists the
   * SP's secrets with expiry; interactively offers to delete old ones after a modal confirm.
   */
  async manageSpSecrets(args?: unknown): Promise<ManageSecretsResult> {
    const a = isObject(args) ? args : {};
    const scripted = isObject(args) && !('type' in a);
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    const target = await resolveSpTarget(c, this.accounts);
    if (!target.ok) return this.fail(target.message, scripted, target.needsAccountAdmin);
    const { sp, backend } = target.target;
    const listed = await withCancellableProgress('Listing OAuth secrets…', (signal) => listSecrets(backend, sp.id, { signal }));
    if (!listed.ok) return this.fail(listed.problem.message, scripted, listed.problem.needsAccountAdmin);
    const stored = await this.secrets.getSp(c.host);
    const storedId = stored?.applicationId === sp.applicationId ? stored.secretId : undefined;
    let rows = listed.value.secrets.map((s) => toRow(s, storedId));
    let toDelete: string[];
    if (scripted) {
      toDelete = Array.isArray(a.delete) ? a.delete.filter((x): x is string => typeof x === 'string') : [];
      const unknown = toDelete.filter((id) => !rows.some((r) => r.id === id));
      if (unknown.length) return failure(`No secret ${unknown.join(', ')} on this service principal.`);
    } else {
      toDelete = await this.pickSecretsToDelete(rows, stored?.applicationId === sp.applicationId && !storedId);
    }
    const deleted: string[] = [];
    const problems: string[] = [];
    for (const id of toDelete) {
      const done = await deleteSecret(backend, sp.id, id);
      if (done.ok) deleted.push(id);
      else problems.push(done.problem.message);
    }
    if (storedId && deleted.includes(storedId)) {
      // The stored value no longer works; keeping it would only mislead Verify and the status bar.
      await this.secrets.deleteSp(c.host);
      problems.push('The secret stored in VS Code was deleted in Databricks, so it was removed from SecretStorage too.');
    }
    rows = rows.filter((r) => !deleted.includes(r.id));
    if (deleted.length) {
      this.log.info(`${c.host}: deleted OAuth secret(s) ${deleted.join(', ')} via ${backend.via}`);
      this.changed(c.host);
    }
    const warnings = [...target.target.warnings, ...listed.warnings, ...problems];
    if (!scripted && toDelete.length) {
      const show = problems.length ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      void show(`Deleted ${deleted.length} of ${toDelete.length} secret(s).${problems.length ? ` ${problems.join(' ')}` : ''}`);
    }
    return { ok: true, host: c.host, via: backend.via, secrets: rows, deleted, limit: listed.value.limit, atLimit: rows.length >= listed.value.limit, warnings };
  }

  private async pickSecretsToDelete(rows: SecretRow[], storedUnidentified: boolean): Promise<string[]> {
    if (!rows.length) {
      void vscode.window.showInformationMessage('The service principal has no OAuth secret. Run "Zipher: Generate Service Principal Secret" to create one.');
      return [];
    }
    const items = rows.map((r) => ({
      label: `$(key) ${r.id}`,
      description: [r.stored ? 'stored in VS Code' : undefined, r.expiresAt ? `expires ${r.expiresAt.slice(0, 10)}${r.daysLeft !== undefined ? ` (${r.daysLeft < 0 ? 'expired' : `${r.daysLeft} days`})` : ''}` : 'no expiry', r.status && r.status !== 'ACTIVE' ? r.status : undefined]
        .filter(Boolean)
        .join(' · '),
      detail: r.createdAt ? `created ${r.createdAt.slice(0, 10)}` : undefined,
      id: r.id,
    }));
    const picks = await vscode.window.showQuickPick(items, {
      title: `OAuth secrets of Zipher's service principal — select the ones to delete${storedUnidentified ? ' (the secret stored in VS Code was entered by hand, so which one it is is not known)' : ''}`,
      canPickMany: true,
      ignoreFocusOut: true,
      placeHolder: 'Leave empty and press Enter to only look',
    });
    if (!picks || picks.length === 0) return [];
    const ids = picks.map((p) => p.id);
    const hitsStored = rows.some((r) => r.stored && ids.includes(r.id));
    const confirm = await vscode.window.showWarningMessage(
      `Delete ${ids.length} OAuth secret${ids.length === 1 ? '' : 's'}?`,
      {
        modal: true,
        detail: `${hitsStored ? 'One of them is the secret stored in VS Code: Zipher stops working with it at once. ' : ''}Anything still using a deleted secret (Zipher included) can no longer sign in. This cannot be undone.`,
      },
      'Delete',
    );
    if (confirm !== 'Delete') throw new UserCancelled();
    return ids;
  }

  private async promptAccount(workspaceHost: string | undefined): Promise<{ accountHost?: string; accountId: string; clientId: string; clientSecret: string }> {
    const derived = this.accounts.accountHostFor(workspaceHost);
    const accountHost = await vscode.window.showInputBox({
      title: 'Connect the Databricks account console (1/4)',
      prompt: 'Account console URL',
      value: derived ?? '',
      placeHolder: 'https://accounts.cloud.databricks.com',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Enter the account console URL.'),
    });
    if (accountHost === undefined) throw new UserCancelled();
    const accountId = await vscode.window.showInputBox({
      title: 'Connect the Databricks account console (2/4)',
      prompt: 'Account id (account console → your user menu)',
      ignoreFocusOut: true,
      validateInput: (v) => (isUuid(v.trim()) || /^[A-Za-z0-9-]{8,}$/.test(v.trim()) ? undefined : 'The account id looks like a UUID.'),
    });
    if (accountId === undefined) throw new UserCancelled();
    const clientId = await vscode.window.showInputBox({
      title: 'Connect the Databricks account console (3/4)',
      prompt: 'OAuth client id (application id) of a service principal with the account admin role',
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Enter the client id.'),
    });
    if (clientId === undefined) throw new UserCancelled();
    const clientSecret = await vscode.window.showInputBox({
      title: 'Connect the Databricks account console (4/4)',
      prompt: 'Its OAuth secret (kept in VS Code SecretStorage only)',
      password: true,
      ignoreFocusOut: true,
      validateInput: (v) => (v.trim() ? undefined : 'Enter the secret.'),
    });
    if (clientSecret === undefined) throw new UserCancelled();
    return { accountHost: accountHost.trim(), accountId: accountId.trim(), clientId: clientId.trim(), clientSecret: clientSecret.trim() };
  }

  private fail(message: string, scripted: boolean, needsAccountAdmin?: boolean): IdentityFailure {
    this.log.warn(message);
    if (!scripted) {
      const actions = needsAccountAdmin ? ['Connect Account Console'] : [];
      void vscode.window.showErrorMessage(message, ...actions).then((choice) => {
        if (choice === 'Connect Account Console') void vscode.commands.executeCommand('zipher.connectAccount');
      });
    }
    return failure(message, needsAccountAdmin);
  }
}

export function failure(message: string, needsAccountAdmin?: boolean): IdentityFailure {
  return needsAccountAdmin ? { ok: false, message, needsAccountAdmin } : { ok: false, message };
}

export function requireApi(c: Connection) {
  if (c.status !== 'connected' || !c.api) throw new Error(c.error?.message ?? `${c.host} is not connected.`);
  return c.api;
}

function toRow(s: SecretSummary, storedId: string | undefined): SecretRow {
  return { id: s.id, status: s.status, createdAt: s.createdAt?.toISOString(), expiresAt: s.expiresAt?.toISOString(), daysLeft: s.daysLeft, stored: s.id === storedId };
}

/** Lifetime in days: default 90, at most 730. */
export async function promptLifetime(): Promise<number> {
  const text = await vscode.window.showInputBox({
    title: 'OAuth secret lifetime',
    prompt: `Days until the secret expires (1–${MAX_SECRET_LIFETIME_DAYS}). A shorter lifetime limits the damage of a leak; you will need to rotate before it ends.`,
    value: String(DEFAULT_SECRET_LIFETIME_DAYS),
    ignoreFocusOut: true,
    validateInput: (v) => {
      const n = Number(v.trim());
      return Number.isInteger(n) && n >= 1 && n <= MAX_SECRET_LIFETIME_DAYS ? undefined : `Enter a whole number of days from 1 to ${MAX_SECRET_LIFETIME_DAYS}.`;
    },
  });
  if (text === undefined) throw new UserCancelled();
  return Number(text.trim());
}
