import * as vscode from 'vscode';
import { normalizeHost } from '../databricks/host';
import { DEFAULT_PLAN_OPTIONS, type PlanOptions } from '../onboarding/model';
import { stringFields } from './shapes';

export type AuthMethod = 'pat' | 'oauth-m2m' | 'profile';

/** One entry of the `zipher.workspaces` user setting (never a secret). */
export interface WorkspaceConfig {
  host: string;
  auth: AuthMethod;
  profile?: string;
  clientId?: string;
  /** Zipher's service principal application id */
  servicePrincipal?: string;
}

const AUTH_METHODS: readonly AuthMethod[] = ['pat', 'oauth-m2m', 'profile'];

const checkWorkspaceEntry = stringFields({
  host: {},
  auth: { oneOf: AUTH_METHODS },
  profile: { optional: true },
  clientId: { optional: true },
  servicePrincipal: { optional: true },
});

export interface NetworkSettings {
  proxy?: string;
  noProxy: string[];
  strictSSL: boolean;
  caFile?: string;
}

export type SettingsArea = 'workspaces' | 'network' | 'concurrency' | 'grants' | 'egress' | 'account';

/** The account console connection (`zipher.account.*`); the admin's secret is in SecretStorage. */
export interface AccountSettings {
  /** empty = derived from the workspace host's cloud */
  host?: string;
  accountId?: string;
  clientId?: string;
}

export interface InvalidEntry {
  index: number;
  message: string;
}

/** Typed reads and writes of the extension's settings. */
export class Settings {
  constructor(private readonly configuration: typeof vscode.workspace = vscode.workspace) {}

  /** Valid entries with normalised hosts; invalid ones are reported, not thrown. */
  workspaces(): { valid: WorkspaceConfig[]; invalid: InvalidEntry[] } {
    const raw = this.configuration.getConfiguration('zipher').get<unknown[]>('workspaces') ?? [];
    const valid: WorkspaceConfig[] = [];
    const invalid: InvalidEntry[] = [];
    const seen = new Set<string>();
    (Array.isArray(raw) ? raw : []).forEach((entry, index) => {
      const parsed = checkWorkspaceEntry(entry);
      if (!parsed.ok) {
        invalid.push({ index, message: `Entry ${index + 1} of zipher.workspaces is not valid (${parsed.reason}).` });
        return;
      }
      let host: string;
      try {
        host = normalizeHost(parsed.value.host);
      } catch (e) {
        invalid.push({ index, message: `Entry ${index + 1} of zipher.workspaces has a bad host: ${(e as Error).message}` });
        return;
      }
      if (seen.has(host)) return;
      seen.add(host);
      valid.push(stripUndefined({ ...parsed.value, host }));
    });
    return { valid, invalid };
  }

  async upsertWorkspace(entry: WorkspaceConfig): Promise<void> {
    const list = this.rawWorkspaces().filter((w) => !sameHost(w, entry.host));
    list.push(stripUndefined(entry));
    await this.writeWorkspaces(list);
  }

  async updateWorkspace(host: string, patch: Partial<WorkspaceConfig>): Promise<void> {
    const list = this.rawWorkspaces().map((w) => (sameHost(w, host) ? stripUndefined({ ...(w as object), ...patch } as WorkspaceConfig) : w));
    await this.writeWorkspaces(list);
  }

  async removeWorkspace(host: string): Promise<void> {
    await this.writeWorkspaces(this.rawWorkspaces().filter((w) => !sameHost(w, host)));
  }

  maxConcurrentRequests(): number {
    const n = this.configuration.getConfiguration('zipher').get<number>('maxConcurrentRequests', 20);
    return Number.isFinite(n) && n >= 1 ? Math.min(Math.floor(n), 200) : 20;
  }

  planOptions(): PlanOptions {
    const c = this.configuration.getConfiguration('zipher.grants');
    const pool = c.get<string>('poolLevel', DEFAULT_PLAN_OPTIONS.poolLevel);
    return {
      poolLevel: pool === 'CAN_MANAGE' ? 'CAN_MANAGE' : 'CAN_ATTACH_TO',
      includeSecretScopes: c.get<boolean>('includeSecretScopes', false) === true,
      includeWarehouses: c.get<boolean>('includeWarehouses', false) === true,
    };
  }

  /** `zipher.egressIps` split into well-formed entries and rejected ones (with reasons). */
  egressIps(): { entries: string[]; invalid: { input: string; reason: string }[] } {
    const raw = this.configuration.getConfiguration('zipher').get<unknown>('egressIps');
    const list = Array.isArray(raw) ? raw : [];
    const entries = list.filter((v): v is string => typeof v === 'string' && v.trim() !== '').map((v) => v.trim());
    const invalid = list.filter((v) => typeof v !== 'string').map((v) => ({ input: String(v), reason: 'not a string' }));
    return { entries, invalid };
  }

  async setEgressIps(entries: string[]): Promise<void> {
    await this.configuration.getConfiguration('zipher').update('egressIps', entries, vscode.ConfigurationTarget.Global);
  }

  account(): AccountSettings {
    const c = this.configuration.getConfiguration('zipher.account');
    const text = (key: string) => c.get<string>(key)?.trim() || undefined;
    return stripUndefined({ host: text('host'), accountId: text('accountId'), clientId: text('clientId') });
  }

  async updateAccount(value: AccountSettings): Promise<void> {
    const c = this.configuration.getConfiguration('zipher.account');
    for (const key of ['host', 'accountId', 'clientId'] as const) {
      await c.update(key, value[key] || undefined, vscode.ConfigurationTarget.Global);
    }
  }

  network(): NetworkSettings {
    const http = this.configuration.getConfiguration('http');
    const caFile = this.configuration.getConfiguration('zipher').get<string>('caFile')?.trim();
    const proxy = http.get<string>('proxy')?.trim();
    return {
      proxy: proxy || undefined,
      noProxy: http.get<string[]>('noProxy', []) ?? [],
      strictSSL: http.get<boolean>('proxyStrictSSL', true) !== false,
      caFile: caFile || undefined,
    };
  }

  onDidChange(listener: (area: SettingsArea) => void): vscode.Disposable {
    return this.configuration.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('zipher.workspaces')) listener('workspaces');
      if (e.affectsConfiguration('zipher.maxConcurrentRequests')) listener('concurrency');
      if (e.affectsConfiguration('zipher.grants')) listener('grants');
      if (e.affectsConfiguration('zipher.egressIps')) listener('egress');
      if (e.affectsConfiguration('zipher.account')) listener('account');
      if (e.affectsConfiguration('zipher.caFile') || e.affectsConfiguration('http.proxy') || e.affectsConfiguration('http.proxyStrictSSL') || e.affectsConfiguration('http.noProxy')) {
        listener('network');
      }
    });
  }

  private rawWorkspaces(): unknown[] {
    const raw = this.configuration.getConfiguration('zipher').inspect<unknown[]>('workspaces')?.globalValue;
    return Array.isArray(raw) ? [...raw] : [];
  }

  private async writeWorkspaces(list: unknown[]): Promise<void> {
    await this.configuration.getConfiguration('zipher').update('workspaces', list, vscode.ConfigurationTarget.Global);
  }
}

function sameHost(entry: unknown, host: string): boolean {
  if (!entry || typeof entry !== 'object' || typeof (entry as { host?: unknown }).host !== 'string') return false;
  try {
    return normalizeHost((entry as { host: string }).host) === host;
  } catch {
    return false;
  }
}

function stripUndefined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}
