/**
 * Per-workspace request scheduler: decides how many requests are in flight.
 *
 * CONTRACT (the HTTP layer depends on it; keep it stable):
 *   const permit = await scheduler.acquire('read' | 'write', 'user' | 'background', signal);
 *   try { ...send one HTTP attempt... } finally { permit.release(feedback) }
 * `acquire` waits for a slot (user work ahead of background), rejects with the signal's reason
 * when aborted. `release` reports how the attempt went so the scheduler can adapt: 'ok' with the
 * latency, 'throttled' (429 / REQUEST_LIMIT_EXCEEDED) with Retry-After, or 'error'.
 *
 * How it adapts. Databricks limits a workspace two ways: a cap on concurrent requests (all
 * kinds together, ~20) and per-endpoint rates (permission writes ~30/s). Neither is published
 * per workspace, so the scheduler learns both from feedback, separately for reads and writes:
 * - Each kind has a concurrency window that starts at min(8, ceiling), doubles per round trip
 *   until the first sign of trouble (slow start), then grows by one per round trip, and shrinks
 *   multiplicatively on throttling or on latency well above the observed baseline (server-side
 *   queueing; latency alone never shrinks it below the start). One reduction per round trip:
 *   feedback from requests sent before the last reduction does not count again.
 * - A throttle at a server load never seen to succeed is the concurrency cap: that load minus
 *   one becomes a learned cap (all kinds) the scheduler sits at instead of sawing up and down
 *   through it (each trip costs a Retry-After pause); it is probed upward, less often after
 *   each failed probe. A write throttled at a load that has worked before is a rate limit:
 *   writes are paced slightly below the rate accepted since the previous throttle (for a token
 *   bucket that was empty at both throttles this is exactly the refill rate), and the pace
 *   probes upward slowly while demand keeps up with it. The first throttle has no previous one
 *   to measure from, and what was accepted before it includes the server's initial burst: the
 *   first estimate assumes that burst was one second of the rate, which errs low. The pace is
 *   itself a token bucket whose burst is that one second of the estimated rate (shrunk when a
 *   throttle shows it was too large), so a small batch after a pause still goes at once.
 *   The HTTP layer may say which limit it was (`Feedback.cause`); otherwise the scheduler
 *   infers it as above.
 * - Retry-After pauses dispatch of that kind until then; the HTTP layer retries the throttled
 *   request itself after re-acquiring. A paused or paced kind does not hold up the other.
 * The user-settable ceiling bounds the total in flight, all kinds, always.
 */
import type { Priority } from './api';

export type RequestKind = 'read' | 'write';

/** What the server said was exceeded, when the HTTP layer can tell (e.g. "exceeded the
 * concurrent limit of 20 requests" → 'concurrency'); otherwise the scheduler infers it. */
export type ThrottleCause = 'concurrency' | 'rate';

export type Feedback =
  | { type: 'ok'; latencyMs: number }
  | { type: 'throttled'; retryAfterMs?: number; cause?: ThrottleCause }
  | { type: 'error' };

export interface Permit {
  release(feedback: Feedback): void;
}

