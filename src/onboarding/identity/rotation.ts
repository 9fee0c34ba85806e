/**
 * Secret rotation as a resumable state machine:
 *   begin → create (new secret) → verify (a token is issued with it) → stored (caller saved it
 *   and handed it off) → delete-old (only after an explicit confirm) → done.
 * The state is plain JSON without the secret value, so the UI can persist it and resume. A failure
 * at any step leaves the old secrets in place.
 */
import type { CallOptions } from '../../databricks/api';
import type { SealedSecret } from './sealedSecret';
import { createSecret, deleteSecret, type SecretBackend } from './secrets';
import { attempt, ok, type Outcome } from './result';

/** Asks the token endpoint for a token with these credentials; never throws. */
export type TokenProbe = (clientId: string, secret: SealedSecret, signal?: AbortSignal) => Promise<TokenCheck>;
/** `refused`: the token endpoint rejected the credentials (as opposed to "could not tell"). */
export type TokenCheck = { ok: true } | { ok: false; refused: boolean; reason: string };

export type RotationPhase = 'ready' | 'created' | 'verified' | 'stored' | 'done' | 'failed' | 'abandoned';
export type RotationStepName = 'begin' | 'create' | 'verify' | 'store' | 'delete-old' | 'abandon';

export interface RotationStepRecord {
  step: RotationStepName;
  status: 'ok' | 'failed';
  at: string; // ISO
  detail: string;
}

export interface RotationState {
  spId: string;
  applicationId: string;
  via: SecretBackend['via'];
  phase: RotationPhase;
  /** secrets that existed when the rotation began: the only ones it may delete */
  oldSecretIds: string[];
  newSecretId?: string;
  newSecretExpiresAt?: string;
  steps: RotationStepRecord[];
}

export interface RotationOptions extends CallOptions {
  now?: () => Date;
}

function record(state: RotationState, step: RotationStepName, status: 'ok' | 'failed', detail: string, now: () => Date): RotationState {
  return { ...state, steps: [...state.steps, { step, status, at: now().toISOString(), detail }] };
}

/** What the UI should offer next. After a restart the new secret's value is gone: if the next
 * step is 'verify' or 'store' and the caller no longer holds it, call `abandonRotation`. */
export function nextRotationStep(state: RotationState): 'create' | 'verify' | 'store' | 'delete-old' | 'none' {
  switch (state.phase) {
    case 'ready':
      return 'create';
    case 'created':
      return 'verify';
    case 'verified':
      return 'store';
    case 'stored':
      return 'delete-old';
    case 'failed':
      // Retry the step that failed; with a new secret pending the caller may also abandon.
      return state.newSecretId ? 'verify' : 'create';
    default:
      return 'none';
  }
}

/** Starts a rotation: remembers which secrets are "old" (to delete at the end). */
export async function beginRotation(
  backend: SecretBackend,
  sp: { id: string; applicationId: string },
  opts: RotationOptions = {},
): Promise<Outcome<RotationState>> {
  const now = opts.now ?? (() => new Date());
  const listed = await attempt('Listing the current OAuth secrets', () => backend.list(sp.id, opts));
  if (!listed.ok) return listed;
  const state: RotationState = { spId: sp.id, applicationId: sp.applicationId, via: backend.via, phase: 'ready', oldSecretIds: listed.value.map((s) => s.id), steps: [] };
  return ok(record(state, 'begin', 'ok', `${state.oldSecretIds.length} existing secret(s) will be deleted once the new one is confirmed.`, now));
}

/** Step 1: creates the new secret. The sealed value is returned once; keep it for verify and store. */
export async function rotationCreate(
  backend: SecretBackend,
  state: RotationState,
  opts: RotationOptions & { lifetimeDays?: number } = {},
): Promise<{ state: RotationState; secret?: SealedSecret; warnings: string[] }> {
  const now = opts.now ?? (() => new Date());
  if (nextRotationStep(state) !== 'create') {
    return { state: record(state, 'create', 'failed', `A new secret was already created (rotation is at "${state.phase}").`, now), warnings: [] };
  }
  const created = await createSecret(backend, state.spId, { ...opts, now: now() });
  if (!created.ok) return { state: { ...record(state, 'create', 'failed', created.problem.message, now), phase: 'failed' }, warnings: [] };
  const next: RotationState = {
    ...record(state, 'create', 'ok', `Created secret ${created.value.info.id}.`, now),
    phase: 'created',
    newSecretId: created.value.info.id,
    newSecretExpiresAt: created.value.info.expiresAt?.toISOString(),
  };
  return { state: next, secret: created.value.forSecretStorage, warnings: created.warnings };
}

