import * as vscode from 'vscode';
import {
  abandonRotation,
  beginRotation,
  nextRotationStep,
  rotationCreate,
  rotationDeleteOld,
  rotationStored,
  rotationVerify,
  validateLifetimeDays,
  workspaceTokenProbe,
  DEFAULT_SECRET_LIFETIME_DAYS,
  type RotationState,
  type SealedSecret,
  type SecretBackend,
} from '../../onboarding/identity';
import { hostFromTreeArg, resolveConnection, withCancellableProgress } from '../commands/interaction';
import { UserCancelled } from '../commands/register';
import { isObject } from '../commands/workspaceCommands';
import type { Connection, ConnectionManager } from '../connections';
import type { ComponentLogger, Logger } from '../logging';
import { buildAgents } from '../network';
import type { SecretStore } from '../secrets';
import type { Settings } from '../settings';
import type { AccountConnections } from './accountConnection';
import type { RotateSecretResult } from './results';
import { failure, promptLifetime, type ChangeNotifier } from './spCommands';
import { resolveSpTarget } from './spTarget';

const STATE_KEY = (host: string) => `zipher.rotation/${host}`;

/** Where rotation state lives between sessions: plain JSON, never the secret. */
export interface RotationStateStore {
  get(host: string): RotationState | undefined;
  set(host: string, state: RotationState | undefined): Thenable<void>;
}

export function mementoRotationStore(memento: vscode.Memento): RotationStateStore {
  return {
    get: (host) => memento.get<RotationState>(STATE_KEY(host)),
    set: (host, state) => memento.update(STATE_KEY(host), state),
  };
}

/**
 * `zipher.rotateSpSecret`: begin → create → verify (a token is issued) → store (SecretStorage) →
 * delete the old secrets only after a modal confirm. The state survives restarts; the new secret's
 * value only lives in memory until it is stored.
 */
export class RotationCommand {
  /** new secret values between create and store, per host; never persisted */
  private readonly pending = new Map<string, SealedSecret>();

  constructor(
    private readonly connections: ConnectionManager,
    private readonly accounts: AccountConnections,
    private readonly secrets: SecretStore,
    private readonly settings: Settings,
    private readonly store: RotationStateStore,
    private readonly logger: Logger,
    private readonly log: ComponentLogger,
    private readonly changed: ChangeNotifier,
  ) {}

  /** Rotation state per host (tests read it). */
  stateOf(host: string): RotationState | undefined {
    return this.store.get(host);
  }

  /** `zipher.rotateSpSecret {host?, lifetimeDays?, confirmDeleteOld?, abandon?}` → {@link RotateSecretResult}. */
  async rotate(args?: unknown): Promise<RotateSecretResult> {
    const a = isObject(args) ? args : {};
    const scripted = isObject(args) && !('type' in a);
    const c = await resolveConnection(this.connections, hostFromTreeArg(args), { interactive: !scripted });
    const target = await resolveSpTarget(c, this.accounts);
    if (!target.ok) return this.fail(target.message, scripted, target.needsAccountAdmin);
    const { sp, backend } = target.target;
    let state = this.store.get(c.host);
    if (state && (state.applicationId !== sp.applicationId || state.via !== backend.via)) {
      // The SP or the route changed since: that rotation's ids mean nothing here any more.
      state = undefined;
    }

    if (a.abandon === true) {
      if (!state) return this.fail('No rotation is in progress.', scripted);
      state = await abandonRotation(backend, state);
      this.pending.delete(c.host);
      await this.save(c.host, state);
      return this.finish(c, state, scripted);
    }

    if (!state || state.phase === 'done' || state.phase === 'abandoned') {
      let lifetimeDays = typeof a.lifetimeDays === 'number' ? a.lifetimeDays : DEFAULT_SECRET_LIFETIME_DAYS;
      if (!scripted) {
        const go = await vscode.window.showInformationMessage(
          'Rotate the OAuth secret of Zipher\'s service principal?',
          {
            modal: true,
            detail: 'A new secret is created, proven to work, and stored in VS Code. The old secrets are deleted only after you confirm that Zipher has the new one. A failure at any step leaves the old secrets in place.',
          },
          'Start Rotation',
        );
        if (go !== 'Start Rotation') throw new UserCancelled();
        lifetimeDays = await promptLifetime();
      }
      const lifetime = validateLifetimeDays(lifetimeDays);
      if (!lifetime.ok) return this.fail(lifetime.problem.message, scripted);
      const begun = await beginRotation(backend, sp);
      if (!begun.ok) return this.fail(begun.problem.message, scripted, begun.problem.needsAccountAdmin);
      state = begun.value;
      await this.save(c.host, state);
      state = await this.create(c, backend, state, lifetimeDays);
    } else if (nextRotationStep(state) === 'create') {
      state = await this.create(c, backend, state, typeof a.lifetimeDays === 'number' ? a.lifetimeDays : DEFAULT_SECRET_LIFETIME_DAYS);
    }

    if (nextRotationStep(state) === 'verify' || nextRotationStep(state) === 'store') {
      const secret = this.pending.get(c.host);
      if (!secret) {
        // VS Code was restarted (or another window began it): the new value is gone for good.
        this.log.warn(`${c.host}: the new secret of an interrupted rotation is no longer held; deleting it`);
        state = await abandonRotation(backend, state);
        await this.save(c.host, state);
        return this.finish(c, state, scripted, 'The new secret of an interrupted rotation was no longer available (it is never kept outside SecretStorage), so it was deleted. Run Rotate again to start over.');
      }
      if (nextRotationStep(state) === 'verify') state = await this.verify(c, state, secret);
      if (state.phase === 'verified') {
        await this.secrets.setSp(c.host, { applicationId: sp.applicationId, clientSecret: secret.reveal(), secretId: state.newSecretId, expiresAt: state.newSecretExpiresAt });
        this.pending.delete(c.host);
        state = rotationStored(state);
        await this.save(c.host, state);
        this.changed(c.host);
      }
    }

    if (state.phase === 'stored') {
      const confirmed = scripted ? a.confirmDeleteOld === true : await this.confirmDeleteOld(c, state);
      if (confirmed) {
        state = await rotationDeleteOld(backend, state, true);
        await this.save(c.host, state);
        this.changed(c.host);
      }
    }
    return this.finish(c, state, scripted);
  }

