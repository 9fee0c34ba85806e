/**
 * Which jobs Zipher is meant to manage: the ones where it holds CAN_MANAGE now, and the ones the
 * ledger says this extension granted (even if that grant has since been lost — that is exactly
 * what Verify Connectivity and the handoff must report). A job where Zipher only holds a lower
 * level (partial) was never granted by us and is not a target: it would otherwise turn every
 * check red for access nobody asked Zipher to have.
 */
import type { Ledger } from './ledger';
import type { JobRow, ZipherPrincipal } from './model';

export interface TargetJobsInput {
  host: string;
  rows: readonly JobRow[];
  principal: ZipherPrincipal | undefined;
  ledger: Ledger | undefined;
}

export interface TargetJobs {
  jobIds: number[];
  /** set when the ledger could not be read; the ids then come from live state only */
  ledgerProblem?: string;
}

export async function targetJobs(input: TargetJobsInput): Promise<TargetJobs> {
  const ids = new Set<number>();
  for (const r of input.rows) if (r.state === 'managed') ids.add(r.jobId);
  let ledgerProblem: string | undefined;
  if (input.principal && input.ledger) {
    try {
      for (const id of await input.ledger.grantedJobs(input.host, input.principal.applicationId)) ids.add(id);
    } catch (e) {
      ledgerProblem = e instanceof Error ? e.message : String(e);
    }
  }
  return { jobIds: [...ids].sort((a, b) => a - b), ...(ledgerProblem ? { ledgerProblem } : {}) };
}
