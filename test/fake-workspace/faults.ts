/** Switchable misbehaviour: latency, a concurrency cap, rate limits and one-shot injected faults. */
import type { FakeFaults, InjectedFault } from './types';

/** Refills continuously at `rate` per second up to a one-second burst. */
class TokenBucket {
  private tokens: number;
  private last = Date.now();
  constructor(private rate: number) {
    this.tokens = rate;
  }
  take(rate: number): boolean {
    if (rate !== this.rate) {
      this.rate = rate;
      this.tokens = Math.min(this.tokens, rate);
    }
    const now = Date.now();
    this.tokens = Math.min(this.rate, this.tokens + ((now - this.last) / 1000) * this.rate);
    this.last = now;
    if (this.tokens < 1) return false;
    this.tokens -= 1;
    return true;
  }
}

interface QueuedFault {
  fault: InjectedFault;
  remaining: number;
}

export class Faults implements FakeFaults {
  latencyMs = 0;
  concurrencyCap: number | undefined;
  retryAfterSeconds = 1;
  writeRatePerSecond: number | undefined;
  readRatePerSecond: number | undefined;
  throttledCount = 0;

  private queue: QueuedFault[] = [];
  private current = 0;
  private max = 0;
  private readonly buckets = new Map<'read' | 'write', TokenBucket>();

  get inFlight(): number {
    return this.current;
  }
  get maxInFlightSeen(): number {
    return this.max;
  }
  resetMaxInFlight(): void {
    this.max = this.current;
  }

  inject(fault: InjectedFault): void {
    this.queue.push({ fault, remaining: fault.times ?? 1 });
  }

  clear(): void {
    this.queue = [];
    this.latencyMs = 0;
    this.concurrencyCap = undefined;
    this.retryAfterSeconds = 1;
    this.writeRatePerSecond = undefined;
    this.readRatePerSecond = undefined;
    this.buckets.clear();
  }

  /** false when the cap is reached; otherwise counts the request in flight until `leave` */
  enter(): boolean {
    if (this.concurrencyCap !== undefined && this.current >= this.concurrencyCap) {
      this.throttledCount++;
      return false;
    }
    this.current++;
    this.max = Math.max(this.max, this.current);
    return true;
  }

  leave(): void {
    this.current--;
  }

  /** false when the kind's rate limit is exhausted */
  takeRate(kind: 'read' | 'write'): boolean {
    const rate = kind === 'read' ? this.readRatePerSecond : this.writeRatePerSecond;
    if (rate === undefined) return true;
    let bucket = this.buckets.get(kind);
    if (!bucket) this.buckets.set(kind, (bucket = new TokenBucket(rate)));
    if (bucket.take(rate)) return true;
    this.throttledCount++;
    return false;
  }

  /**
   * The next queued fault matching `METHOD /path`. A string matches when the line or the path
   * starts with it, or else as a regular expression source; no `match` matches everything.
   */
  take(method: string, path: string): InjectedFault | undefined {
    const line = `${method} ${path}`;
    const index = this.queue.findIndex(({ fault }) => matches(fault.match, line, path));
    if (index < 0) return undefined;
    const queued = this.queue[index];
    if (--queued.remaining <= 0) this.queue.splice(index, 1);
    return queued.fault;
  }
}

function matches(match: string | RegExp | undefined, line: string, path: string): boolean {
  if (match === undefined) return true;
  if (match instanceof RegExp) return match.test(line);
  if (line.startsWith(match) || path.startsWith(match)) return true;
  try {
    return new RegExp(match).test(line);
  } catch {
    return false;
  }
}
