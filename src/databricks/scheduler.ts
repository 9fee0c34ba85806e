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
 * This first version is a plain semaphore; the adaptive version replaces the internals.
 */
import type { Priority } from './api';

export type RequestKind = 'read' | 'write';

export type Feedback =
  | { type: 'ok'; latencyMs: number }
  | { type: 'throttled'; retryAfterMs?: number }
  | { type: 'error' };

export interface Permit {
  release(feedback: Feedback): void;
}

export interface SchedulerOptions {
  /** user-settable ceiling on requests in flight (all kinds together) */
  ceiling: number;
  /** where the adaptive limit starts; defaults to min(8, ceiling) */
  initial?: number;
}

export interface SchedulerStats {
  inFlight: number;
  queued: number;
  limit: { read: number; write: number };
  throttled: number;
}

interface Waiter {
  kind: RequestKind;
  priority: Priority;
  resolve: (p: Permit) => void;
}

export class RequestScheduler {
  private inFlight = 0;
  private throttledCount = 0;
  private readonly queue: Waiter[] = [];

  constructor(private options: SchedulerOptions) {}

  setCeiling(ceiling: number): void {
    this.options = { ...this.options, ceiling };
    this.pump();
  }

  acquire(kind: RequestKind, priority: Priority = 'user', signal?: AbortSignal): Promise<Permit> {
    return new Promise<Permit>((resolve, reject) => {
      if (signal?.aborted) return reject(signal.reason);
      const waiter: Waiter = { kind, priority, resolve };
      const onAbort = () => {
        const i = this.queue.indexOf(waiter);
        if (i >= 0) this.queue.splice(i, 1);
        reject(signal?.reason);
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      waiter.resolve = (p) => {
        signal?.removeEventListener('abort', onAbort);
        resolve(p);
      };
      this.queue.push(waiter);
      this.pump();
    });
  }

  stats(): SchedulerStats {
    const c = this.options.ceiling;
    return { inFlight: this.inFlight, queued: this.queue.length, limit: { read: c, write: c }, throttled: this.throttledCount };
  }

  private pump(): void {
    while (this.inFlight < this.options.ceiling && this.queue.length) {
      const i = this.queue.findIndex((w) => w.priority === 'user');
      const [w] = this.queue.splice(i >= 0 ? i : 0, 1);
      this.inFlight++;
      let released = false;
      w.resolve({
        release: (fb) => {
          if (released) return;
          released = true;
          if (fb.type === 'throttled') this.throttledCount++;
          this.inFlight--;
          this.pump();
        },
      });
    }
  }
}
