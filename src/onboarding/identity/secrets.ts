/**
 * OAuth secrets of Zipher's SP: create (returned sealed, for SecretStorage only), list with
 * expiry, delete, and the per-SP limit. Works through the account API (account admin) or the
 * workspace proxy (workspace admin; the SP must already be in the workspace).
 */
import type { AccountApi, CallOptions, CreatedOAuthSecret, OAuthSecretInfo, WorkspaceApi } from '../../databricks/api';
import { SealedSecret } from './sealedSecret';
import { attempt, fail, kindOf, ok, problemFrom, type Outcome } from './result';

export const DEFAULT_SECRET_LIFETIME_DAYS = 90;
export const MAX_SECRET_LIFETIME_DAYS = 730;
/** Per-SP limit as reported by users; not confirmed by Databricks documentation. */
export const SECRETS_PER_SP_LIMIT = 5;
const DAY_MS = 86_400_000;

/** Where secret calls go: the account console or the workspace's proxy of it. */
export interface SecretBackend {
  readonly via: 'account' | 'workspace';
  list(spId: string, opts?: CallOptions): Promise<OAuthSecretInfo[]>;
  create(spId: string, lifetimeSeconds: number, opts?: CallOptions): Promise<CreatedOAuthSecret>;
  delete(spId: string, secretId: string, opts?: CallOptions): Promise<void>;
}

/** Secret calls through the account API (needs an account admin). */
export function accountSecrets(account: AccountApi): SecretBackend {
  return {
    via: 'account',
    list: (spId, opts) => account.listSpSecrets(spId, opts),
    create: (spId, s, opts) => account.createSpSecret(spId, s, opts),
    delete: (spId, id, opts) => account.deleteSpSecret(spId, id, opts),
  };
}

/** Secret calls through the workspace proxy (workspace admin; SP already in the workspace). */
export function workspaceSecrets(workspace: WorkspaceApi): SecretBackend {
  return {
    via: 'workspace',
    list: (spId, opts) => workspace.listWorkspaceSpSecrets(spId, opts),
    create: (spId, s, opts) => workspace.createWorkspaceSpSecret(spId, s, opts),
    delete: (spId, id, opts) => workspace.deleteWorkspaceSpSecret(spId, id, opts),
  };
}

/** Which setup steps a workspace admin without account-admin rights cannot do. */
export const ACCOUNT_ADMIN_ONLY_STEPS: readonly string[] = [
  'Create the service principal',
  'Add the service principal to the workspace',
  'Deactivate the service principal',
];

/** A secret as the UI lists it: never the value. */
export interface SecretSummary {
  id: string;
  status?: string;
  createdAt?: Date;
  expiresAt?: Date;
  /** whole days until expiry (negative when expired); undefined when no expiry is known */
  daysLeft?: number;
}

export interface SecretListing {
  secrets: SecretSummary[];
  limit: number;
  atLimit: boolean;
  soonestExpiry?: Date;
}

/** A freshly created secret: metadata to show, and the value sealed for SecretStorage. */
export interface NewSecret {
  info: SecretSummary;
  /** store with SecretStorage; never display it */
  forSecretStorage: SealedSecret;
}

/** Checks a lifetime in whole days (1..730) and returns it in seconds. */
export function validateLifetimeDays(days: number | undefined): Outcome<number> {
  const d = days ?? DEFAULT_SECRET_LIFETIME_DAYS;
  if (!Number.isInteger(d) || d < 1 || d > MAX_SECRET_LIFETIME_DAYS) {
    return fail('validation', `A secret lifetime must be a whole number of days from 1 to ${MAX_SECRET_LIFETIME_DAYS}; got ${String(days)}.`);
  }
  return ok(d * 86_400);
}

function parseTime(s: string | undefined): Date | undefined {
  if (!s) return undefined;
  const t = Date.parse(s);
  return Number.isNaN(t) ? undefined : new Date(t);
}

/** Metadata of a secret with parsed dates. */
export function summarise(info: OAuthSecretInfo, now: Date = new Date()): SecretSummary {
  const expiresAt = parseTime(info.expire_time);
  return {
    id: info.id,
    status: info.status,
    createdAt: parseTime(info.create_time),
    expiresAt,
    daysLeft: expiresAt ? Math.floor((expiresAt.getTime() - now.getTime()) / DAY_MS) : undefined,
  };
}

