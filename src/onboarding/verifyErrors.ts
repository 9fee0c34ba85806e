/**
 * Turns a failed call into the kind of failure and one sentence that tells an admin what to do.
 * Duck-typed on `{ kind, message }` so the domain depends on the contract (`api.ts`), not on the
 * concrete client's error class.
 */
import type { ErrorKind } from '../databricks/api';

const ERROR_KINDS: ReadonlySet<string> = new Set<ErrorKind>([
  'auth',
  'ip-blocked',
  'permission',
  'not-found',
  'invalid',
  'rate-limit',
  'unavailable',
  'network',
  'timeout',
  'cancelled',
  'not-databricks',
  'bad-response',
  'config',
]);

export interface Failure {
  kind: ErrorKind;
  /** the client's own message (already scrubbed of secrets by the client) */
  detail: string;
  /** not from the client: its message is withheld */
  local?: boolean;
}

export function failureOf(error: unknown, signal?: AbortSignal): Failure {
  if (signal?.aborted) {
    return { kind: 'cancelled', detail: 'Cancelled.' };
  }
  if (typeof error === 'object' && error !== null) {
    const { kind, message, name } = error as { kind?: unknown; message?: unknown; name?: unknown };
    if (typeof kind === 'string' && ERROR_KINDS.has(kind)) {
      return { kind: kind as ErrorKind, detail: typeof message === 'string' && message.length > 0 ? message : 'Unknown error.' };
    }
    if (name === 'AbortError' || name === 'CanceledError') {
      return { kind: 'cancelled', detail: 'Cancelled.' };
    }
  }
  // Anything else came from a callback (e.g. building the SP client from stored settings). Only
  // the client's errors are known to be scrubbed of secrets, so this message is never shown.
  return { kind: 'bad-response', detail: 'an error outside the Databricks client (details in the Zipher logs)', local: true };
}

/** Failures after which no other call to the same host can succeed either. */
export function isHostUnusable(kind: ErrorKind): boolean {
  return kind === 'network' || kind === 'timeout' || kind === 'not-databricks' || kind === 'config';
}

/** "Job N does not exist." arrives as 400 INVALID_PARAMETER_VALUE, some servers use 404. */
export function isMissingObject(failure: Failure): boolean {
  return failure.kind === 'not-found' || (failure.kind === 'invalid' && /does not exist/i.test(failure.detail));
}

export interface Explanation {
  message: string;
  action?: string;
}

/** Who was calling, so the sentence names the right credentials. */
export type Caller = 'admin' | 'service-principal';

/**
 * One actionable sentence per kind of failure. `host` is the normalised workspace URL.
 * The IP-block explanation differs by caller: the check runs from this machine, while Zipher
 * calls from its own egress addresses.
 */
export function explainFailure(failure: Failure, host: string, caller: Caller = 'admin'): Explanation {
  const who = caller === 'admin' ? 'your credentials' : "Zipher's service principal";
  if (failure.local) {
    return {
      message: `The check could not run: ${failure.detail}.`,
      action: 'Reconnect the workspace or set the service principal again, then rerun the check.',
    };
  }
  switch (failure.kind) {
    case 'auth':
      return caller === 'admin'
        ? {
            message: `${host} rejected your credentials (the token is invalid, expired or revoked).`,
            action: 'Create a new personal access token (or check the profile / client id and secret) and reconnect.',
          }
        : {
            message: `${host} did not accept the client id and OAuth secret of Zipher's service principal (wrong, deleted or expired secret).`,
            action: 'Generate a new OAuth secret for the service principal in the account console and store it with "Zipher: Set Service Principal".',
          };
    case 'ip-blocked':
      return caller === 'admin'
        ? {
            message: `${host} refused the request because this machine's IP address is blocked by the workspace IP access list.`,
            action: 'Connect from an allowed network (VPN), or ask a workspace admin to allow this address.',
          }
        : {
            message: `${host} blocked the service principal's request from this machine's IP address (workspace IP access list); Zipher itself calls from its own egress IPs, which this check cannot test.`,
            action: "Make sure Zipher's egress IPs are on the workspace allow list; run this check from an allowed network to test the rest.",
          };
    case 'permission':
      return {
        message: `${host} answered, but ${who} lack the permission for this call.`,
        action:
          caller === 'admin'
            ? 'Connect as a workspace admin, or as a user with CAN_MANAGE on the jobs concerned.'
            : 'Add the service principal to this workspace and grant it CAN_MANAGE on the target jobs.',
      };
    case 'not-found':
      return {
        message: `${host} does not know this object or API path.`,
        action: 'Check that the workspace URL points at the workspace itself, not the account console.',
      };
    case 'network':
      return {
        message: `${host} could not be reached.`,
        action: 'Check the workspace URL, your network connection, VPN and proxy settings.',
      };
    case 'timeout':
      return {
        message: `${host} did not answer in time.`,
        action: 'Check your network or proxy, then try again.',
      };
    case 'not-databricks':
      return {
        message: `${host} answered, but not like a Databricks workspace.`,
        action: 'Check the workspace URL (e.g. https://adb-1234567890123456.7.azuredatabricks.net or https://<name>.cloud.databricks.com).',
      };
    case 'rate-limit':
      return {
        message: `${host} is rate-limiting requests.`,
        action: 'Wait a minute and run the check again.',
      };
    case 'unavailable':
      return {
        message: `${host} is temporarily unavailable.`,
        action: 'Try again in a few minutes.',
      };
    case 'cancelled':
      return { message: 'Cancelled.' };
    case 'config':
      return {
        message: `The connection settings for ${host} are not usable: ${failure.detail}`,
        action: 'Fix the workspace URL or profile and reconnect.',
      };
    case 'invalid':
    case 'bad-response':
      return {
        message: `${host} returned an unexpected answer: ${failure.detail}`,
        action: 'Run the check again; if it persists, send the Zipher logs to support.',
      };
  }
}

/** "1, 2, 3 and 4 more" — keeps a report readable for thousands of jobs. */
export function formatCappedList(items: readonly string[], cap = 20): string {
  if (items.length <= cap) {
    return items.join(', ');
  }
  return `${items.slice(0, cap).join(', ')} and ${items.length - cap} more`;
}
