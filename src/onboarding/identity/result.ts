/**
 * Typed results for the identity domain: every public function returns an `Outcome` instead of
 * throwing, so the VS Code layer can show `problem.message` as is.
 */
import type { ErrorKind } from '../../databricks/api';
import { DatabricksError, describeError, isCancellation } from '../../databricks/errors';

/** Why an identity operation did not succeed. The client's error kinds plus domain refusals. */
export type ProblemKind =
  | ErrorKind
  | 'validation' // input rejected before any call
  | 'secret-limit' // the SP probably holds the maximum number of OAuth secrets
  | 'quota' // IP access list address quota
  | 'lockout' // the change would lock the caller out (INVALID_STATE on IP lists)
  | 'not-enabled' // system table not enabled
  | 'no-warehouse'
  | 'state'; // a step was called out of order

export interface Problem {
  kind: ProblemKind;
  /** one sentence for the user; never contains a secret */
  message: string;
  /** set when the step can only be done by a Databricks account admin */
  needsAccountAdmin?: boolean;
}

export type Outcome<T> = { ok: true; value: T; warnings: string[] } | { ok: false; problem: Problem };

/** A successful outcome. */
export function ok<T>(value: T, warnings: string[] = []): Outcome<T> {
  return { ok: true, value, warnings };
}

/** A failed outcome. */
export function fail<T = never>(kind: ProblemKind, message: string, extra: Partial<Problem> = {}): Outcome<T> {
  return { ok: false, problem: { kind, message, ...extra } };
}

/** The error kind of anything a client call threw. */
export function kindOf(e: unknown): ErrorKind {
  if (isCancellation(e)) return 'cancelled';
  if (e instanceof DatabricksError) return e.kind;
  return 'unavailable';
}

/** A client failure as a Problem; `what` names the attempted action ("Creating the OAuth secret"). */
export function problemFrom(e: unknown, what: string): Problem {
  const kind = kindOf(e);
  if (kind === 'cancelled') return { kind, message: `${what} was cancelled.` };
  return { kind, message: `${what} failed: ${describeError(e)}` };
}

/** The server's own error code (e.g. QUOTA_EXCEEDED), when the client kept it. */
export function errorCodeOf(e: unknown): string | undefined {
  if (e instanceof DatabricksError && e.errorCode !== undefined) return String(e.errorCode);
  return undefined;
}

/** Runs a client call and turns a throw into a failed outcome. */
export async function attempt<T>(what: string, call: () => Promise<T>): Promise<Outcome<T>> {
  try {
    return ok(await call());
  } catch (e) {
    return { ok: false, problem: problemFrom(e, what) };
  }
}