/** Step 2: proves a token can be issued with the new secret; retries briefly (new secrets can lag). */
export async function rotationVerify(
  state: RotationState,
  secret: SealedSecret,
  tryToken: TokenProbe,
  opts: RotationOptions & { attempts?: number; delayMs?: number } = {},
): Promise<RotationState> {
  const now = opts.now ?? (() => new Date());
  if (nextRotationStep(state) !== 'verify') return record(state, 'verify', 'failed', `Nothing to verify (rotation is at "${state.phase}").`, now);
  const attempts = Math.max(1, opts.attempts ?? 3);
  let last: TokenCheck = { ok: false, refused: false, reason: 'not tried' };
  for (let i = 0; i < attempts; i++) {
    if (opts.signal?.aborted) return { ...record(state, 'verify', 'failed', 'Cancelled; the old secrets are untouched.', now), phase: 'failed' };
    last = await tryToken(state.applicationId, secret, opts.signal);
    if (last.ok) return { ...record(state, 'verify', 'ok', 'A token was issued with the new secret.', now), phase: 'verified' };
    if (i + 1 < attempts) await sleep(opts.delayMs ?? 2000, opts.signal);
  }
  const detail = `No token could be issued with the new secret (${last.ok ? '' : last.reason}); the old secrets are untouched.`;
  return { ...record(state, 'verify', 'failed', detail, now), phase: 'failed' };
}

/** Step 3: the caller stored the new secret (SecretStorage) and handed it off to Zipher. */
export function rotationStored(state: RotationState, opts: { now?: () => Date } = {}): RotationState {
  const now = opts.now ?? (() => new Date());
  if (state.phase !== 'verified') return record(state, 'store', 'failed', `Store only a verified secret (rotation is at "${state.phase}").`, now);
  return { ...record(state, 'store', 'ok', 'The new secret was stored and handed off.', now), phase: 'stored' };
}

/** Step 4: deletes the old secrets; refuses unless `confirmed` is exactly true. */
export async function rotationDeleteOld(
  backend: SecretBackend,
  state: RotationState,
  confirmed: boolean,
  opts: RotationOptions = {},
): Promise<RotationState> {
  const now = opts.now ?? (() => new Date());
  if (state.phase !== 'stored') return record(state, 'delete-old', 'failed', `Old secrets are deleted only after the new one is verified and stored (rotation is at "${state.phase}").`, now);
  if (confirmed !== true) return record(state, 'delete-old', 'failed', 'Deleting the old secrets needs an explicit confirmation.', now);
  const failures: string[] = [];
  const remaining: string[] = [];
  for (const id of state.oldSecretIds) {
    if (id === state.newSecretId) continue;
    const done = await deleteSecret(backend, state.spId, id, opts);
    if (!done.ok) {
      failures.push(done.problem.message);
      remaining.push(id);
    }
  }
  if (failures.length) {
    // Stay in 'stored' so the confirm step can be retried for what is left.
    return { ...record({ ...state, oldSecretIds: remaining }, 'delete-old', 'failed', failures.join(' '), now) };
  }
  return { ...record(state, 'delete-old', 'ok', `Deleted ${state.oldSecretIds.length} old secret(s).`, now), phase: 'done' };
}

/** Gives up: deletes only the new secret (if any), never the old ones. */
export async function abandonRotation(backend: SecretBackend, state: RotationState, opts: RotationOptions = {}): Promise<RotationState> {
  const now = opts.now ?? (() => new Date());
  if (state.phase === 'done') return record(state, 'abandon', 'failed', 'The rotation already finished.', now);
  if (!state.newSecretId) return { ...record(state, 'abandon', 'ok', 'No new secret was created; nothing to undo.', now), phase: 'abandoned' };
  const done = await deleteSecret(backend, state.spId, state.newSecretId, opts);
  if (!done.ok) return record(state, 'abandon', 'failed', done.problem.message, now);
  return { ...record(state, 'abandon', 'ok', `Deleted the new secret ${state.newSecretId}; the old secrets are untouched.`, now), phase: 'abandoned' };
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