/** Time source, injectable so tests can drive pauses and pacing without waiting. */
export interface SchedulerClock {
  now(): number;
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface SchedulerOptions {
  /** user-settable ceiling on requests in flight (all kinds together) */
  ceiling: number;
  /** where the adaptive limit starts; defaults to min(8, ceiling) */
  initial?: number;
  /** defaults to the process's monotonic clock and timers */
  clock?: SchedulerClock;
}

export interface SchedulerStats {
  inFlight: number;
  queued: number;
  limit: { read: number; write: number };
  throttled: number;
  inFlightByKind: { read: number; write: number };
  /** learned pace in requests/s; undefined while that kind is not rate limited */
  rate: { read: number | undefined; write: number | undefined };
  /** learned cap on total in flight; undefined while only the ceiling applies */
  concurrencyCap: number | undefined;
  ceiling: number;
}

const DEFAULT_INITIAL = 8;
/** Window multiplier on a concurrency throttle or an unexplained one. */
const THROTTLE_DECREASE = 0.7;
/** Window multiplier when latency says the server is queueing. */
const LATENCY_DECREASE = 0.8;
/** Smoothed latency above baseline × factor + slack counts as queueing. The slack keeps
 * jitter (a busy machine, a slow link) from looking like congestion. */
const LATENCY_FACTOR = 2;
const LATENCY_SLACK_MS = 100;
const LATENCY_MIN_SAMPLES = 5;
const LATENCY_SMOOTHING = 0.2;
/** The baseline is the minimum over the last one to two of these windows, so it can rise. */
const LATENCY_BASELINE_WINDOW_MS = 30_000;
/** Pace this fraction of the measured sustainable rate. */
const RATE_MARGIN = 0.95;
/** Pace growth, as a fraction per second of paced sending. */
const RATE_PROBE_PER_SECOND = 0.01;
/** Pace growth while the rate is only a first estimate (which errs low), until a second
 * throttle measures it exactly. */
const FIRST_ESTIMATE_PROBE_PER_SECOND = 0.4;
const MIN_RATE = 0.2;
/** How far back accepted requests count towards a rate estimate when there is no recent
 * throttle to measure from. */
const RATE_WINDOW_MS = 2_000;
/** The server's burst assumed by a first rate estimate, as time at its rate. Databricks does
 * not publish it; one second is the common token-bucket shape (and the fake's). Assuming more
 * than the truth only makes the first estimate lower, which the probe then corrects. */
const ASSUMED_BURST_MS = 1_000;
/** Time without a concurrency throttle before the learned cap is raised by one. Every probe
 * that trips the cap costs a Retry-After pause, so the interval doubles after each failed
 * probe and halves after each one that held. */
const CAP_PROBE_INITIAL_MS = 10_000;
const CAP_PROBE_MIN_MS = 1_000;
const CAP_PROBE_MAX_MS = 300_000;
const RECENT_THROTTLES_KEPT = 256;
/** Timers may fire this early or late; dispatching that close to the slot is on time. */
const TIMER_TOLERANCE_MS = 1;

const monotonicClock: SchedulerClock = {
  now: () => performance.now(),
  setTimeout: (callback, ms) => setTimeout(callback, ms),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

interface Waiter {
  seq: number;
  kind: RequestKind;
  priority: Priority;
  settled: boolean;
  grant: (p: Permit) => void;
}

/** FIFO with O(1) removal from the front; aborted waiters are skipped lazily. */
class WaiterQueue {
  private items: Waiter[] = [];
  private head = 0;

  push(w: Waiter): void {
    this.items.push(w);
  }

  peek(): Waiter | undefined {
    while (this.head < this.items.length && this.items[this.head].settled) this.head++;
    this.compact();
    return this.items[this.head];
  }

  shift(): Waiter | undefined {
    const w = this.peek();
    if (w) this.head++;
    return w;
  }

  private compact(): void {
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }
}

class LatencyTracker {
  private currentMin = Infinity;
  private previousMin = Infinity;
  private windowStart: number;
  private smoothed: number | undefined;
  private samples = 0;

  constructor(now: number) {
    this.windowStart = now;
  }

  record(latencyMs: number, now: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0) return;
    if (now - this.windowStart >= LATENCY_BASELINE_WINDOW_MS) {
      this.previousMin = this.currentMin;
      this.currentMin = Infinity;
      this.windowStart = now;
    }
    this.currentMin = Math.min(this.currentMin, latencyMs);
    this.smoothed = this.smoothed === undefined ? latencyMs : this.smoothed + LATENCY_SMOOTHING * (latencyMs - this.smoothed);
    this.samples++;
  }

  congested(): boolean {
    const baseline = Math.min(this.currentMin, this.previousMin);
    if (this.smoothed === undefined || this.samples < LATENCY_MIN_SAMPLES || !Number.isFinite(baseline)) return false;
    return this.smoothed > baseline * LATENCY_FACTOR + LATENCY_SLACK_MS;
  }

  /** After a reduction, only latency measured from then on may justify another. */
  forgetRecent(): void {
    this.smoothed = undefined;
    this.samples = 0;
  }
}

/** Adaptive state of one request kind. */
class Lane {
  window: number;
  slowStart = true;
  inFlight = 0;
  /** Bumped on every reduction; a permit from an older epoch cannot cause another. */
  epoch = 0;
  pausedUntil = -Infinity;
  rate: number | undefined;
  /** requests the pace lets go back to back after a quiet spell (the server's bucket refills
   * meanwhile); meaningful while `rate` is set */
  burst = 1;
  /** when the pace's bucket is next due a token: the model of the server's bucket is empty
   * until then, and `burst` intervals before it was full */
  nextSlotAt = -Infinity;
  /** when this kind last reacted to a throttle */
  lastThrottleReactionAt: number | undefined;
  /** when this kind last reacted to a rate throttle, the server's bucket being empty then;
   * forgotten after a quiet spell, when the bucket may have filled and overflowed */
  lastRateThrottleAt: number | undefined;
  /** accepted requests sent since `lastRateThrottleAt` */
  acceptedSinceRateThrottle = 0;
  /** `rate` is a first estimate, not yet measured between two throttles */
  provisional = false;
  /** when this kind last had nothing in flight or queued */
  quietSince: number | undefined;
  lastRetryAfterMs = 0;
  firstDispatchAt: number | undefined;
  readonly queues: Record<Priority, WaiterQueue> = { user: new WaiterQueue(), background: new WaiterQueue() };
  readonly latency: LatencyTracker;
  /** send times of recently accepted requests, in the order they came back */
  private accepted: number[] = [];

