/**
 * The scheduler against a simulated workspace on a virtual clock: a concurrency cap, a write
 * token bucket and fixed latency, as the fake and Databricks have them. Virtual time makes the
 * throughput targets checkable deterministically (no wall clock involved); the same targets are
 * measured for real by `npm run bench`.
 */
import * as assert from 'assert';
import { RequestKind, RequestScheduler, SchedulerClock, ThrottleCause } from '../../src/databricks/scheduler';

class VirtualClock implements SchedulerClock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; seq: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), seq: id, fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  sleep(ms: number): Promise<void> {
    return new Promise((resolve) => this.setTimeout(resolve, ms));
  }
  /** Fires every timer due at the earliest pending time; false when none is pending. */
  fireNext(): boolean {
    let at = Infinity;
    for (const x of this.timers.values()) at = Math.min(at, x.at);
    if (at === Infinity) return false;
    this.t = at;
    const due = [...this.timers.entries()].filter(([, x]) => x.at === at).sort((a, b) => a[1].seq - b[1].seq);
    for (const [id, x] of due) {
      this.timers.delete(id);
      x.fn();
    }
    return true;
  }
}

interface WorkspaceLimits {
  latencyMs: number;
  concurrencyCap?: number;
  writeRatePerSecond?: number;
  retryAfterMs: number;
  /** tell the scheduler what was exceeded, as the HTTP layer can from the message */
  reportCause: boolean;
}

type Outcome = { ok: true } | { ok: false; cause: ThrottleCause };

/** Behaves like the fake: over the cap → immediate 429; write bucket (one-second burst)
 * checked after the latency. */
class SimWorkspace {
  inFlight = 0;
  maxInFlight = 0;
  throttles = 0;
  private tokens: number;
  private lastRefill = 0;

  constructor(private readonly clock: VirtualClock, readonly limits: WorkspaceLimits) {
    this.tokens = limits.writeRatePerSecond ?? 0;
  }

  async call(kind: RequestKind): Promise<Outcome> {
    const { concurrencyCap, latencyMs, writeRatePerSecond } = this.limits;
    if (concurrencyCap !== undefined && this.inFlight >= concurrencyCap) {
      this.throttles++;
      await this.clock.sleep(1);
      return { ok: false, cause: 'concurrency' };
    }
    this.inFlight++;
    this.maxInFlight = Math.max(this.maxInFlight, this.inFlight);
    await this.clock.sleep(latencyMs);
    this.inFlight--;
    if (kind === 'write' && writeRatePerSecond !== undefined && !this.takeToken(writeRatePerSecond)) {
      this.throttles++;
      return { ok: false, cause: 'rate' };
    }
    return { ok: true };
  }

  private takeToken(rate: number): boolean {
    const now = this.clock.now();
    this.tokens = Math.min(rate, this.tokens + ((now - this.lastRefill) / 1000) * rate);
    this.lastRefill = now;
    if (this.tokens < 1) return false;
    this.tokens--;
    return true;
  }
}

/** One HTTP call as the client makes it: acquire, send, release, on 429 sleep and retry. */
async function request(s: RequestScheduler, ws: SimWorkspace, clock: VirtualClock, kind: RequestKind): Promise<void> {
  for (;;) {
    const permit = await s.acquire(kind, 'user');
    const start = clock.now();
    const outcome = await ws.call(kind);
    if (outcome.ok) {
      permit.release({ type: 'ok', latencyMs: clock.now() - start });
      return;
    }
    permit.release({ type: 'throttled', retryAfterMs: ws.limits.retryAfterMs, cause: ws.limits.reportCause ? outcome.cause : undefined });
    await clock.sleep(ws.limits.retryAfterMs);
  }
}

/** Runs the work to completion in virtual time; returns the virtual milliseconds it took. */
async function simulate(clock: VirtualClock, work: Promise<unknown>[]): Promise<number> {
  let done = false;
  void Promise.all(work).then(() => (done = true));
  const flush = () => new Promise<void>((resolve) => setImmediate(resolve));
  for (;;) {
    await flush();
    if (done) return clock.now();
    if (!clock.fireNext()) throw new Error('simulation stalled with work outstanding');
  }
}

function setup(ceiling: number, limits: Partial<WorkspaceLimits>) {
  const clock = new VirtualClock();
  const scheduler = new RequestScheduler({ ceiling, clock });
  const ws = new SimWorkspace(clock, { latencyMs: 30, retryAfterMs: 1000, reportCause: false, ...limits });
  return { clock, scheduler, ws };
}

