/**
 * The measured scenarios. Each drives the real client and domain over HTTP against a fake in a
 * child process, and returns what happened; judging it against targets is `report.ts`'s job.
 */
import { performance } from 'node:perf_hooks';
import { createWorkspaceClient, RequestScheduler, type WorkspaceApi } from '../../src/databricks';
import { AccessService, DEFAULT_PLAN_OPTIONS, JobInventory, Ledger, MemoryLedgerStore, type ApplyResult, type Plan } from '../../src/onboarding';
import { DEMO } from '../fake-workspace';
import type { CallCounts, FakeLimits, FakeProcess, OthersSnapshot, ZipherEntries } from './fakeHost';

export interface Client {
  api: WorkspaceApi;
  scheduler: RequestScheduler;
}

export async function connect(url: string): Promise<Client> {
  const scheduler = new RequestScheduler({ ceiling: 20 }); // the `zipher.maxConcurrentRequests` default
  const api = await createWorkspaceClient({ host: url, auth: { type: 'pat', token: DEMO.adminToken }, scheduler });
  return { api, scheduler };
}

// ------------------------------------------------------------------ listing

export interface ListingResult {
  jobs: number;
  ms: number;
  firstRowsMs: number | undefined;
  calls: CallCounts;
  /** 429s the client's scheduler was told about (includes ones the fake sent for rate) */
  clientThrottled: number;
  states: Record<string, number>;
  diagnostics: Diagnostics;
  failures: string[];
}

/** Where the time went: the scheduler's window and in-flight count sampled every 20 ms, and how
 * busy this process was (a CPU-bound client cannot keep `cap` requests in flight). */
export interface Diagnostics {
  avgInFlight: number;
  avgReadLimit: number;
  avgQueued: number;
  /** CPU time of this process (user + system) over wall time */
  cpuShare: number;
  /** event-loop utilisation, 0..1 */
  eventLoopUtilization: number;
  /** mean time a permit was held (one HTTP attempt as the client saw it) vs the fake's latency */
  avgAttemptMs: number;
  samples: number;
}

class Sampler {
  private readonly timer: NodeJS.Timeout;
  private n = 0;
  private inFlight = 0;
  private limit = 0;
  private queued = 0;
  private readonly cpu = process.cpuUsage();
  private readonly elu = performance.eventLoopUtilization();
  private readonly t0 = performance.now();
  private held = 0;
  private attempts = 0;
  private readonly acquire: RequestScheduler['acquire'];

  constructor(private readonly scheduler: RequestScheduler) {
    // Time each permit from grant to release: the client's view of one attempt.
    this.acquire = scheduler.acquire;
    const original = scheduler.acquire.bind(scheduler);
    scheduler.acquire = async (...args) => {
      const permit = await original(...args);
      const granted = performance.now();
      return {
        release: (feedback) => {
          this.held += performance.now() - granted;
          this.attempts++;
          permit.release(feedback);
        },
      };
    };
    this.timer = setInterval(() => {
      const st = this.scheduler.stats();
      this.n++;
      this.inFlight += st.inFlight;
      this.limit += st.limit.read;
      this.queued += st.queued;
    }, 20);
  }

  stop(): Diagnostics {
    clearInterval(this.timer);
    this.scheduler.acquire = this.acquire;
    const wallMs = performance.now() - this.t0;
    const cpu = process.cpuUsage(this.cpu);
    const n = Math.max(1, this.n);
    return {
      avgInFlight: this.inFlight / n,
      avgReadLimit: this.limit / n,
      avgQueued: this.queued / n,
      cpuShare: (cpu.user + cpu.system) / 1000 / wallMs,
      eventLoopUtilization: performance.eventLoopUtilization(this.elu).utilization,
      avgAttemptMs: this.attempts ? this.held / this.attempts : NaN,
      samples: this.n,
    };
  }
}

export async function listAll(fake: FakeProcess, expectedJobs: number, hold?: (inv: JobInventory) => void): Promise<ListingResult> {
  const { api, scheduler } = await connect(fake.url);
  const inv = new JobInventory(api, { applicationId: DEMO.zipherAppId });
  let firstRowsMs: number | undefined;
  let t0 = 0;
  const sub = inv.onDidChange((e) => {
    if (e.kind === 'rows' && firstRowsMs === undefined && inv.rows().length > 0) firstRowsMs = performance.now() - t0;
  });
  await fake.mark();
  const sampler = new Sampler(scheduler);
  t0 = performance.now();
  await inv.load();
  const ms = performance.now() - t0;
  const diagnostics = sampler.stop();
  const calls = await fake.counts();
  sub.dispose();
  const failures: string[] = [];
  const states = inv.counts();
  if (inv.status !== 'loaded') failures.push(`listing ended ${inv.status}${inv.error ? `: ${inv.error}` : ''}`);
  if (inv.rows().length !== expectedJobs) failures.push(`listing returned ${inv.rows().length} jobs, expected ${expectedJobs}`);
  if (states.unknown || states.loading) failures.push(`listing left ${states.unknown} jobs unknown and ${states.loading} loading`);
  hold?.(inv);
  if (!hold) inv.dispose();
  return { jobs: inv.rows().length, ms, firstRowsMs, calls, clientThrottled: scheduler.stats().throttled, states: { ...states }, diagnostics, failures };
}

