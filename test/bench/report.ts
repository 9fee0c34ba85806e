/** Turns measurements into the table, the targets and the JSON written to bench-results/. */
import type { ActivationResult } from './activation';
import type { BenchOptions } from './options';
import type { AccessResult, AccessRunResult, ListingResult, MemoryResult, NaiveResult } from './scenarios';
import { readBoundMs, tightReadBoundMs, tightWriteBoundMs, writeBoundMs } from './stats';
import type { FakeLimits } from './fakeHost';

export interface Row {
  section: string;
  ms: number;
  boundMs?: number;
  /** the strict bound (page/read overlap, write burst); the ratio uses the brief's `boundMs` */
  tightBoundMs?: number;
  ratio?: number;
  throttled?: number;
  failures: number;
  speedup?: number;
  note?: string;
}

export interface Target {
  name: string;
  value: string;
  limit: string;
  pass: boolean;
}

export interface Measurements {
  options: BenchOptions;
  limits: FakeLimits;
  listing: ListingResult;
  naive: NaiveResult;
  access: AccessResult;
  memory: MemoryResult;
  activation: ActivationResult;
}

export interface Report {
  rows: Row[];
  targets: Target[];
  failures: string[];
}

function accessRows(r: AccessRunResult, limits: FakeLimits): { total: Row; apply: Row } {
  const planBound = readBoundMs(r.plan.calls.reads, 0, limits);
  const writeBound = writeBoundMs(r.apply.calls.writes, limits);
  const tightWrite = tightWriteBoundMs(r.apply.calls.writes, limits);
  const totalMs = r.plan.ms + r.apply.ms;
  const fails = r.failures.length;
  return {
    total: {
      section: `${r.kind} ${r.jobs} jobs (plan+apply)`,
      ms: totalMs,
      boundMs: planBound + writeBound,
      tightBoundMs: tightReadBoundMs(r.plan.calls.reads, 0, limits) + tightWrite,
      ratio: totalMs / (planBound + writeBound),
      throttled: r.plan.calls.throttled + r.apply.calls.throttled,
      failures: fails,
      note: `plan ${r.plan.calls.reads} reads in ${fmtMs(r.plan.ms)}; apply ${r.apply.calls.writes} writes + ${r.apply.calls.reads} reads in ${fmtMs(r.apply.ms)}`,
    },
    apply: {
      section: `  ${r.kind} apply only`,
      ms: r.apply.ms,
      boundMs: writeBound,
      tightBoundMs: tightWrite,
      ratio: r.apply.ms / writeBound,
      throttled: r.apply.calls.throttled,
      failures: fails,
      note: `${(r.apply.calls.writes / (r.apply.ms / 1000)).toFixed(1)} writes/s`,
    },
  };
}

export function buildReport(m: Measurements): Report {
  const { limits, listing, naive, access, memory, activation, options } = m;
  const listBound = readBoundMs(listing.calls.reads, listing.calls.pages, limits);
  const naiveBound = readBoundMs(naive.reads, naive.pages, limits) * (options.jobs / Math.max(1, naive.sampleJobs));
  const grant = accessRows(access.grant, limits);
  const revoke = accessRows(access.revoke, limits);
  const minified = activation.bundleBytes > 0 && !activation.bundleMinified ? ' (NOT a production build)' : '';
  const rows: Row[] = [
    {
      section: `list ${listing.jobs} jobs + state`,
      ms: listing.ms,
      boundMs: listBound,
      tightBoundMs: tightReadBoundMs(listing.calls.reads, listing.calls.pages, limits),
      ratio: listing.ms / listBound,
      throttled: listing.calls.throttled,
      failures: listing.failures.length,
      speedup: naive.extrapolatedMs / listing.ms,
      note: `${listing.calls.pages} pages, ${listing.calls.reads} reads; in flight avg ${listing.diagnostics.avgInFlight.toFixed(1)} (window ${listing.diagnostics.avgReadLimit.toFixed(1)}, max ${listing.calls.maxInFlight}); request ${fmtMs(listing.diagnostics.avgAttemptMs)} as the client saw it; client CPU ${pct(listing.diagnostics.cpuShare)}`,
    },
    {
      section: `naive sequential (${naive.sampleJobs}→${options.jobs})`,
      ms: naive.extrapolatedMs,
      boundMs: naiveBound,
      ratio: naive.extrapolatedMs / naiveBound,
      throttled: 0,
      failures: naive.failures.length,
      note: `measured ${naive.sampleJobs} jobs in ${fmtMs(naive.sampleMs)}, extrapolated linearly`,
    },
    grant.total,
    grant.apply,
    revoke.total,
    revoke.apply,
    {
      section: `first rows at ${memory.jobs} jobs`,
      ms: memory.listing.firstRowsMs ?? NaN,
      failures: memory.listing.failures.length,
      note: `full load ${fmtMs(memory.listing.ms)}, ${memory.listing.calls.throttled} 429s`,
    },
    {
      section: 'activation (load+activate)',
      ms: activation.medianTotalMs,
      failures: activation.failures.length,
      note: `median of ${activation.runs.length} fresh processes; load ${fmtMs(activation.medianLoadMs)}, activate() ${fmtMs(activation.medianActivateMs)}`,
    },
  ];

  const KB = 1024;
  const MB = 1024 * 1024;
  const first = memory.listing.firstRowsMs ?? Infinity;
  const listRatio = listing.ms / listBound;
  const speedup = naive.extrapolatedMs / listing.ms;
  const targets: Target[] = [
    { name: `listing ${listing.jobs} jobs vs bound`, value: `${listRatio.toFixed(2)}×`, limit: '≤ 1.20×', pass: listRatio <= 1.2 },
    { name: 'listing speed-up over naive', value: `${speedup.toFixed(1)}×`, limit: '≥ 10×', pass: speedup >= 10 },
    { name: `grant ${access.grant.jobs} jobs vs bound`, value: `${grant.total.ratio!.toFixed(2)}× (apply ${grant.apply.ratio!.toFixed(2)}×)`, limit: '≤ 1.20×', pass: grant.total.ratio! <= 1.2 },
    { name: `revoke ${access.revoke.jobs} jobs vs bound`, value: `${revoke.total.ratio!.toFixed(2)}× (apply ${revoke.apply.ratio!.toFixed(2)}×)`, limit: '≤ 1.20×', pass: revoke.total.ratio! <= 1.2 },
    { name: `first rows at ${memory.jobs} jobs`, value: fmtMs(first), limit: '≤ 1 s', pass: first <= 1000 },
    { name: 'activation (median)', value: fmtMs(activation.medianTotalMs), limit: '< 50 ms', pass: activation.medianTotalMs < 50 },
    { name: `bundle size${minified}`, value: `${(activation.bundleBytes / KB).toFixed(1)} KB`, limit: '< 400 KB', pass: activation.bundleBytes > 0 && activation.bundleBytes < 400 * KB },
    { name: `memory growth, ${memory.jobs} jobs`, value: `${(memory.deltaBytes / MB).toFixed(1)} MB`, limit: '< 100 MB', pass: memory.deltaBytes < 100 * MB },
  ];

  const failures = [
    ...listing.failures,
    ...naive.failures,
    ...access.grant.failures,
    ...access.revoke.failures,
    ...memory.listing.failures,
    ...activation.failures,
    ...access.lostEntries.slice(0, 20).map((l) => `LOST ENTRY ${l}`),
  ];
  if (access.lostEntries.length > 20) failures.push(`… ${access.lostEntries.length - 20} more lost entries`);
  return { rows, targets, failures };
}