describe('RequestScheduler against a simulated workspace (virtual time)', function () {
  this.timeout(60_000);

  for (const reportCause of [false, true]) {
    const how = reportCause ? 'told the cause' : 'inferring the cause';
    it(`lists 5,000 ACLs under a cap of 20 with a ceiling of 40 near the ideal time (${how})`, async () => {
      const { clock, scheduler, ws } = setup(40, { concurrencyCap: 20, reportCause });
      const elapsed = await simulate(clock, Array.from({ length: 5000 }, () => request(scheduler, ws, clock, 'read')));
      const ideal = Math.ceil(5000 / 20) * 30;
      assert.ok(elapsed <= 1.2 * ideal, `took ${elapsed} virtual ms, ideal ${ideal}`);
      assert.ok(ws.throttles <= 25, `${ws.throttles} 429s`);
      assert.strictEqual(scheduler.stats().concurrencyCap, 20);
    });

    it(`grants to 1,000 jobs at 30 writes/s near the ideal time with few 429s (${how})`, async () => {
      const { clock, scheduler, ws } = setup(20, { writeRatePerSecond: 30, reportCause });
      const elapsed = await simulate(clock, Array.from({ length: 1000 }, () => request(scheduler, ws, clock, 'write')));
      const ideal = (1000 / 30) * 1000;
      assert.ok(elapsed <= 1.2 * ideal, `took ${elapsed} virtual ms, ideal ${Math.round(ideal)}`);
      assert.ok(ws.throttles <= 40, `${ws.throttles} 429s`);
      const rate = scheduler.stats().rate.write as number;
      assert.ok(rate > 25 && rate < 36, `learned write rate ${rate}`);
      assert.strictEqual(scheduler.stats().concurrencyCap, undefined, 'a rate limit is not mistaken for a cap');
    });
  }

  it('grant flow (read the ACL, then write it) under both a cap and a write rate', async () => {
    const { clock, scheduler, ws } = setup(40, { concurrencyCap: 20, writeRatePerSecond: 30 });
    const job = async () => {
      await request(scheduler, ws, clock, 'read');
      await request(scheduler, ws, clock, 'write');
    };
    const elapsed = await simulate(clock, Array.from({ length: 1000 }, job));
    const ideal = (1000 / 30) * 1000;
    assert.ok(elapsed <= 1.2 * ideal, `took ${elapsed} virtual ms, ideal ${Math.round(ideal)}`);
    assert.ok(ws.throttles <= 60, `${ws.throttles} 429s`);
    assert.ok(ws.maxInFlight <= 20);
  });

  it('a small batch after a first one that met the burst: the first estimate is low enough to keep', async () => {
    // The first 429 comes once the fake's one-second burst is spent, so what was accepted
    // before it is mostly burst; an estimate taken at face value would overshoot the next run.
    const { clock, scheduler, ws } = setup(20, { concurrencyCap: 20, writeRatePerSecond: 30 });
    const job = async () => {
      await request(scheduler, ws, clock, 'read');
      await request(scheduler, ws, clock, 'write');
      await request(scheduler, ws, clock, 'read');
    };
    await simulate(clock, Array.from({ length: 60 }, job));
    const first = scheduler.stats().rate.write as number;
    assert.ok(first > 20 && first <= 30, `first estimate ${first} writes/s for a true 30`);
    await simulate(clock, [clock.sleep(300)]);
    const throttlesBefore = ws.throttles;
    const start = clock.now();
    const elapsed = (await simulate(clock, Array.from({ length: 60 }, job))) - start;
    const ideal = (60 / 30) * 1000;
    assert.ok(ws.throttles - throttlesBefore <= 1, `${ws.throttles - throttlesBefore} 429s in the second batch`);
    assert.ok(elapsed <= 1.2 * ideal, `second batch took ${elapsed} virtual ms, ideal ${ideal}`);
  });

  it('never sends more than the ceiling even when the workspace would take more', async () => {
    const { clock, scheduler, ws } = setup(5, { concurrencyCap: 20 });
    await simulate(clock, Array.from({ length: 500 }, (_, i) => request(scheduler, ws, clock, i % 3 ? 'read' : 'write')));
    assert.strictEqual(ws.maxInFlight, 5);
    assert.strictEqual(ws.throttles, 0);
  });
});
