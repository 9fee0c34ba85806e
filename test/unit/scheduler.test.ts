/**
 * The scheduler alone, on a hand-driven clock: queueing order, abort, ceiling, and how the
 * limits react to feedback.
 */
import * as assert from 'assert';
import { Permit, RequestKind, RequestScheduler, SchedulerClock } from '../../src/databricks/scheduler';
import type { Priority } from '../../src/databricks/api';

/** Time moves only when the test says so. */
class ManualClock implements SchedulerClock {
  private t = 0;
  private seq = 0;
  private timers = new Map<number, { at: number; fn: () => void }>();

  now(): number {
    return this.t;
  }
  setTimeout(fn: () => void, ms: number): unknown {
    const id = ++this.seq;
    this.timers.set(id, { at: this.t + Math.max(0, ms), fn });
    return id;
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  /** Moves time forward, firing due timers in order. */
  advance(ms: number): void {
    const end = this.t + ms;
    for (;;) {
      const due = [...this.timers.entries()].filter(([, x]) => x.at <= end).sort((a, b) => a[1].at - b[1].at)[0];
      if (!due) break;
      this.timers.delete(due[0]);
      this.t = Math.max(this.t, due[1].at);
      due[1].fn();
    }
    this.t = end;
  }
}

const flush = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Records the order permits are granted in. */
class Requests {
  readonly granted: { label: string; permit: Permit }[] = [];
  readonly pending = new Set<string>();

  constructor(private readonly scheduler: RequestScheduler) {}

  start(label: string, kind: RequestKind = 'read', priority: Priority = 'user', signal?: AbortSignal): Promise<Permit> {
    this.pending.add(label);
    const p = this.scheduler.acquire(kind, priority, signal);
    p.then(
      (permit) => {
        this.pending.delete(label);
        this.granted.push({ label, permit });
      },
      () => this.pending.delete(label),
    );
    return p;
  }

  labels(): string[] {
    return this.granted.map((g) => g.label);
  }

