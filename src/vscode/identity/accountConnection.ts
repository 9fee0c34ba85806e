/**
 * The account console connection an account admin sets up once: host (default from the workspace
 * host's cloud), account id, OAuth M2M client id in settings, client secret in SecretStorage.
 * Without it the identity commands fall back to the workspace proxy endpoints.
 */
import type { AccountApi } from '../../databricks/api';
import { describeError } from '../../databricks/errors';
import { accountsHostFor, normalizeHost } from '../../databricks/host';
import { DEFAULT_SP_DISPLAY_NAME } from '../../onboarding/identity';
import type { Logger } from '../logging';
import { buildAgents } from '../network';
import type { SecretStore } from '../secrets';
import type { Settings } from '../settings';

export type AccountLookup =
  | { ok: true; account: AccountApi; accountHost: string }
  | { ok: false; configured: boolean; message: string };

export const ACCOUNT_ADMIN_HINT =
  'Connect the account console with "Zipher: Connect Account Console" (account id and an account admin\'s OAuth client), or ask a Databricks account admin to do this step.';

/** Builds account clients on demand, one per (account host, account id, client id). */
export class AccountConnections {
  private readonly clients = new Map<string, Promise<AccountApi>>();

  constructor(
    private readonly settings: Settings,
    private readonly secrets: SecretStore,
    private readonly logger: Logger,
  ) {}

  /** The account console host for a workspace: the setting, else the cloud's default. */
  accountHostFor(workspaceHost: string | undefined): string | undefined {
    const configured = this.settings.account().host;
    if (configured) return normalizeHost(configured);
    return workspaceHost ? accountsHostFor(workspaceHost) : undefined;
  }

  /** True when settings and SecretStorage hold a complete account connection. */
  async isConfigured(): Promise<boolean> {
    const s = this.settings.account();
    return !!(s.accountId && s.clientId && (await this.secrets.getAccount(s.accountId)));
  }

  /** The account client for this workspace, or why there is none (no call is made). */
  async forWorkspace(workspaceHost: string | undefined): Promise<AccountLookup> {
    const s = this.settings.account();
    if (!s.accountId || !s.clientId) return { ok: false, configured: false, message: `No account console connection is set up. ${ACCOUNT_ADMIN_HINT}` };
    const stored = await this.secrets.getAccount(s.accountId);
    if (!stored || stored.clientId !== s.clientId) {
      return { ok: false, configured: false, message: `No OAuth secret is stored for the account admin client ${s.clientId}. ${ACCOUNT_ADMIN_HINT}` };
    }
    let accountHost: string | undefined;
    try {
      accountHost = this.accountHostFor(workspaceHost);
    } catch (e) {
      return { ok: false, configured: true, message: `zipher.account.host is not a valid URL: ${describeError(e)}` };
    }
    if (!accountHost) return { ok: false, configured: true, message: 'The account console host cannot be told from this workspace\'s URL; set zipher.account.host.' };
    const key = `${accountHost}|${s.accountId}|${s.clientId}`;
    let client = this.clients.get(key);
    if (!client) {
      client = this.create(accountHost, s.accountId, s.clientId, stored.clientSecret);
      this.clients.set(key, client);
      client.catch(() => this.clients.delete(key));
    }
    try {
      return { ok: true, account: await client, accountHost };
    } catch (e) {
      return { ok: false, configured: true, message: describeError(e) };
    }
  }

  /**
   * Checks the credentials with one cheap account call before anything is saved; a refusal saves
   * nothing. Returns the host used.
   */
  async connect(input: { workspaceHost?: string; accountHost?: string; accountId: string; clientId: string; clientSecret: string }, signal?: AbortSignal): Promise<{ ok: true; accountHost: string } | { ok: false; message: string }> {
    this.logger.masker.add(input.clientSecret);
    let accountHost: string | undefined;
    try {
      accountHost = input.accountHost ? normalizeHost(input.accountHost) : this.accountHostFor(input.workspaceHost);
    } catch (e) {
      return { ok: false, message: describeError(e) };
    }
    if (!accountHost) return { ok: false, message: 'The account console host cannot be told from the workspace URL; pass it (e.g. https://accounts.cloud.databricks.com).' };
    try {
      const client = await this.create(accountHost, input.accountId.trim(), input.clientId.trim(), input.clientSecret);
      // Listing by the default name is cheap and needs exactly the rights the later steps need.
      await client.listServicePrincipals(`displayName eq "${DEFAULT_SP_DISPLAY_NAME}"`, { signal });
    } catch (e) {
      return { ok: false, message: `The account console refused these credentials: ${describeError(e)}` };
    }
    await this.secrets.setAccount(input.accountId.trim(), { clientId: input.clientId.trim(), clientSecret: input.clientSecret });
    const derived = input.workspaceHost ? accountsHostFor(input.workspaceHost) : undefined;
    await this.settings.updateAccount({ host: accountHost === derived ? undefined : accountHost, accountId: input.accountId.trim(), clientId: input.clientId.trim() });
    this.clients.clear();
    return { ok: true, accountHost };
  }

  /** Forgets cached clients (settings or secret changed). */
  reset(): void {
    this.clients.clear();
  }

  private async create(host: string, accountId: string, clientId: string, clientSecret: string): Promise<AccountApi> {
    const agents = await buildAgents(this.settings.network(), host);
    // Loaded on first use, like the workspace client: axios and zod stay off the activation path.
    const { createAccountClient } = await import('../../databricks');
    return createAccountClient({
      host,
      accountId,
      auth: { type: 'oauth-m2m', clientId, clientSecret },
      logger: this.logger.for('http'),
      httpAgent: agents.httpAgent,
      httpsAgent: agents.httpsAgent,
      userAgent: 'zipher-vscode',
    });
  }
}
