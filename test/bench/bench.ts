/**
 * `npm run bench` / `npm run bench:smoke`: the scale benchmark. Starts the fake workspace (in a
 * child process) with a job count, latency, concurrency cap and write rate, measures listing,
 * the naive baseline, grant + revoke, first rows, memory, activation and bundle size, prints a
 * table with PASS/MISS per target, and writes bench-results/latest.json.
 * Exits 1 on any failure or lost ACL entry; missed speed targets are reported, not fatal.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { measureActivation } from './activation';
import { FakeProcess, type FakeLimits } from './fakeHost';
import { parseOptions, type BenchOptions } from './options';
import { buildReport, renderTable, type Measurements } from './report';
import { grantThenRevoke, listAll, memoryHolding, naiveList } from './scenarios';

const ROOT = path.resolve(__dirname, '..', '..', '..');

function log(msg: string): void {
  process.stderr.write(`[bench] ${msg}\n`);
}

async function withFake<T>(jobs: number, limits: FakeLimits, fn: (fake: FakeProcess) => Promise<T>): Promise<T> {
  const fake = await FakeProcess.start(jobs, limits);
  try {
    return await fn(fake);
  } finally {
    await fake.stop();
  }
}

function snapshotBundle(source: string): { path: string; remove: () => void } {
  if (!fs.existsSync(source)) return { path: source, remove: () => undefined };
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-bench-bundle-'));
  const copy = path.join(dir, 'dist', 'extension.js');
  fs.mkdirSync(path.dirname(copy));
  fs.copyFileSync(source, copy);
  return { path: copy, remove: () => fs.rmSync(dir, { recursive: true, force: true }) };
}

async function run(o: BenchOptions): Promise<number> {
  const limits: FakeLimits = { latencyMs: o.latencyMs, concurrencyCap: o.cap, writeRatePerSecond: o.writeRate };
  const started = Date.now();

  // Other work in the tree may rebuild dist/ at any time: measure a copy taken now.
  const bundle = snapshotBundle(path.join(ROOT, 'dist', 'extension.js'));
  log(`activation: ${o.activationRuns} fresh processes loading a copy of dist/extension.js`);
  const activation = await measureActivation(bundle.path, o.activationRuns).finally(bundle.remove);

  const { listing, naive, access } = await withFake(o.jobs, limits, async (fake) => {
    log(`listing ${o.jobs} jobs through JobInventory.load`);
    const listing = await listAll(fake, o.jobs);
    log(`naive baseline: ${o.naiveSample} jobs one request at a time`);
    const naive = await naiveList(fake.url, o.naiveSample, o.jobs);
    log(`grant then revoke on ${o.grantJobs} jobs through AccessService`);
    const ids = Array.from({ length: o.grantJobs }, (_, i) => i + 1);
    const access = await grantThenRevoke(fake, ids);
    return { listing, naive, access };
  });

  log(`memory and first rows: holding ${o.memoryJobs} jobs`);
  const memory = await withFake(o.memoryJobs, limits, (fake) => memoryHolding(fake, o.memoryJobs));

  const m: Measurements = { options: o, limits, listing, naive, access, memory, activation };
  const report = buildReport(m);
  process.stdout.write(`${renderTable(report, m)}\n`);

  fs.mkdirSync(path.dirname(o.out), { recursive: true });
  const json = { time: new Date().toISOString(), node: process.version, durationMs: Date.now() - started, ...report, measurements: m };
  fs.writeFileSync(o.out, `${JSON.stringify(json, null, 2)}\n`);
  process.stdout.write(`results: ${path.relative(process.cwd(), o.out) || o.out} (${((Date.now() - started) / 1000).toFixed(1)} s)\n`);
  return report.failures.length ? 1 : 0;
}

function main(): void {
  // The memory figure needs a forced GC: re-run this script under --expose-gc.
  if (typeof (globalThis as { gc?: unknown }).gc !== 'function') {
    const r = spawnSync(process.execPath, ['--expose-gc', __filename, ...process.argv.slice(2)], { stdio: 'inherit' });
    process.exit(r.status ?? 1);
  }
  let o: BenchOptions;
  try {
    o = parseOptions(process.argv.slice(2), path.join(ROOT, 'bench-results', 'latest.json'));
  } catch (e) {
    process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
    process.exit(2);
  }
  run(o).then(
    (code) => process.exit(code),
    (e: unknown) => {
      process.stderr.write(`bench failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}

main();
