/**
 * One error type for every failure the client can report, built from every error-body shape
 * Databricks is known to send (databricks-api.md §0), plus the sentence the UI shows.
 */
import type { ErrorKind } from './api';

export interface DatabricksErrorInit {
  kind: ErrorKind;
  message: string;
  status?: number;
  errorCode?: string | number;
  requestId?: string;
  method?: string;
  path?: string;
  host?: string;
  /** the server's own words, already scrubbed; what describeError quotes */
  serverMessage?: string;
  authType?: 'pat' | 'oauth-m2m';
  /** set when the failure came from the OAuth token endpoint */
  fromTokenEndpoint?: boolean;
  cause?: unknown;
}

export class DatabricksError extends Error {
  readonly kind: ErrorKind;
  readonly status?: number;
  readonly errorCode?: string | number;
  readonly requestId?: string;
  readonly method?: string;
  readonly path?: string;
  readonly host?: string;
  readonly serverMessage?: string;
  readonly authType?: 'pat' | 'oauth-m2m';
  readonly fromTokenEndpoint?: boolean;

  constructor(init: DatabricksErrorInit) {
    super(scrubPatterns(init.message), init.cause !== undefined ? { cause: init.cause } : undefined);
    this.name = 'DatabricksError';
    this.kind = init.kind;
    this.status = init.status;
    this.errorCode = init.errorCode;
    this.requestId = init.requestId;
    this.method = init.method;
    this.path = init.path;
    this.host = init.host;
    this.serverMessage = init.serverMessage === undefined ? undefined : scrubPatterns(init.serverMessage);
    this.authType = init.authType;
    this.fromTokenEndpoint = init.fromTokenEndpoint;
  }
}

export function isCancellation(e: unknown): boolean {
  if (e instanceof DatabricksError) return e.kind === 'cancelled';
  if (typeof e !== 'object' || e === null) return false;
  const name = (e as { name?: unknown }).name;
  const code = (e as { code?: unknown }).code;
  return name === 'AbortError' || name === 'CanceledError' || code === 'ERR_CANCELED' || code === 'ABORT_ERR';
}

// ---------------------------------------------------------------- scrubbing

/** Masks anything shaped like a credential. Value-based masking is added by `Redactor`. */
export function scrubPatterns(text: string): string {
  return text
    .replace(/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{4,}/gi, '$1 ***')
    .replace(/\b(client_secret|access_token|refresh_token|secret|password|token)(["']?\s*[=:]\s*["']?)[^\s&"',;}]+/gi, '$1$2***')
    .replace(/\bdapi[0-9a-f]{16,}(-\d+)?\b/gi, 'dapi***')
    .replace(/\bdose[0-9a-f]{16,}\b/gi, 'dose***');
}

/** Knows this client's secret values and removes them from any text that leaves the client. */
export class Redactor {
  private readonly secrets = new Set<string>();

  add(secret: string | undefined): void {
    // Very short values would mask ordinary words; real tokens and secrets are long.
    if (secret && secret.length >= 6) this.secrets.add(secret);
  }

  scrub(text: string): string {
    let out = text;
    for (const s of this.secrets) out = out.split(s).join('***');
    return scrubPatterns(out);
  }
}

// ---------------------------------------------------------------- body parsing

export interface ParsedErrorBody {
  errorCode?: string | number;
  message: string;
}

/** Turns any error body Databricks sends into a code and a readable message (never `{}`). */
export function parseErrorBody(status: number, statusText: string | undefined, body: string, contentType?: string): ParsedErrorBody {
  const fallback = (statusText && statusText.trim()) || `HTTP ${status}`;
  const text = (body ?? '').trim();
  if (!text) return { message: fallback };

  if (text.startsWith('{') || text.startsWith('[')) {
    try {
      const fromJson = fromJsonBody(JSON.parse(text));
      if (fromJson) return fromJson;
      return { message: fallback };
    } catch {
      // not JSON after all; fall through to text handling
    }
  }

  if (/html/i.test(contentType ?? '') || /^<(!doctype|html|head|body|pre|\?xml)/i.test(text)) {
    const pre = /<pre[^>]*>([\s\S]*?)<\/pre>/i.exec(text);
    const title = /<title[^>]*>([\s\S]*?)<\/title>/i.exec(text);
    const inner = pre?.[1] ?? title?.[1] ?? text;
    const plain = collapse(decodeEntities(inner.replace(/<[^>]+>/g, ' ')));
    return plain ? splitCode(plain) : { message: fallback };
  }

  return splitCode(collapse(text));
}

function fromJsonBody(json: unknown): ParsedErrorBody | undefined {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) return undefined;
  const o = json as Record<string, unknown>;
  const str = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : undefined);
  const code = (v: unknown) => (typeof v === 'string' && v.trim() ? v.trim() : typeof v === 'number' ? v : undefined);

  if (o.error_code !== undefined || o.message !== undefined) {
    const errorCode = code(o.error_code);
    const message = str(o.message) ?? (errorCode !== undefined ? String(errorCode) : undefined);
    if (message) return { errorCode, message };
  }
  if (o.error !== undefined) {
    // OAuth: {error, error_description}; some gateways send {error: {message}}.
    if (typeof o.error === 'object' && o.error !== null) {
      const inner = fromJsonBody(o.error);
      if (inner) return inner;
    }
    const errorCode = str(o.error);
    const message = str(o.error_description) ?? errorCode;
    if (message) return { errorCode, message };
  }
  if (o.detail !== undefined || o.scimType !== undefined) {
    const message = str(o.detail) ?? str(o.scimType);
    if (message) return { errorCode: str(o.scimType) ?? code(o.status), message };
  }
  return undefined;
}

