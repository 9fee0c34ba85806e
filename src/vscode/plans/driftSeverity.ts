import type { DriftFinding, DriftKind, JobRow } from '../../onboarding/model';

/**
 * Drift that means Zipher's access is not what the extension set up. A grant Zipher holds but the
 * ledger never recorded (`grant-added-outside`, e.g. granted by hand before the extension was used)
 * is only a note: nothing is broken, so it must not paint rows or the status bar as unhealthy.
 */
const HEALTH_DRIFT: ReadonlySet<DriftKind> = new Set<DriftKind>(['grant-removed', 'level-changed', 'new-dependency']);

export function isHealthDrift(f: DriftFinding): boolean {
  return HEALTH_DRIFT.has(f.kind);
}

export function healthDrift(row: JobRow | undefined): DriftFinding[] {
  return row?.drift?.filter(isHealthDrift) ?? [];
}

export function unrecordedNotes(row: JobRow | undefined): DriftFinding[] {
  return row?.drift?.filter((f) => f.kind === 'grant-added-outside') ?? [];
}