  constructor(initial: number, now: number) {
    this.window = initial;
    this.latency = new LatencyTracker(now);
  }

  /** Time before which this kind may not be dispatched (pause or pace), or -Infinity. */
  blockedUntil(): number {
    return Math.max(this.pausedUntil, this.rate === undefined ? -Infinity : this.nextSlotAt);
  }

  recordAccepted(sentAt: number, now: number): void {
    if (this.lastRateThrottleAt !== undefined && sentAt >= this.lastRateThrottleAt) this.acceptedSinceRateThrottle++;
    this.accepted.push(sentAt);
    // Entries are in return order, so this trims approximately; acceptedSince filters exactly.
    const horizon = now - 2 * this.rateWindow();
    let drop = 0;
    while (drop < this.accepted.length && this.accepted[drop] < horizon) drop++;
    if (drop) this.accepted.splice(0, drop);
  }

  /** Accepted requests sent after `since`. Counting by send time keeps requests that were
   * already in flight (and took their tokens) before `since` out of the measurement. */
  acceptedSince(since: number): number {
    let n = 0;
    for (const sentAt of this.accepted) if (sentAt > since) n++;
    return n;
  }

  rateWindow(): number {
    return Math.max(RATE_WINDOW_MS, this.lastRetryAfterMs + 1_000);
  }
}

interface PermitRecord {
  lane: Lane;
  epoch: number;
  sentAt: number;
  /** total in flight, this one included, when it was sent */
  totalAtDispatch: number;
  /** position in the scheduler's sequence of dispatches and releases */
  dispatchEvent: number;
  /** the kind's window was full when it was sent, so the window was what limited throughput */
  saturated: boolean;
  released: boolean;
}

export class RequestScheduler {
  private ceiling: number;
  private readonly initial: number;
  private readonly clock: SchedulerClock;
  private readonly lanes: Record<RequestKind, Lane>;
  private inFlight = 0;
  private queued = 0;
  private throttledCount = 0;
  private seq = 0;
  /** highest server load (see `serverLoad`) at which a request was sent and succeeded */
  private maxOkLoad = 0;
  private concurrencyCap: number | undefined;
  private lastCapEventAt = -Infinity;
  private capProbeIntervalMs = CAP_PROBE_INITIAL_MS;
  private probedSinceCapThrottle = false;
  private timer: { handle: unknown; at: number } | undefined;
  private events = 0;
  /** recent throttled permits, to tell how many of those in flight the server never counted */
  private recentThrottles: { dispatchEvent: number; releaseEvent: number }[] = [];

  constructor(options: SchedulerOptions) {
    this.clock = options.clock ?? monotonicClock;
    this.ceiling = sanitizeCount(options.ceiling);
    const initial = Math.min(sanitizeCount(options.initial ?? DEFAULT_INITIAL), this.ceiling);
    this.initial = initial;
    const now = this.clock.now();
    this.lanes = { read: new Lane(initial, now), write: new Lane(initial, now) };
  }

  setCeiling(ceiling: number): void {
    this.ceiling = sanitizeCount(ceiling);
    if (this.concurrencyCap !== undefined && this.concurrencyCap >= this.ceiling) this.concurrencyCap = undefined;
    this.pump();
  }

  acquire(kind: RequestKind, priority: Priority = 'user', signal?: AbortSignal): Promise<Permit> {
    return new Promise<Permit>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const onAbort = () => {
        if (waiter.settled) return;
        waiter.settled = true;
        this.queued--;
        reject(signal?.reason);
        // The aborted waiter may have been the head that a pause timer was armed for.
        this.pump();
      };
      const waiter: Waiter = {
        seq: this.seq++,
        kind,
        priority,
        settled: false,
        grant: (permit) => {
          waiter.settled = true;
          signal?.removeEventListener('abort', onAbort);
          resolve(permit);
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      this.lanes[kind].queues[priority].push(waiter);
      this.queued++;
      this.pump();
    });
  }