function pct(x: number): string {
  return `${Math.round(x * 100)}%`;
}

export function fmtMs(ms: number | undefined): string {
  if (ms === undefined || !Number.isFinite(ms)) return '—';
  return ms >= 10_000 ? `${(ms / 1000).toFixed(1)} s` : ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${ms.toFixed(ms < 10 ? 1 : 0)} ms`;
}

function pad(s: string, n: number, right = false): string {
  return right ? s.padStart(n) : s.padEnd(n);
}

export function renderTable(r: Report, m: Measurements): string {
  const o = m.options;
  const lines: string[] = [];
  lines.push(
    `Zipher bench${o.smoke ? ' (smoke)' : ''}: fake workspace with ${o.jobs} jobs, latency ${o.latencyMs} ms, cap ${o.cap} concurrent, ${o.writeRate} writes/s; client ceiling 20`,
  );
  lines.push('');
  const head = `${pad('section', 36)} ${pad('time', 9, true)} ${pad('bound', 9, true)} ${pad('ratio', 6, true)} ${pad('429s', 5, true)} ${pad('fail', 4, true)} ${pad('vs naive', 8, true)}  notes`;
  lines.push(head, '-'.repeat(head.length + 20));
  for (const row of r.rows) {
    lines.push(
      `${pad(row.section, 36)} ${pad(fmtMs(row.ms), 9, true)} ${pad(row.boundMs === undefined ? '' : fmtMs(row.boundMs), 9, true)} ${pad(row.ratio === undefined ? '' : `${row.ratio.toFixed(2)}×`, 6, true)} ${pad(row.throttled === undefined ? '' : String(row.throttled), 5, true)} ${pad(String(row.failures), 4, true)} ${pad(row.speedup === undefined ? '' : `${row.speedup.toFixed(1)}×`, 8, true)}  ${row.note ?? ''}`,
    );
  }
  lines.push('');
  lines.push(
    `bounds: reads ⌈reads/cap⌉×latency + pages×latency; writes = writes/rate (strict bounds, with page overlap and the 1 s write burst, are in the JSON as tightBoundMs). Grant/revoke bound = plan reads + writes.`,
  );
  const lone = m.naive.sampleMs / Math.max(1, m.naive.pages + m.naive.reads);
  const calibrated = readBoundMs(m.listing.calls.reads, m.listing.calls.pages, { ...m.limits, latencyMs: lone });
  lines.push(
    `calibration: the fake answers a lone request in ${fmtMs(lone)} (nominal ${m.limits.latencyMs} ms); listing against a bound at that latency: ${(m.listing.ms / calibrated).toFixed(2)}×`,
  );
  lines.push(`lost entries of other principals / changed owners: ${m.access.lostEntries.length}`);
  lines.push('');
  lines.push('targets:');
  for (const t of r.targets) lines.push(`  ${t.pass ? 'PASS' : 'MISS'}  ${pad(t.name, 44)} ${pad(t.value, 22)} ${t.limit}`);
  if (m.activation.runs.some((x) => x.unknownMembers.length)) {
    lines.push('', `vscode stand-in: activation reached unmodelled members: ${[...new Set(m.activation.runs.flatMap((x) => x.unknownMembers))].join(', ')}`);
  }
  lines.push('');
  if (r.failures.length) {
    lines.push(`FAILURES (${r.failures.length}):`);
    for (const f of r.failures) lines.push(`  ${f}`);
  } else {
    lines.push('failures: 0, lost entries: 0');
  }
  return lines.join('\n');
}
