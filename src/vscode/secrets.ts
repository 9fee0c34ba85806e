import type * as vscode from 'vscode';
import { z } from 'zod';
import type { Disposable, Listener } from '../onboarding/model';

/** What authenticates the admin against a workspace (profile auth stores nothing). */
const authSecretSchema = z.discriminatedUnion('type', [
  z.object({ type: z.literal('pat'), token: z.string().min(1) }),
  z.object({ type: z.literal('oauth-m2m'), clientSecret: z.string().min(1) }),
]);
export type AuthSecret = z.infer<typeof authSecretSchema>;

/** Zipher's service principal OAuth secret, kept so Verify can log in as the SP and the admin can copy it once. */
const spSecretSchema = z.object({
  applicationId: z.string().min(1),
  clientSecret: z.string().min(1),
  /** set when this extension generated the secret, so its expiry can be shown without a lookup */
  secretId: z.string().min(1).optional(),
  expiresAt: z.string().min(1).optional(),
});
export type SpSecret = z.infer<typeof spSecretSchema>;

const PREFIX = 'zipher/';
const authKey = (host: string) => `${PREFIX}auth/${host}`;
const spKey = (host: string) => `${PREFIX}sp/${host}`;
/** An account admin's OAuth client secret, per Databricks account (not per workspace). */
const accountKey = (accountId: string) => `${PREFIX}account/${accountId}`;
const accountSecretSchema = z.object({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
export type AccountSecret = z.infer<typeof accountSecretSchema>;

/**
 * SecretStorage behind a small typed API: keys per workspace host, values validated with zod
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
    return this.read(authKey(host), authSecretSchema, (v) => (v.type === 'pat' ? v.token : v.clientSecret));
  }

  async setAuth(host: string, value: AuthSecret): Promise<void> {
    await this.storage.store(authKey(host), JSON.stringify(authSecretSchema.parse(value)));
  }

  async getSp(host: string): Promise<SpSecret | undefined> {
    return this.read(spKey(host), spSecretSchema, (v) => v.clientSecret);
  }

  async setSp(host: string, value: SpSecret): Promise<void> {
    await this.storage.store(spKey(host), JSON.stringify(spSecretSchema.parse(value)));
  }

  async deleteSp(host: string): Promise<void> {
    await this.storage.delete(spKey(host));
  }

  async getAccount(accountId: string): Promise<AccountSecret | undefined> {
    return this.read(accountKey(accountId), accountSecretSchema, (v) => v.clientSecret);
  }

  async setAccount(accountId: string, value: AccountSecret): Promise<void> {
    await this.storage.store(accountKey(accountId), JSON.stringify(accountSecretSchema.parse(value)));
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

  private async read<T>(key: string, schema: z.ZodType<T>, secretOf: (v: T) => string): Promise<T | undefined> {
    const raw = await this.storage.get(key);
    if (raw === undefined) return undefined;
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      return undefined;
    }
    const parsed = schema.safeParse(json);
    if (!parsed.success) return undefined;
    this.onSecretSeen(secretOf(parsed.data));
    return parsed.data;
  }
}

function hostOfKey(key: string): string | undefined {
  for (const p of [`${PREFIX}auth/`, `${PREFIX}sp/`]) if (key.startsWith(p)) return key.slice(p.length);
  return undefined;
}