  stats(): SchedulerStats {
    const total = this.totalLimit();
    const { read, write } = this.lanes;
    return {
      inFlight: this.inFlight,
      queued: this.queued,
      limit: { read: Math.min(Math.floor(read.window), total), write: Math.min(Math.floor(write.window), total) },
      throttled: this.throttledCount,
      inFlightByKind: { read: read.inFlight, write: write.inFlight },
      rate: { read: read.rate, write: write.rate },
      concurrencyCap: this.concurrencyCap,
      ceiling: this.ceiling,
    };
  }

  private totalLimit(): number {
    return Math.min(this.ceiling, this.concurrencyCap ?? Infinity);
  }

  private pump(): void {
    const now = this.clock.now();
    this.maybeProbeCap(now);
    for (;;) {
      if (this.inFlight >= this.totalLimit()) break;
      const next = this.nextDispatchable(now);
      if (!next) break;
      this.dispatch(next, now);
    }
    this.armTimer(now);
  }

  /** The next waiter of the highest priority whose kind may go now; FIFO within a priority
   * and kind. A kind that is paused or paced does not hold up the other. When both may go,
   * the kind using less of its own limit goes first (then the older waiter): a backlog of
   * cheap reads must not starve rate-limited writes of the shared slots. */
  private nextDispatchable(now: number): Waiter | undefined {
    for (const priority of ['user', 'background'] as const) {
      let best: { waiter: Waiter; share: number } | undefined;
      for (const lane of Object.values(this.lanes)) {
        const head = lane.queues[priority].peek();
        if (!head || !this.laneOpen(lane, now)) continue;
        const share = lane.inFlight / this.laneWindow(lane);
        if (!best || share < best.share || (share === best.share && head.seq < best.waiter.seq)) best = { waiter: head, share };
      }
      if (best) return best.waiter;
    }
    return undefined;
  }

  private laneWindow(lane: Lane): number {
    return Math.max(1, Math.floor(Math.min(lane.window, this.totalLimit())));
  }

  private laneOpen(lane: Lane, now: number): boolean {
    return lane.inFlight < this.laneWindow(lane) && lane.blockedUntil() <= now + TIMER_TOLERANCE_MS;
  }

  private dispatch(waiter: Waiter, now: number): void {
    const lane = this.lanes[waiter.kind];
    lane.queues[waiter.priority].shift();
    this.queued--;
    lane.inFlight++;
    this.inFlight++;
    lane.firstDispatchAt ??= now;
    // A throttled request is retried after its Retry-After, so only a longer quiet spell means
    // the server's bucket may have overflowed: what it accepts from now on no longer measures
    // its rate from the last throttle.
    if (lane.quietSince !== undefined && now - lane.quietSince > lane.rateWindow()) lane.lastRateThrottleAt = undefined;
    lane.quietSince = undefined;
    if (lane.rate !== undefined) this.advancePace(lane, now);
    const record: PermitRecord = {
      lane,
      epoch: lane.epoch,
      sentAt: now,
      totalAtDispatch: this.inFlight,
      dispatchEvent: ++this.events,
      saturated: lane.inFlight >= Math.floor(lane.window) || this.inFlight >= this.totalLimit(),
      released: false,
    };
    waiter.grant({ release: (feedback) => this.release(record, feedback) });
  }

  private advancePace(lane: Lane, now: number): void {
    const rate = lane.rate as number;
    const interval = 1000 / rate;
    // Sending within one interval of the earliest slot means demand keeps up with the pace:
    // only then is it worth probing for a higher rate.
    if (now - lane.nextSlotAt < interval) lane.rate = rate + (lane.provisional ? FIRST_ESTIMATE_PROBE_PER_SECOND : RATE_PROBE_PER_SECOND);
    // Quiet time earns up to `burst` tokens, as it does at the server; at least one interval
    // of catch-up either way, because timers fire late and the average pace must stay exact.
    const credit = Math.max(1, lane.burst - 1) * interval;
    lane.nextSlotAt = Math.max(lane.nextSlotAt, now - credit) + interval;
  }