// ------------------------------------------------------------------ naive baseline

export interface NaiveResult {
  sampleJobs: number;
  sampleMs: number;
  pages: number;
  reads: number;
  /** linear extrapolation of the sample to the full job count */
  extrapolatedMs: number;
  failures: string[];
}

/** One request at a time, as a shell loop over `databricks jobs list` + `permissions get` would
 * (process start-up costs of a CLI are left out, which flatters the baseline). */
export async function naiveList(url: string, sampleJobs: number, totalJobs: number): Promise<NaiveResult> {
  const headers = { Authorization: `Bearer ${DEMO.adminToken}` };
  const failures: string[] = [];
  const ids: number[] = [];
  let pages = 0;
  let reads = 0;
  const t0 = performance.now();
  let token: string | undefined;
  do {
    const q = new URLSearchParams({ limit: '100' });
    if (token) q.set('page_token', token);
    const res = await fetch(`${url}/api/2.2/jobs/list?${q}`, { headers });
    pages++;
    if (!res.ok) {
      failures.push(`naive jobs/list: HTTP ${res.status}`);
      break;
    }
    const body = (await res.json()) as { jobs?: { job_id: number }[]; next_page_token?: string };
    for (const j of body.jobs ?? []) if (ids.length < sampleJobs) ids.push(j.job_id);
    token = body.next_page_token;
  } while (token && ids.length < sampleJobs);
  for (const id of ids) {
    const res = await fetch(`${url}/api/2.0/permissions/jobs/${id}`, { headers });
    reads++;
    if (!res.ok) failures.push(`naive permissions/jobs/${id}: HTTP ${res.status}`);
    await res.arrayBuffer();
  }
  const sampleMs = performance.now() - t0;
  return { sampleJobs: ids.length, sampleMs, pages, reads, extrapolatedMs: ids.length ? (sampleMs * totalJobs) / ids.length : NaN, failures: failures.slice(0, 5) };
}

// ------------------------------------------------------------------ grant and revoke

export interface PhaseResult {
  ms: number;
  calls: CallCounts;
}

export interface AccessRunResult {
  kind: 'grant' | 'revoke';
  jobs: number;
  plan: PhaseResult;
  apply: PhaseResult;
  clientThrottled: number;
  applyDiagnostics: Diagnostics;
  outcomes: Record<string, number>;
  failures: string[];
}

export interface AccessResult {
  grant: AccessRunResult;
  revoke: AccessRunResult;
  /** other principals' entries or owners that differ from before the grant */
  lostEntries: string[];
  zipherBefore: ZipherEntries;
  zipherAfterGrant: ZipherEntries;
  zipherAfterRevoke: ZipherEntries;
}

async function runAccess(fake: FakeProcess, service: AccessService, kind: 'grant' | 'revoke', jobIds: number[], scheduler: RequestScheduler): Promise<AccessRunResult> {
  const throttledBefore = scheduler.stats().throttled;
  await fake.mark();
  let t0 = performance.now();
  const plan: Plan = kind === 'grant' ? await service.planGrant(jobIds) : await service.planRevoke(jobIds);
  const planMs = performance.now() - t0;
  const planCalls = await fake.counts();
  await fake.mark();
  const sampler = new Sampler(scheduler);
  t0 = performance.now();
  const result: ApplyResult = await service.apply(plan);
  const applyMs = performance.now() - t0;
  const applyDiagnostics = sampler.stop();
  const applyCalls = await fake.counts();

  const outcomes: Record<string, number> = {};
  for (const j of result.jobs) outcomes[j.status] = (outcomes[j.status] ?? 0) + 1;
  const failures: string[] = [];
  for (const p of plan.problems.slice(0, 5)) failures.push(`${kind} plan: ${p.message}`);
  if (plan.problems.length > 5) failures.push(`${kind} plan: … ${plan.problems.length - 5} more problems`);
  const want = kind === 'grant' ? 'granted' : 'revoked';
  const bad = result.jobs.filter((j) => j.status !== want);
  for (const j of bad.slice(0, 5)) failures.push(`${kind} job ${j.jobId}: ${j.status}${j.message ? ` (${j.message})` : ''}`);
  if (bad.length > 5) failures.push(`${kind}: … ${bad.length - 5} more jobs not ${want}`);
  const badObjects = result.objects.filter((o) => o.status === 'failed' || o.status === 'conflict' || o.status === 'cancelled');
  for (const o of badObjects.slice(0, 3)) failures.push(`${kind} ${o.object.kind} ${o.object.id}: ${o.status}${o.message ? ` (${o.message})` : ''}`);
  if (result.status !== 'done') failures.push(`${kind} apply ended ${result.status}`);
  return {
    kind,
    jobs: jobIds.length,
    plan: { ms: planMs, calls: planCalls },
    apply: { ms: applyMs, calls: applyCalls },
    clientThrottled: scheduler.stats().throttled - throttledBefore,
    applyDiagnostics,
    outcomes,
    failures,
  };
}