/** `PERMISSION_DENIED: You cannot…` → code + message. */
function splitCode(text: string): ParsedErrorBody {
  const m = /^([A-Z][A-Z0-9_]{2,}):\s*([\s\S]+)$/.exec(text);
  return m ? { errorCode: m[1], message: m[2].trim() } : { message: text };
}

function collapse(s: string): string {
  const one = s.replace(/\s+/g, ' ').trim();
  return one.length > 500 ? `${one.slice(0, 500)}…` : one;
}

function decodeEntities(s: string): string {
  return s
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;|&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d)))
    .replace(/&amp;/g, '&');
}

// ---------------------------------------------------------------- classification

const RATE_LIMIT_CODES = new Set(['REQUEST_LIMIT_EXCEEDED', 'RESOURCE_EXHAUSTED', 'TOO_MANY_REQUESTS']);

export function isRateLimit(status: number, errorCode: string | number | undefined): boolean {
  return status === 429 || (typeof errorCode === 'string' && RATE_LIMIT_CODES.has(errorCode));
}

/** Maps an HTTP failure to what it means for the user. */
export function classifyHttpError(status: number, errorCode: string | number | undefined, message: string): ErrorKind {
  const code = typeof errorCode === 'string' ? errorCode.toUpperCase() : errorCode;
  if (isRateLimit(status, errorCode)) return 'rate-limit';
  if (/source ip address.*is blocked/i.test(message)) return 'ip-blocked';
  if (code === 'INVALID_CLIENT' || code === 'UNAUTHENTICATED' || code === 'INVALID_TOKEN') return 'auth';
  if (status === 401) return 'auth';
  if (status === 403) {
    if (code === 'PERMISSION_DENIED') return 'permission';
    if (typeof code === 'number' || /invalid access token|token.*(expired|invalid)|credential|authenticat|unauthori[sz]ed/i.test(message)) return 'auth';
    return 'permission';
  }
  if (status === 404 || code === 'RESOURCE_DOES_NOT_EXIST' || code === 'NOT_FOUND') return 'not-found';
  if (/^Job \d+ does not exist/i.test(message)) return 'not-found';
  if (code === 'PERMISSION_DENIED') return 'permission';
  if (status >= 500) return 'unavailable';
  return 'invalid';
}

// ---------------------------------------------------------------- the sentence the UI shows

/** One clear sentence: what is wrong and what to do. */
export function describeError(e: unknown): string {
  if (!(e instanceof DatabricksError)) {
    if (isCancellation(e)) return 'The operation was cancelled.';
    const msg = e instanceof Error ? e.message : typeof e === 'string' ? e : '';
    return msg ? scrubPatterns(msg) : 'An unexpected error occurred. See the Zipher log for details.';
  }
  const where = e.host ?? 'the workspace';
  const said = serverSays(e);
  switch (e.kind) {
    case 'auth':
      if (e.authType === 'oauth-m2m' || e.fromTokenEndpoint)
        return `Databricks rejected the OAuth client id/secret for ${where}${said}. Check the service principal's client id and secret (or create a new secret) and reconnect.`;
      return `Databricks rejected the access token for ${where}${said}. Create a new personal access token and reconnect.`;
    case 'ip-blocked':
      return `${where} blocked this machine's IP address${said}. Ask a workspace admin to add your IP address to the workspace's IP access list, or connect from an allowed network.`;
    case 'permission':
      return `You do not have permission for this on ${where}${said}. Ask a workspace admin, or someone with CAN_MANAGE on the object, to do it or to grant you access.`;
    case 'not-found':
      if (e.errorCode === 'ENDPOINT_NOT_FOUND')
        return `${where} does not offer ${e.method ?? ''} ${e.path ?? 'this API'}${said}. The workspace may not support this feature; check the host and the workspace's tier.`.replace('offer  ', 'offer ');
      return `${capitalize(e.serverMessage ?? 'The object was not found')}${/[.!?]$/.test(e.serverMessage ?? '') ? '' : '.'} It may have been deleted; refresh and try again.`;
    case 'invalid':
      if (e.errorCode === 'FEATURE_DISABLED')
        return `This feature is not enabled on ${where}${said}. Ask a workspace admin to enable it, or skip this step.`;
      return `Databricks refused the request${said}. Check the input and try again.`;
    case 'rate-limit':
      return `${where} is rate-limiting requests${said}. Wait a minute and try again, or lower the Zipher concurrency setting.`;
    case 'unavailable':
      return `${where} is temporarily unavailable${said}. Try again in a few minutes.`;
    case 'network':
      return `Could not reach ${where}${e.serverMessage ? ` (${e.serverMessage})` : ''}. Check the host name, your network connection and proxy settings.`;
    case 'timeout':
      return `${where} did not answer in time. Check your network and proxy settings, or try again later.`;
    case 'cancelled':
      return 'The operation was cancelled.';
    case 'not-databricks':
      return `${where} does not look like a Databricks workspace${said}. Check that the host is the workspace URL (for example https://adb-123.4.azuredatabricks.net) and that no proxy or login page is in the way.`;
    case 'bad-response':
      return `${where} sent an answer Zipher does not understand: ${e.message} Update the extension, or report this with the Zipher log.`;
    case 'config':
      return e.message;
  }
}

function serverSays(e: DatabricksError): string {
  const parts: string[] = [];
  if (e.status !== undefined) parts.push(String(e.status));
  if (e.serverMessage) parts.push(e.serverMessage.replace(/[.\s]+$/, ''));
  return parts.length ? ` (${parts.join(' ')})` : '';
}

function capitalize(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}