  private release(record: PermitRecord, feedback: Feedback): void {
    if (record.released) return;
    record.released = true;
    const { lane } = record;
    lane.inFlight--;
    this.inFlight--;
    const now = this.clock.now();
    if (lane.inFlight === 0 && !lane.queues.user.peek() && !lane.queues.background.peek()) lane.quietSince = now;
    switch (feedback.type) {
      case 'ok':
        lane.recordAccepted(record.sentAt, now);
        this.maxOkLoad = Math.max(this.maxOkLoad, this.serverLoad(record));
        lane.latency.record(feedback.latencyMs, now);
        if (record.epoch === lane.epoch) {
          // Latency alone never pushes below the start: it is a noisy signal (the machine may
          // just be busy), and the start is known to be moderate; throttles can go lower.
          if (lane.latency.congested() && lane.window > this.initial) this.reduce(lane, LATENCY_DECREASE, this.initial);
          else if (record.saturated) this.grow(lane);
        }
        break;
      case 'error':
        // The server most likely processed it, so it used up rate like an accepted request.
        lane.recordAccepted(record.sentAt, now);
        break;
      case 'throttled':
        this.onThrottled(record, feedback, now);
        break;
    }
    this.pump();
  }

  private grow(lane: Lane): void {
    const cap = this.totalLimit();
    if (lane.window >= cap) return;
    lane.window = Math.min(cap, lane.slowStart ? lane.window + 1 : lane.window + 1 / lane.window);
  }

  private reduce(lane: Lane, factor: number, floor = 1): void {
    lane.epoch++;
    lane.slowStart = false;
    lane.window = Math.max(floor, Math.min(lane.window, this.totalLimit()) * factor);
    lane.latency.forgetRecent();
  }

  private onThrottled(record: PermitRecord, feedback: { retryAfterMs?: number; cause?: ThrottleCause }, now: number): void {
    const { lane } = record;
    this.throttledCount++;
    const retryAfterMs = feedback.retryAfterMs;
    if (retryAfterMs !== undefined && Number.isFinite(retryAfterMs) && retryAfterMs > 0) {
      lane.pausedUntil = Math.max(lane.pausedUntil, now + retryAfterMs);
      lane.lastRetryAfterMs = retryAfterMs;
    }
    const load = this.serverLoad(record);
    this.recentThrottles.push({ dispatchEvent: record.dispatchEvent, releaseEvent: ++this.events });
    if (this.recentThrottles.length > RECENT_THROTTLES_KEPT) this.recentThrottles.shift();
    const cause = feedback.cause ?? this.inferCause(lane, load);
    if (cause === 'concurrency') {
      // A measurement, not a reaction: every concurrency throttle narrows it, even late ones.
      const cap = Math.max(1, load - 1);
      this.concurrencyCap = Math.min(this.concurrencyCap ?? Infinity, cap);
      if (this.concurrencyCap >= this.ceiling) this.concurrencyCap = undefined;
      this.lastCapEventAt = now;
      if (this.probedSinceCapThrottle) this.capProbeIntervalMs = Math.min(CAP_PROBE_MAX_MS, this.capProbeIntervalMs * 2);
      this.probedSinceCapThrottle = false;
      this.maxOkLoad = Math.min(this.maxOkLoad, this.concurrencyCap ?? Infinity);
    }
    if (record.epoch !== lane.epoch) return;
    if (cause === 'rate') {
      lane.epoch++;
      lane.slowStart = false;
      this.learnRate(lane, now);
    } else {
      this.reduce(lane, THROTTLE_DECREASE);
    }
    lane.lastThrottleReactionAt = now;
  }

  /** Throttled above any load that has worked: the concurrency cap (`load - 1` never
   * underestimates it). A write throttled at a load that has worked before: a rate limit
   * (writes are what Databricks rate limits hard). A read throttled at the learned cap: a
   * probe above it failed. Anything else is unknown (a read rate limit, another client's
   * load, a blip): back off and learn nothing, except that the load is no longer known to be
   * fine. Unknown reads are never taken for a rate: a rate measured across a pause would
   * pace reads far below what the cap allows. */
  private inferCause(lane: Lane, load: number): ThrottleCause | undefined {
    if (this.maxOkLoad > 0 && load > this.maxOkLoad) return 'concurrency';
    if (lane === this.lanes.write) return this.maxOkLoad > 0 ? 'rate' : undefined;
    if (this.concurrencyCap !== undefined && load >= this.concurrencyCap) return 'concurrency';
    this.maxOkLoad = Math.min(this.maxOkLoad, Math.max(0, load - 1));
    return undefined;
  }