  private async create(c: Connection, backend: SecretBackend, state: RotationState, lifetimeDays: number): Promise<RotationState> {
    const created = await withCancellableProgress('Rotation: creating the new secret…', (signal) => rotationCreate(backend, state, { lifetimeDays, signal }));
    if (created.secret) {
      this.logger.masker.add(created.secret.reveal());
      this.pending.set(c.host, created.secret);
    }
    for (const w of created.warnings) this.log.warn(`${c.host}: ${w}`);
    await this.save(c.host, created.state);
    return created.state;
  }

  private async verify(c: Connection, state: RotationState, secret: SealedSecret): Promise<RotationState> {
    const agents = await buildAgents(this.settings.network(), c.host);
    const probe = workspaceTokenProbe(c.host, { httpAgent: agents.httpAgent, httpsAgent: agents.httpsAgent, userAgent: 'zipher-vscode' });
    const next = await withCancellableProgress('Rotation: proving the new secret yields a token…', (signal) => rotationVerify(state, secret, probe, { signal }));
    await this.save(c.host, next);
    return next;
  }

  private async confirmDeleteOld(c: Connection, state: RotationState): Promise<boolean> {
    const old = state.oldSecretIds.filter((id) => id !== state.newSecretId);
    if (old.length === 0) return true;
    for (;;) {
      const choice = await vscode.window.showWarningMessage(
        `The new secret works and is stored in VS Code. Delete the ${old.length} old secret${old.length === 1 ? '' : 's'} now?`,
        {
          modal: true,
          detail: `Only confirm once Zipher has the new secret: anything still using an old one (Zipher included) stops signing in at once. Old secret id(s): ${old.join(', ')}. You can also finish later by running Rotate again.`,
        },
        'Delete Old Secrets',
        'Copy New Secret',
      );
      if (choice === 'Delete Old Secrets') return true;
      if (choice !== 'Copy New Secret') return false;
      await vscode.commands.executeCommand('zipher.copySecret', { host: c.host });
    }
  }

  private async save(host: string, state: RotationState): Promise<void> {
    await this.store.set(host, state);
    const last = state.steps[state.steps.length - 1];
    if (last) this.log.info(`${host}: rotation ${last.step} ${last.status} — ${last.detail}`);
  }

  private finish(c: Connection, state: RotationState, scripted: boolean, extra?: string): RotateSecretResult {
    const last = state.steps[state.steps.length - 1];
    const sentence =
      extra ??
      (state.phase === 'done'
        ? 'Rotation finished: the new secret is stored and the old secrets are deleted.'
        : state.phase === 'stored'
          ? 'The new secret is stored. Run "Zipher: Rotate Service Principal Secret" again to delete the old secrets once Zipher has it.'
          : state.phase === 'abandoned'
            ? last?.detail ?? 'Rotation abandoned; the old secrets are untouched.'
            : `Rotation stopped: ${last?.detail ?? state.phase}. Run Rotate again to retry, or abandon it.`);
    if (!scripted) {
      const failed = state.phase === 'failed' || last?.status === 'failed';
      const show = failed ? vscode.window.showWarningMessage : vscode.window.showInformationMessage;
      const actions = state.phase === 'failed' && state.newSecretId ? ['Abandon Rotation'] : [];
      void show(sentence, ...actions).then((choice) => {
        if (choice === 'Abandon Rotation') void vscode.commands.executeCommand('zipher.rotateSpSecret', { host: c.host, abandon: true });
      });
    }
    return { ok: true, host: c.host, state, next: sentence };
  }

  private fail(message: string, scripted: boolean, needsAccountAdmin?: boolean) {
    this.log.warn(message);
    if (!scripted) void vscode.window.showErrorMessage(message);
    return failure(message, needsAccountAdmin);
  }
}
