/**
 * Workspace host handling: normalisation, cloud detection, and the account console host that
 * belongs to a workspace. Pure functions, no I/O.
 */
import { DatabricksError } from './errors';

export type Cloud = 'aws' | 'azure' | 'gcp' | 'unknown';

/** True for 127.0.0.0/8, localhost and [::1]: the only hosts that may use plain http. */
export function isLoopbackHostname(hostname: string): boolean {
  const h = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  if (h === 'localhost' || h === '::1') return true;
  return /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(h);
}

/**
 * `adb-1.2.azuredatabricks.net/?o=1#job/2` → `https://adb-1.2.azuredatabricks.net`.
 * Keeps the port: a fake workspace on `127.0.0.1:<port>` must stay reachable.
 */
export function normalizeHost(input: string): string {
  const raw = (input ?? '').trim();
  if (!raw) throw configError('The Databricks host is empty. Enter a workspace URL such as https://adb-123.4.azuredatabricks.net.');
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `https://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    throw configError(`"${raw}" is not a valid Databricks host. Enter a workspace URL such as https://adb-123.4.azuredatabricks.net.`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw configError(`"${raw}" uses ${url.protocol.replace(':', '')}; a Databricks host must start with https://.`);
  }
  if (!url.hostname) throw configError(`"${raw}" has no host name. Enter a workspace URL such as https://adb-123.4.azuredatabricks.net.`);
  if (url.protocol === 'http:' && !isLoopbackHostname(url.hostname)) {
    throw configError(`"${raw}" uses http; Databricks hosts must use https:// (plain http is allowed only for loopback addresses).`);
  }
  // URL.host already lower-cases and drops the scheme's default port.
  return `${url.protocol}//${url.host}`;
}

const CLOUD_SUFFIXES: [string, Cloud][] = [
  ['.azuredatabricks.net', 'azure'],
  ['.databricks.azure.us', 'azure'],
  ['.databricks.azure.cn', 'azure'],
  ['.gcp.databricks.com', 'gcp'],
  ['.cloud.databricks.com', 'aws'],
  ['.cloud.databricks.us', 'aws'],
];

function hostnameOf(host: string): string {
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(host) ? host : `https://${host}`).hostname.toLowerCase();
  } catch {
    return '';
  }
}

export function detectCloud(host: string): Cloud {
  const h = hostnameOf(host);
  for (const [suffix, cloud] of CLOUD_SUFFIXES) if (h.endsWith(suffix)) return cloud;
  return 'unknown';
}

/** The account console for a workspace host, or undefined when the cloud cannot be told. */
export function accountsHostFor(workspaceHost: string): string | undefined {
  const h = hostnameOf(workspaceHost);
  if (h.endsWith('.cloud.databricks.us')) return 'https://accounts.cloud.databricks.us';
  if (h.endsWith('.cloud.databricks.com')) return 'https://accounts.cloud.databricks.com';
  if (h.endsWith('.gcp.databricks.com')) return 'https://accounts.gcp.databricks.com';
  if (h.endsWith('.azuredatabricks.net')) return 'https://accounts.azuredatabricks.net';
  if (h.endsWith('.databricks.azure.us')) return 'https://accounts.azuredatabricks.us';
  if (h.endsWith('.databricks.azure.cn')) return 'https://accounts.azuredatabricks.cn';
  return undefined;
}

function configError(message: string): DatabricksError {
  return new DatabricksError({ kind: 'config', message });
}