  take(label: string): Permit {
    const g = this.granted.find((x) => x.label === label);
    assert.ok(g, `${label} was not granted`);
    return g.permit;
  }
}

describe('RequestScheduler', () => {
  it('starts at min(8, ceiling) in flight and queues the rest', async () => {
    const s = new RequestScheduler({ ceiling: 20, clock: new ManualClock() });
    const r = new Requests(s);
    for (let i = 0; i < 12; i++) void r.start(`r${i}`);
    await flush();
    assert.strictEqual(r.granted.length, 8);
    assert.deepStrictEqual({ inFlight: s.stats().inFlight, queued: s.stats().queued }, { inFlight: 8, queued: 4 });

    const small = new RequestScheduler({ ceiling: 3, clock: new ManualClock() });
    const r2 = new Requests(small);
    for (let i = 0; i < 5; i++) void r2.start(`s${i}`);
    await flush();
    assert.strictEqual(r2.granted.length, 3);
    assert.deepStrictEqual(small.stats().limit, { read: 3, write: 3 });
  });

  it('serves user work ahead of background, FIFO within a priority', async () => {
    const s = new RequestScheduler({ ceiling: 1, clock: new ManualClock() });
    const r = new Requests(s);
    void r.start('first');
    await flush();
    for (const [label, priority] of [['b1', 'background'], ['u1', 'user'], ['b2', 'background'], ['u2', 'user'], ['w1', 'user']] as const) {
      void r.start(label, label === 'w1' ? 'write' : 'read', priority);
    }
    await flush();
    for (let i = 0; i < 5; i++) {
      r.granted[r.granted.length - 1].permit.release({ type: 'error' });
      await flush();
    }
    assert.deepStrictEqual(r.labels(), ['first', 'u1', 'u2', 'w1', 'b1', 'b2']);
  });

  it('an aborted waiter leaves the queue and rejects with the signal reason', async () => {
    const s = new RequestScheduler({ ceiling: 1, clock: new ManualClock() });
    const r = new Requests(s);
    void r.start('holder');
    const ac = new AbortController();
    const aborted = r.start('aborted', 'read', 'user', ac.signal);
    void r.start('after');
    await flush();
    assert.strictEqual(s.stats().queued, 2);

    const reason = new Error('user cancelled');
    ac.abort(reason);
    await assert.rejects(aborted, (e) => e === reason);
    assert.strictEqual(s.stats().queued, 1);

    r.take('holder').release({ type: 'ok', latencyMs: 5 });
    await flush();
    assert.deepStrictEqual(r.labels(), ['holder', 'after']);

    const pre = new AbortController();
    pre.abort(new Error('already'));
    await assert.rejects(s.acquire('read', 'user', pre.signal), /already/);
    assert.strictEqual(s.stats().queued, 0);
  });

  it('counts a permit released twice once', async () => {
    const s = new RequestScheduler({ ceiling: 2, clock: new ManualClock() });
    const r = new Requests(s);
    void r.start('a');
    void r.start('b');
    void r.start('c');
    await flush();
    const a = r.take('a');
    a.release({ type: 'error' });
    a.release({ type: 'error' });
    a.release({ type: 'ok', latencyMs: 1 });
    await flush();
    assert.deepStrictEqual(r.labels(), ['a', 'b', 'c']);
    assert.strictEqual(s.stats().inFlight, 2);
    const b = r.take('b');
    b.release({ type: 'throttled' });
    b.release({ type: 'throttled' });
    assert.strictEqual(s.stats().inFlight, 1);
    assert.strictEqual(s.stats().throttled, 1);
  });

  it('never exceeds the ceiling, also when it is lowered and raised', async () => {
    const clock = new ManualClock();
    const s = new RequestScheduler({ ceiling: 6, clock });
    const held: Permit[] = [];
    let peak = 0;
    let ceiling = 6;
    let granted = 0;
    const spawn = (kind: RequestKind) =>
      s.acquire(kind, granted % 3 ? 'user' : 'background').then((p) => {
        granted++;
        held.push(p);
        assert.ok(s.stats().inFlight <= ceiling, `inFlight ${s.stats().inFlight} > ceiling ${ceiling}`);
        peak = Math.max(peak, s.stats().inFlight);
      });
    for (let i = 0; i < 300; i++) void spawn(i % 4 ? 'read' : 'write');
    // deterministic pseudo-random feedback
    let x = 7;
    const rnd = () => ((x = (x * 1103515245 + 12345) % 2147483648) / 2147483648);
    for (let step = 0; granted < 300; step++) {
      await flush();
      if (step === 20) s.setCeiling((ceiling = 2));
      if (step === 60) s.setCeiling((ceiling = 9));
      const p = held.splice(Math.floor(rnd() * held.length), 1)[0];
      if (!p) {
        clock.advance(50);
        continue;
      }
      const roll = rnd();
      if (roll < 0.8) p.release({ type: 'ok', latencyMs: 20 + rnd() * 10 });
      else if (roll < 0.9) p.release({ type: 'throttled', retryAfterMs: 30 });
      else p.release({ type: 'error' });
      // Lowering the ceiling cannot recall permits already out; only check once drained below it.
      if (step > 20 && step < 60 && s.stats().inFlight <= 2) assert.ok(s.stats().inFlight <= ceiling);
      clock.advance(1);
    }
    assert.strictEqual(granted, 300);
    assert.ok(peak <= 9 && peak >= 6, `peak ${peak}`);
  });

  it('grows while responses are healthy, up to the ceiling and no further', async () => {
    const s = new RequestScheduler({ ceiling: 20, clock: new ManualClock() });
    const held: Permit[] = [];
    for (let i = 0; i < 200; i++) void s.acquire('read').then((p) => held.push(p));
    await flush();
    assert.strictEqual(s.stats().limit.read, 8);
    for (let i = 0; i < 100; i++) {
      held.shift()?.release({ type: 'ok', latencyMs: 30 });
      await flush();
      assert.ok(s.stats().inFlight <= 20);
    }
    assert.strictEqual(s.stats().limit.read, 20);
    assert.strictEqual(s.stats().inFlight, 20);
    // writes grow on their own: still at the start
    assert.strictEqual(s.stats().limit.write, 8);
  });

  it('decreases multiplicatively on a throttle, once per round trip', async () => {
    const clock = new ManualClock();
    const s = new RequestScheduler({ ceiling: 40, initial: 20, clock });
    const held: Permit[] = [];
    for (let i = 0; i < 100; i++) void s.acquire('read').then((p) => held.push(p));
    await flush();
    assert.strictEqual(held.length, 20);
    // the whole window comes back throttled: one reaction, not twenty
    for (const p of held.splice(0)) p.release({ type: 'throttled' });
    await flush();
    const st = s.stats();
    assert.strictEqual(st.limit.read, 14);
    assert.strictEqual(st.throttled, 20);
    // the next window throttled again: decreases again
    assert.strictEqual(held.length, 14);
    for (const p of held.splice(0)) p.release({ type: 'throttled' });
    await flush();
    assert.strictEqual(s.stats().limit.read, 9);
    assert.strictEqual(s.stats().limit.write, 20, 'writes keep their own limit');
  });

  it('learns the concurrency cap from throttles above anything that has worked, and sits at it', async () => {
    const clock = new ManualClock();
    const s = new RequestScheduler({ ceiling: 40, clock });
    const CAP = 12;
    // A server refusing a request that arrives while CAP are in progress.
    let serverInFlight = 0;
    const inFlight: { permit: Permit; accepted: boolean }[] = [];
    let throttles = 0;
    let peakAfterLearning = 0;
    for (let i = 0; i < 600; i++)
      void s.acquire('read').then((permit) => {
        const accepted = serverInFlight < CAP;
        if (accepted) serverInFlight++;
        inFlight.push({ permit, accepted });
        if (s.stats().concurrencyCap !== undefined) peakAfterLearning = Math.max(peakAfterLearning, s.stats().inFlight);
      });
    await flush();
    while (inFlight.length || s.stats().queued) {
      const next = inFlight.shift();
      if (!next) {
        clock.advance(1000);
        await flush();
        continue;
      }
      if (next.accepted) {
        serverInFlight--;
        next.permit.release({ type: 'ok', latencyMs: 30 });
      } else {
        throttles++;
        next.permit.release({ type: 'throttled', retryAfterMs: 1000 });
      }
      await flush();
    }
    assert.ok(throttles >= 1 && throttles <= 12, `throttles ${throttles}`);
    assert.strictEqual(s.stats().concurrencyCap, CAP);
    assert.ok(peakAfterLearning <= CAP + 1, `peak after learning ${peakAfterLearning}`);
  });

  it('pauses a kind for Retry-After without holding up the other kind', async () => {
    const clock = new ManualClock();
    const s = new RequestScheduler({ ceiling: 4, initial: 1, clock });
    const r = new Requests(s);
    void r.start('r1');
    await flush();
    void r.start('r2');
    void r.start('w1', 'write');
    await flush();
    r.take('r1').release({ type: 'throttled', retryAfterMs: 1000 });
    await flush();
    assert.deepStrictEqual(r.labels(), ['r1', 'w1'], 'reads paused, the write went');
    clock.advance(999);
    await flush();
    assert.deepStrictEqual(r.labels(), ['r1', 'w1']);
    clock.advance(1);
    await flush();
    assert.deepStrictEqual(r.labels(), ['r1', 'w1', 'r2']);
  });

  it('an aborted waiter does not stall the queue behind a pause', async () => {
    const clock = new ManualClock();
    const s = new RequestScheduler({ ceiling: 2, initial: 1, clock });
    const r = new Requests(s);
    void r.start('r1');
    await flush();
    const ac = new AbortController();
    const doomed = r.start('doomed', 'read', 'user', ac.signal);
    void r.start('r2');
    r.take('r1').release({ type: 'throttled', retryAfterMs: 500 });
    ac.abort(new Error('gone'));
    await assert.rejects(doomed, /gone/);
    clock.advance(500);
    await flush();
    assert.deepStrictEqual(r.labels(), ['r1', 'r2']);
  });

  it('backs off on latency well above the baseline, not below where it started', async () => {
    const s = new RequestScheduler({ ceiling: 20, clock: new ManualClock() });
    const held: Permit[] = [];
    for (let i = 0; i < 400; i++) void s.acquire('read').then((p) => held.push(p));
    await flush();
    for (let i = 0; i < 100; i++) {
      held.shift()?.release({ type: 'ok', latencyMs: 30 });
      await flush();
    }
    assert.strictEqual(s.stats().limit.read, 20);
    // jitter within the tolerance changes nothing
    for (let i = 0; i < 40; i++) {
      held.shift()?.release({ type: 'ok', latencyMs: 30 + (i % 5) * 20 });
      await flush();
    }
    assert.strictEqual(s.stats().limit.read, 20);
    for (let i = 0; i < 25; i++) {
      held.shift()?.release({ type: 'ok', latencyMs: 400 });
      await flush();
    }
    const after = s.stats().limit.read;
    assert.ok(after <= 16, `limit 20 → ${after}`);
    for (let i = 0; i < 200; i++) {
      held.shift()?.release({ type: 'ok', latencyMs: 400 });
      await flush();
    }
    assert.strictEqual(s.stats().limit.read, 8, 'latency alone stops at the starting limit');
  });

  it('recovers after a throttle: grows back while healthy', async () => {
    const clock = new ManualClock();
    const s = new RequestScheduler({ ceiling: 20, clock });
    const held: Permit[] = [];
    for (let i = 0; i < 2000; i++) void s.acquire('read').then((p) => held.push(p));
    await flush();
    held.shift()?.release({ type: 'throttled', retryAfterMs: 200 });
    await flush();
    const low = s.stats().limit.read;
    assert.ok(low < 8, `after the throttle ${low}`);
    clock.advance(200);
    for (let i = 0; i < 800; i++) {
      held.shift()?.release({ type: 'ok', latencyMs: 30 });
      await flush();
    }
    assert.strictEqual(s.stats().limit.read, 20);
    assert.strictEqual(s.stats().inFlight, 20);
  });
});
