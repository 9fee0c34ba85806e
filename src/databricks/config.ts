/**
 * Databricks unified auth configuration: `~/.databrickscfg` profiles and `DATABRICKS_*`
 * environment variables, resolved with the SDKs' precedence (explicit > env > profile file).
 * Messages name files and profiles, never secret values.
 */
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { DatabricksError } from './errors';
import { normalizeHost } from './host';

export type AuthConfig =
  | { type: 'pat'; token: string }
  | { type: 'oauth-m2m'; clientId: string; clientSecret: string }
  /** `profile: ''` means DATABRICKS_CONFIG_PROFILE, else DEFAULT, else environment variables only. */
  | { type: 'profile'; profile: string; configFile?: string };

/** Credentials after profile/env resolution: always one concrete method. */
export type ResolvedAuth = { type: 'pat'; token: string } | { type: 'oauth-m2m'; clientId: string; clientSecret: string };

export interface ResolvedConfig {
  host: string;
  auth: ResolvedAuth;
  accountId?: string;
  /** the profile the values came from, if any */
  profile?: string;
  configFile?: string;
}

export type ProfileAuthType = 'pat' | 'oauth-m2m' | 'unknown' | 'ambiguous';

export interface ProfileSummary {
  name: string;
  host?: string;
  authType: ProfileAuthType;
}

type Section = Map<string, string>;

// ---------------------------------------------------------------- INI

/** Parses the INI dialect of `.databrickscfg`. Throws kind 'config' naming the file and line. */
export function parseConfigFile(text: string, file: string): Map<string, Section> {
  const sections = new Map<string, Section>();
  let current: Section | undefined;
  let lastKey: string | undefined;
  const lines = text.replace(/^\uFEFF/, '').split(/\r?\n/);
  lines.forEach((line, i) => {
    const trimmed = line.trim();
    if (!trimmed || trimmed.startsWith('#') || trimmed.startsWith(';')) return;
    const header = /^\[\s*([^\]]*?)\s*\]$/.exec(trimmed);
    if (header) {
      if (!header[1]) throw malformed(file, i + 1, 'an empty section name');
      current = sections.get(header[1]) ?? new Map();
      sections.set(header[1], current);
      lastKey = undefined;
      return;
    }
    // configparser continuation line: indented text extends the previous value.
    if (/^\s/.test(line) && current && lastKey) {
      current.set(lastKey, `${current.get(lastKey) ?? ''}\n${trimmed}`.trim());
      return;
    }
    const kv = /^([^=:]+?)\s*[=:]\s*(.*)$/.exec(trimmed);
    if (!kv) throw malformed(file, i + 1, 'a line that is neither [section] nor key = value');
    if (!current) throw malformed(file, i + 1, 'a setting before the first [section]');
    lastKey = kv[1].trim().toLowerCase();
    current.set(lastKey, stripInlineComment(kv[2]).trim());
  });
  return sections;
}

