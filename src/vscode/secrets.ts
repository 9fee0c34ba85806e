import type * as vscode from 'vscode';
import type { Disposable, Listener } from '../onboarding/model';
import { orThrow, stringFields, type Checked } from './shapes';

/** What authenticates the admin against a workspace (profile auth stores nothing). */
export type AuthSecret = { type: 'pat'; token: string } | { type: 'oauth-m2m'; clientSecret: string };
const checkPat = stringFields({ type: { oneOf: ['pat'] }, token: {} });
const checkOAuth = stringFields({ type: { oneOf: ['oauth-m2m'] }, clientSecret: {} });
function checkAuthSecret(input: unknown): Checked<AuthSecret> {
  const type = typeof input === 'object' && input !== null ? (input as { type?: unknown }).type : undefined;
  if (type === 'pat') return checkPat(input);
  if (type === 'oauth-m2m') return checkOAuth(input);
  return { ok: false, reason: '"type" must be one of "pat", "oauth-m2m"' };
}

/** Zipher's service principal OAuth secret, kept so Verify can log in as the SP and the admin can copy it once. */
export interface SpSecret {
  applicationId: string;
  clientSecret: string;
  /** set when this extension generated the secret, so its expiry can be shown without a lookup */
  secretId?: string;
  expiresAt?: string;
}
const checkSpSecret: (input: unknown) => Checked<SpSecret> = stringFields({
  applicationId: {},
  clientSecret: {},
  secretId: { optional: true },
  expiresAt: { optional: true },
});

const PREFIX = 'zipher/';
const authKey = (host: string) => `${PREFIX}auth/${host}`;
const spKey = (host: string) => `${PREFIX}sp/${host}`;
/** An account admin's OAuth client secret, per Databricks account (not per workspace). */
const accountKey = (accountId: string) => `${PREFIX}account/${accountId}`;
export interface AccountSecret {
  clientId: string;
  clientSecret: string;
}
const checkAccountSecret: (input: unknown) => Checked<AccountSecret> = stringFields({ clientId: {}, clientSecret: {} });

/**
 * SecretStorage behind a small typed API: keys per workspace host, values validated
 * (a corrupt or foreign value reads as "absent" rather than crashing a command).
 */
export class SecretStore {
  private readonly listeners = new Set<Listener<string>>();
  private readonly subscription: vscode.Disposable;

  constructor(
    private readonly storage: vscode.SecretStorage,
    private readonly onSecretSeen: (secret: string) => void = () => undefined,
  ) {
    // Fires for changes made in other windows too.
    this.subscription = storage.onDidChange((e) => {
      const host = hostOfKey(e.key);
      if (host) for (const l of this.listeners) l(host);
    });
  }

  async getAuth(host: string): Promise<AuthSecret | undefined> {
    return this.read(authKey(host), checkAuthSecret, (v) => (v.type === 'pat' ? v.token : v.clientSecret));
  }

  async setAuth(host: string, value: AuthSecret): Promise<void> {
    await this.storage.store(authKey(host), JSON.stringify(orThrow(checkAuthSecret(value), 'workspace credential')));
  }

  async getSp(host: string): Promise<SpSecret | undefined> {
    return this.read(spKey(host), checkSpSecret, (v) => v.clientSecret);
  }

  async setSp(host: string, value: SpSecret): Promise<void> {
    await this.storage.store(spKey(host), JSON.stringify(orThrow(checkSpSecret(value), 'service principal secret')));
  }

  async deleteSp(host: string): Promise<void> {
    await this.storage.delete(spKey(host));
  }

  async getAccount(accountId: string): Promise<AccountSecret | undefined> {
    return this.read(accountKey(accountId), checkAccountSecret, (v) => v.clientSecret);
  }

  async setAccount(accountId: string, value: AccountSecret): Promise<void> {
    await this.storage.store(accountKey(accountId), JSON.stringify(orThrow(checkAccountSecret(value), 'account credential')));
  }

  async deleteAccount(accountId: string): Promise<void> {
    await this.storage.delete(accountKey(accountId));
  }

  async deleteAll(host: string): Promise<void> {
    await this.storage.delete(authKey(host));
    await this.storage.delete(spKey(host));
  }

  onDidChange(listener: Listener<string>): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  dispose(): void {
    this.listeners.clear();
    this.subscription.dispose();
  }

  private async read<T>(key: string, check: (input: unknown) => Checked<T>, secretOf: (v: T) => string): Promise<T | undefined> {
    const raw = await this.storage.get(key);
    if (raw === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const parsed = check(json);
    if (!parsed.ok) return undefined;
    this.onSecretSeen(secretOf(parsed.value));
    return parsed.value;
  }
}

function hostOfKey(key: string): string | undefined {
  for (const p of [`${PREFIX}auth/`, `${PREFIX}sp/`]) if (key.startsWith(p)) return key.slice(p.length);
  return undefined;
}