/** The soonest expiry among active secrets; undefined when none has one. */
export function secretExpiry(secrets: readonly (SecretSummary | OAuthSecretInfo)[]): Date | undefined {
  let soonest: Date | undefined;
  for (const s of secrets) {
    if (s.status && s.status !== 'ACTIVE') continue;
    const at = 'expiresAt' in s ? s.expiresAt : parseTime((s as OAuthSecretInfo).expire_time);
    if (at && (!soonest || at < soonest)) soonest = at;
  }
  return soonest;
}

/** True when `expiry` falls within `days` from `now` (or has passed). */
export function expiresWithinDays(expiry: Date | undefined, days = 14, now: Date = new Date()): boolean {
  return expiry !== undefined && expiry.getTime() - now.getTime() <= days * DAY_MS;
}

/** Lists the SP's secrets with expiry, and whether it is at the per-SP limit. */
export async function listSecrets(backend: SecretBackend, spId: string, opts?: CallOptions & { now?: Date }): Promise<Outcome<SecretListing>> {
  const listed = await attempt('Listing the OAuth secrets', () => backend.list(spId, opts));
  if (!listed.ok) return withViaHint(listed, backend);
  const secrets = listed.value.map((s) => summarise(s, opts?.now));
  const atLimit = secrets.length >= SECRETS_PER_SP_LIMIT;
  const warnings = atLimit ? [limitSentence(secrets.length)] : [];
  return ok({ secrets, limit: SECRETS_PER_SP_LIMIT, atLimit, soonestExpiry: secretExpiry(secrets) }, warnings);
}

function limitSentence(count: number): string {
  return `The service principal has ${count} OAuth secrets; Databricks appears to allow at most ${SECRETS_PER_SP_LIMIT} per service principal (unconfirmed). Delete an unused one before creating another.`;
}

/** Creates a secret; the value comes back sealed and must go straight to SecretStorage. */
export async function createSecret(
  backend: SecretBackend,
  spId: string,
  opts?: CallOptions & { lifetimeDays?: number; now?: Date },
): Promise<Outcome<NewSecret>> {
  const lifetime = validateLifetimeDays(opts?.lifetimeDays);
  if (!lifetime.ok) return lifetime;
  const warnings: string[] = [];
  const before = await listSecrets(backend, spId, opts);
  if (before.ok && before.value.atLimit) warnings.push(...before.warnings);
  try {
    // Never retried: a lost answer would leave a secret nobody can read.
    const created = await backend.create(spId, lifetime.value, opts);
    return ok({ info: summarise(created, opts?.now), forSecretStorage: new SealedSecret(created.secret) }, warnings);
  } catch (e) {
    if (kindOf(e) === 'invalid') {
      return fail('secret-limit', `Databricks refused to create another OAuth secret. This usually means the service principal already has the maximum number (${SECRETS_PER_SP_LIMIT}, unconfirmed); delete an unused secret and try again.`);
    }
    return withViaHint({ ok: false, problem: problemFrom(e, 'Creating the OAuth secret') }, backend);
  }
}

/** Deletes one secret by id. A secret that is already gone counts as deleted. */
export async function deleteSecret(backend: SecretBackend, spId: string, secretId: string, opts?: CallOptions): Promise<Outcome<{ alreadyGone: boolean }>> {
  try {
    await backend.delete(spId, secretId, opts);
    return ok({ alreadyGone: false });
  } catch (e) {
    if (kindOf(e) === 'not-found') return ok({ alreadyGone: true });
    return withViaHint({ ok: false, problem: problemFrom(e, `Deleting OAuth secret ${secretId}`) }, backend);
  }
}

function withViaHint<T>(o: Outcome<T>, backend: SecretBackend): Outcome<T> {
  if (o.ok || (o.problem.kind !== 'permission' && o.problem.kind !== 'not-found')) return o;
  const hint =
    backend.via === 'account'
      ? ' Managing secrets in the account console needs a Databricks account admin; a workspace admin can use the workspace route once the service principal is in the workspace.'
      : ' Through the workspace, this needs a workspace admin and the service principal must already be added to the workspace (an account admin step).';
  return { ok: false, problem: { ...o.problem, message: o.problem.message + hint, needsAccountAdmin: backend.via === 'account' || undefined } };
}