  /** How many requests the server may have been working on when this one arrived, itself
   * included: our count at dispatch, less those in it that the server refused (a refusal
   * arrives quickly, and the server never counted it). */
  private serverLoad(record: PermitRecord): number {
    let refused = 0;
    for (const t of this.recentThrottles) if (t.dispatchEvent < record.dispatchEvent && t.releaseEvent > record.dispatchEvent) refused++;
    return record.totalAtDispatch - refused;
  }

  private learnRate(lane: Lane, now: number): void {
    // Since the previous rate throttle the server's bucket went from empty to empty, so what it
    // accepted in between is its refill rate. Without one, the last few seconds hold the
    // bucket's burst as well as its refill: the first estimate takes the burst out by assuming
    // its size (erring low, so it probes up fast until the next throttle measures it); a later
    // one keeps it in, an upper bound that the known pace caps.
    const previous = lane.lastRateThrottleAt;
    const first = lane.rate === undefined;
    let measured: number;
    if (previous !== undefined) {
      const accepted = lane.acceptedSinceRateThrottle;
      measured = accepted > 0 ? (accepted * 1000) / Math.max(1, now - previous) : (lane.rate ?? 1) / 2;
    } else {
      // Just before the first send, so that the requests sent at that instant count.
      const since = Math.max(now - lane.rateWindow(), (lane.firstDispatchAt ?? now) - 1e-3);
      const accepted = lane.acceptedSince(since);
      const spanMs = Math.max(1, now - since) + (first ? ASSUMED_BURST_MS : 0);
      measured = accepted > 0 ? (accepted * 1000) / spanMs : (lane.rate ?? 1) / 2;
    }
    if (!first) {
      // Tokens the pace still thought the server had: its burst is smaller than assumed.
      const interval = 1000 / (lane.rate as number);
      const unused = Math.min(lane.burst, Math.max(0, (now - lane.nextSlotAt) / interval + 1));
      if (unused > 1) lane.burst = Math.max(1, lane.burst - unused);
    }
    // Never above the pace that was just throttled.
    const rate = Math.max(MIN_RATE, Math.min(measured, lane.rate ?? Infinity) * RATE_MARGIN);
    lane.rate = rate;
    // Any later throttle means the pace has reached the limit: from then on it probes slowly.
    lane.provisional = first;
    if (first) lane.burst = Math.max(1, (rate * ASSUMED_BURST_MS) / 1000);
    // The server's bucket is empty now. Requests still in flight arrive at it within about one
    // round trip, too soon to find more than a token or so there.
    lane.nextSlotAt = now + (Math.min(lane.inFlight, 1) + 1) * (1000 / rate);
    lane.lastRateThrottleAt = now;
    lane.acceptedSinceRateThrottle = 0;
  }

  /** A learned cap may be stale (another client stopped, a one-off spike): after a quiet
   * spell with demand pressing against it, allow one more. */
  private maybeProbeCap(now: number): void {
    if (this.concurrencyCap === undefined || this.queued === 0) return;
    // Called after a release, so one below the cap means demand is pressing against it.
    if (this.inFlight < this.concurrencyCap - 1 || now - this.lastCapEventAt < this.capProbeIntervalMs) return;
    if (this.probedSinceCapThrottle) this.capProbeIntervalMs = Math.max(CAP_PROBE_MIN_MS, this.capProbeIntervalMs / 2);
    this.probedSinceCapThrottle = true;
    this.concurrencyCap++;
    this.lastCapEventAt = now;
    if (this.concurrencyCap >= this.ceiling) this.concurrencyCap = undefined;
  }

  private armTimer(now: number): void {
    let wakeAt = Infinity;
    if (this.inFlight < this.totalLimit()) {
      for (const lane of Object.values(this.lanes)) {
        if (!lane.queues.user.peek() && !lane.queues.background.peek()) continue;
        const blockedUntil = lane.blockedUntil();
        if (blockedUntil > now + TIMER_TOLERANCE_MS) wakeAt = Math.min(wakeAt, blockedUntil);
      }
    }
    if (this.timer && this.timer.at === wakeAt) return;
    if (this.timer) this.clock.clearTimeout(this.timer.handle);
    this.timer = undefined;
    if (wakeAt === Infinity) return;
    const handle = this.clock.setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, Math.max(0, wakeAt - now));
    this.timer = { handle, at: wakeAt };
  }
}

function sanitizeCount(n: number): number {
  return Number.isFinite(n) ? Math.max(1, Math.floor(n)) : 1;
}
