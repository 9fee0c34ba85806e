/** Turns a failure below HTTP (DNS, refused, reset, timeout, abort) into a DatabricksError. */
import { DatabricksError } from './errors';

const TIMEOUT_CODES = new Set(['ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'UND_ERR_CONNECT_TIMEOUT']);
/** Failures after which the server may never have seen the request, or may retry safely if idempotent. */
const RETRYABLE_NETWORK_CODES = new Set(['ECONNRESET', 'EPIPE', 'ECONNABORTED', 'ETIMEDOUT', 'ESOCKETTIMEDOUT', 'EAI_AGAIN', 'ERR_SOCKET_CONNECTION_TIMEOUT']);

export function errorCodeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  if (typeof code === 'string') return code;
  const cause = (e as { cause?: { code?: unknown } } | undefined)?.cause?.code;
  return typeof cause === 'string' ? cause : undefined;
}

export function isRetryableNetworkError(e: unknown): boolean {
  const code = errorCodeOf(e);
  if (code && RETRYABLE_NETWORK_CODES.has(code)) return true;
  return /socket hang up/i.test((e as Error | undefined)?.message ?? '');
}

export function transportError(e: unknown, where: { host: string; method: string; path: string }): DatabricksError {
  const code = errorCodeOf(e);
  const { host } = where;
  if (code && TIMEOUT_CODES.has(code)) {
    return new DatabricksError({ kind: 'timeout', message: `${where.method} ${where.path} to ${host} timed out.`, ...where });
  }
  const reason =
    code === 'ENOTFOUND' || code === 'EAI_AGAIN'
      ? `the host name ${hostnameOf(host)} could not be resolved`
      : code === 'ECONNREFUSED'
        ? 'the connection was refused'
        : code === 'ECONNRESET' || /socket hang up/i.test((e as Error | undefined)?.message ?? '')
          ? 'the connection was reset'
          : code === 'CERT_HAS_EXPIRED' || code === 'UNABLE_TO_VERIFY_LEAF_SIGNATURE' || code === 'SELF_SIGNED_CERT_IN_CHAIN' || code === 'DEPTH_ZERO_SELF_SIGNED_CERT'
            ? `the TLS certificate was not trusted (${code})`
            : code
              ? `network error ${code}`
              : 'a network error occurred';
  return new DatabricksError({ kind: 'network', message: `Could not reach ${host}: ${reason}.`, serverMessage: reason, ...where });
}

function hostnameOf(host: string): string {
  try {
    return new URL(host).hostname;
  } catch {
    return host;
  }
}