function compareSnapshots(before: OthersSnapshot, after: OthersSnapshot): string[] {
  const lost: string[] = [];
  for (const [key, b] of Object.entries(before)) {
    const a = after[key];
    if (!a) {
      lost.push(`${key}: object disappeared`);
      continue;
    }
    if (a.owner !== b.owner) lost.push(`${key}: owner ${b.owner ?? 'none'} → ${a.owner ?? 'none'}`);
    const now = new Set(a.others);
    for (const e of b.others) if (!now.has(e)) lost.push(`${key}: lost ${e}`);
    const was = new Set(b.others);
    for (const e of a.others) if (!was.has(e)) lost.push(`${key}: gained ${e}`);
  }
  return lost;
}

export async function grantThenRevoke(fake: FakeProcess, jobIds: number[]): Promise<AccessResult> {
  const { api, scheduler } = await connect(fake.url);
  const ledger = new Ledger(new MemoryLedgerStore());
  const service = new AccessService({ api, principal: { applicationId: DEMO.zipherAppId }, ledger, options: DEFAULT_PLAN_OPTIONS, actor: DEMO.adminUser });
  const before = await fake.snapshot();
  const zipherBefore = await fake.zipherEntries();
  const grant = await runAccess(fake, service, 'grant', jobIds, scheduler);
  const afterGrant = await fake.snapshot();
  const zipherAfterGrant = await fake.zipherEntries();
  const revoke = await runAccess(fake, service, 'revoke', jobIds, scheduler);
  const afterRevoke = await fake.snapshot();
  const zipherAfterRevoke = await fake.zipherEntries();
  const lostEntries = [...compareSnapshots(before, afterGrant).map((l) => `after grant: ${l}`), ...compareSnapshots(before, afterRevoke).map((l) => `after revoke: ${l}`)];
  if (zipherAfterGrant.jobs !== zipherBefore.jobs + jobIds.length) grant.failures.push(`Zipher holds entries on ${zipherAfterGrant.jobs} jobs after the grant, expected ${zipherBefore.jobs + jobIds.length}`);
  if (zipherAfterRevoke.jobs !== zipherBefore.jobs || zipherAfterRevoke.other !== zipherBefore.other) {
    revoke.failures.push(`Zipher entries after revoke (${zipherAfterRevoke.jobs} jobs, ${zipherAfterRevoke.other} other) differ from before the grant (${zipherBefore.jobs}, ${zipherBefore.other})`);
  }
  return { grant, revoke, lostEntries, zipherBefore, zipherAfterGrant, zipherAfterRevoke };
}

// ------------------------------------------------------------------ memory

export interface MemoryResult {
  jobs: number;
  heapBeforeBytes: number;
  heapAfterBytes: number;
  deltaBytes: number;
  listing: ListingResult;
}

const gc = (): void => {
  const g = (globalThis as { gc?: () => void }).gc;
  if (!g) throw new Error('run node with --expose-gc');
  g();
  g();
};

/** Heap growth of this process holding `jobs` rows with their states (the fake is elsewhere). */
export async function memoryHolding(fake: FakeProcess, jobs: number): Promise<MemoryResult> {
  gc();
  const heapBeforeBytes = process.memoryUsage().heapUsed;
  let held: JobInventory | undefined;
  const listing = await listAll(fake, jobs, (inv) => (held = inv));
  gc();
  const heapAfterBytes = process.memoryUsage().heapUsed;
  // touch it after the measurement so it cannot have been collected before
  if (held?.rows().length !== jobs) listing.failures.push('inventory not held');
  held?.dispose();
  return { jobs, heapBeforeBytes, heapAfterBytes, deltaBytes: heapAfterBytes - heapBeforeBytes, listing };
}

export type { FakeLimits };
