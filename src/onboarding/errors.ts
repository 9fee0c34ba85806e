/**
 * Reads failures from any `WorkspaceApi` implementation without importing the concrete client:
 * the client's errors carry an `ErrorKind` in `kind` and a readable `message`.
 */
import type { ErrorKind } from '../databricks/api';

export function errorKind(e: unknown): ErrorKind | undefined {
  const k = (e as { kind?: unknown } | null)?.kind;
  return typeof k === 'string' ? (k as ErrorKind) : undefined;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error && e.message) return e.message;
  if (typeof e === 'string') return e;
  return 'Unexpected error.';
}

export function isCancelled(e: unknown, signal?: AbortSignal): boolean {
  return errorKind(e) === 'cancelled' || (e instanceof Error && e.name === 'AbortError') || signal?.aborted === true;
}

/** The one sentence a row or a plan problem shows when an object's permissions can't be read. */
export function unreadableReason(kindLabel: string, e: unknown): string {
  switch (errorKind(e)) {
    case 'permission':
      return kindLabel === 'job'
        ? 'You need CAN_MANAGE on this job to read its permissions.'
        : `You need CAN_MANAGE on this ${kindLabel} to read its permissions.`;
    case 'not-found':
      return `This ${kindLabel} does not exist (any more).`;
    case 'auth':
      return 'Databricks rejected the credentials; reconnect and try again.';
    case 'rate-limit':
      return 'Databricks rate-limited the request; try again in a minute.';
    default:
      return errorMessage(e);
  }
}