function stripInlineComment(v: string): string {
  const m = /\s[#;]/.exec(v);
  return m ? v.slice(0, m.index) : v;
}

function malformed(file: string, line: number, what: string): DatabricksError {
  return new DatabricksError({
    kind: 'config',
    message: `The Databricks config file ${file} is malformed: line ${line} has ${what}. Fix the file or choose another auth method.`,
  });
}

export function defaultConfigFile(env: NodeJS.ProcessEnv = process.env): string {
  const fromEnv = env.DATABRICKS_CONFIG_FILE?.trim();
  const home = env.HOME || env.USERPROFILE || os.homedir();
  if (fromEnv) return fromEnv.startsWith('~') ? path.join(home, fromEnv.slice(1)) : fromEnv;
  return path.join(home, '.databrickscfg');
}

async function readConfig(file: string): Promise<Map<string, Section> | undefined> {
  let text: string;
  try {
    text = await fs.readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new DatabricksError({
      kind: 'config',
      message: `Could not read the Databricks config file ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'}).`,
    });
  }
  return parseConfigFile(text, file);
}

// ---------------------------------------------------------------- profiles

function authTypeOf(section: Section): ProfileAuthType {
  const explicit = section.get('auth_type')?.toLowerCase();
  if (explicit === 'pat') return 'pat';
  if (explicit === 'oauth-m2m') return 'oauth-m2m';
  if (explicit) return 'unknown';
  const pat = !!section.get('token');
  const m2m = !!section.get('client_id') && !!section.get('client_secret');
  if (pat && m2m) return 'ambiguous';
  return pat ? 'pat' : m2m ? 'oauth-m2m' : 'unknown';
}

/** Profiles in the config file (empty when the file does not exist). */
export async function listProfiles(opts: { configFile?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ProfileSummary[]> {
  const file = opts.configFile ?? defaultConfigFile(opts.env ?? process.env);
  const sections = await readConfig(file);
  if (!sections) return [];
  return [...sections].map(([name, s]) => {
    const rawHost = s.get('host');
    let host: string | undefined;
    if (rawHost) {
      try {
        host = normalizeHost(rawHost);
      } catch {
        host = rawHost;
      }
    }
    return { name, host, authType: authTypeOf(s) };
  });
}

// ---------------------------------------------------------------- resolution

interface Attrs {
  host?: string;
  token?: string;
  client_id?: string;
  client_secret?: string;
  account_id?: string;
  auth_type?: string;
}
const ATTRS: (keyof Attrs)[] = ['host', 'token', 'client_id', 'client_secret', 'account_id', 'auth_type'];
const ENV_NAMES: Record<keyof Attrs, string> = {
  host: 'DATABRICKS_HOST',
  token: 'DATABRICKS_TOKEN',
  client_id: 'DATABRICKS_CLIENT_ID',
  client_secret: 'DATABRICKS_CLIENT_SECRET',
  account_id: 'DATABRICKS_ACCOUNT_ID',
  auth_type: 'DATABRICKS_AUTH_TYPE',
};

function fromEnv(env: NodeJS.ProcessEnv): Attrs {
  const out: Attrs = {};
  for (const k of ATTRS) {
    const v = env[ENV_NAMES[k]]?.trim();
    if (v) out[k] = v;
  }
  return out;
}

function merge(...layers: Attrs[]): Attrs {
  const out: Attrs = {};
  for (const k of ATTRS) out[k] = layers.map((l) => l[k]).find((v) => v !== undefined && v !== '');
  return out;
}

/**
 * Resolves host and one concrete auth method. An explicit `pat`/`oauth-m2m` config picks the
 * method itself (like `auth_type`), so credentials in the environment cannot make it ambiguous.
 */
export async function resolveAuth(opts: { host?: string; auth: AuthConfig; env?: NodeJS.ProcessEnv }): Promise<ResolvedConfig> {
  const env = opts.env ?? process.env;
  const envAttrs = fromEnv(env);
  const auth = opts.auth;

  if (auth.type === 'pat' || auth.type === 'oauth-m2m') {
    const rawHost = opts.host ?? envAttrs.host;
    if (!rawHost) throw new DatabricksError({ kind: 'config', message: 'No Databricks host is configured. Enter the workspace URL.' });
    if (auth.type === 'pat' && !auth.token?.trim())
      throw new DatabricksError({ kind: 'config', message: 'The personal access token is empty. Paste a token and try again.' });
    if (auth.type === 'oauth-m2m' && (!auth.clientId?.trim() || !auth.clientSecret?.trim()))
      throw new DatabricksError({ kind: 'config', message: 'OAuth needs both a client id and a client secret. Enter both and try again.' });
    const resolvedAuth: ResolvedAuth =
      auth.type === 'pat' ? { type: 'pat', token: auth.token.trim() } : { type: 'oauth-m2m', clientId: auth.clientId.trim(), clientSecret: auth.clientSecret.trim() };
    return { host: normalizeHost(rawHost), auth: resolvedAuth, accountId: envAttrs.account_id };
  }

  const file = auth.configFile ?? defaultConfigFile(env);
  const named = auth.profile?.trim() || env.DATABRICKS_CONFIG_PROFILE?.trim() || undefined;
  const sections = await readConfig(file);
  let profileAttrs: Attrs = {};
  let profile: string | undefined;
  if (named) {
    if (!sections) throw new DatabricksError({ kind: 'config', message: `The Databricks config file ${file} does not exist, so profile "${named}" cannot be used. Create it with \`databricks configure\` or pick another auth method.` });
    const s = sections.get(named);
    if (!s) {
      const known = [...sections.keys()].join(', ') || 'none';
      throw new DatabricksError({ kind: 'config', message: `Profile "${named}" is not in the Databricks config file ${file} (profiles there: ${known}). Pick an existing profile.` });
    }
    profile = named;
    profileAttrs = Object.fromEntries(s) as Attrs;
  } else if (sections?.has('DEFAULT')) {
    profile = 'DEFAULT';
    profileAttrs = Object.fromEntries(sections.get('DEFAULT')!) as Attrs;
  }

  const a = merge({ host: opts.host }, envAttrs, profileAttrs);
  const source = profile ? `profile "${profile}" in ${file}` : 'the DATABRICKS_* environment variables';
  if (!a.host) throw new DatabricksError({ kind: 'config', message: `No host is set in ${source}. Add host = https://<workspace> to the profile or set DATABRICKS_HOST.` });

  const hasPat = !!a.token;
  const hasM2m = !!a.client_id && !!a.client_secret;
  const chosen = a.auth_type?.toLowerCase();
  let method: 'pat' | 'oauth-m2m';
  if (chosen) {
    if (chosen !== 'pat' && chosen !== 'oauth-m2m')
      throw new DatabricksError({ kind: 'config', message: `${capital(source)} uses auth_type = ${chosen}, which Zipher does not support. Use a personal access token (auth_type = pat) or OAuth M2M (auth_type = oauth-m2m).` });
    method = chosen;
    if (method === 'pat' && !hasPat) throw new DatabricksError({ kind: 'config', message: `${capital(source)} sets auth_type = pat but has no token. Add token = … or set DATABRICKS_TOKEN.` });
    if (method === 'oauth-m2m' && !hasM2m) throw new DatabricksError({ kind: 'config', message: `${capital(source)} sets auth_type = oauth-m2m but lacks client_id or client_secret. Add both.` });
  } else if (hasPat && hasM2m) {
    throw new DatabricksError({ kind: 'config', message: `${capital(source)}${envAttrs.token || envAttrs.client_id || envAttrs.client_secret ? ' together with the DATABRICKS_* environment variables' : ''} configures two auth methods: a token and a client id/secret. Remove one, or add auth_type = pat or auth_type = oauth-m2m to pick one.` });
  } else if (hasPat) {
    method = 'pat';
  } else if (hasM2m) {
    method = 'oauth-m2m';
  } else {
    throw new DatabricksError({ kind: 'config', message: `${capital(source)} has no credentials Zipher can use. Add token = … (personal access token) or client_id and client_secret (OAuth M2M).` });
  }

  const resolvedAuth: ResolvedAuth = method === 'pat' ? { type: 'pat', token: a.token! } : { type: 'oauth-m2m', clientId: a.client_id!, clientSecret: a.client_secret! };
  return { host: normalizeHost(a.host), auth: resolvedAuth, accountId: a.account_id, profile, configFile: sections ? file : undefined };
}

function capital(s: string): string {
  return s[0].toUpperCase() + s.slice(1);
}
