/** Command-line flags of `npm run bench`. */

export interface BenchOptions {
  smoke: boolean;
  jobs: number;
  grantJobs: number;
  latencyMs: number;
  cap: number;
  writeRate: number;
  /** jobs held for the memory and first-rows measurement */
  memoryJobs: number;
  /** jobs fetched by the naive baseline before extrapolating */
  naiveSample: number;
  activationRuns: number;
  out: string;
}

const FLAGS: Record<string, keyof BenchOptions> = {
  jobs: 'jobs',
  'grant-jobs': 'grantJobs',
  latency: 'latencyMs',
  cap: 'cap',
  'write-rate': 'writeRate',
  'memory-jobs': 'memoryJobs',
  'naive-sample': 'naiveSample',
  'activation-runs': 'activationRuns',
};

export const USAGE = `usage: bench [--smoke] [--jobs N] [--grant-jobs N] [--latency MS] [--cap N] [--write-rate N]
             [--memory-jobs N] [--naive-sample N] [--activation-runs N] [--out FILE]`;

export function parseOptions(argv: string[], defaultOut: string): BenchOptions {
  const smoke = argv.includes('--smoke');
  const o: BenchOptions = smoke
    ? { smoke, jobs: 300, grantJobs: 60, latencyMs: 30, cap: 20, writeRate: 30, memoryJobs: 2_000, naiveSample: 100, activationRuns: 3, out: defaultOut }
    : { smoke, jobs: 5_000, grantJobs: 1_000, latencyMs: 30, cap: 20, writeRate: 30, memoryJobs: 10_000, naiveSample: 500, activationRuns: 7, out: defaultOut };
  for (let i = 0; i < argv.length; i++) {
    const m = /^--([\w-]+)(?:=(.*))?$/.exec(argv[i]!);
    if (!m) throw new Error(`unexpected argument ${argv[i]}\n${USAGE}`);
    const [, name, inline] = m;
    if (name === 'smoke') continue;
    if (name === 'out') {
      o.out = inline ?? argv[++i] ?? '';
      continue;
    }
    const key = FLAGS[name!];
    if (!key) throw new Error(`unknown flag --${name}\n${USAGE}`);
    const raw = inline ?? argv[++i];
    const value = Number(raw);
    const min = key === 'latencyMs' ? 0 : 1;
    if (raw === undefined || !Number.isInteger(value) || value < min) throw new Error(`--${name} needs an integer ≥ ${min}`);
    (o as unknown as Record<string, number>)[key] = value;
  }
  if (o.grantJobs > o.jobs) throw new Error('--grant-jobs cannot exceed --jobs');
  o.naiveSample = Math.min(o.naiveSample, o.jobs);
  return o;
}
