/** Backoff arithmetic and abortable sleeps shared by the API transport and the token endpoint. */
import { DatabricksError } from './errors';

export interface RetryPolicy {
  maxAttempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { maxAttempts: 6, baseDelayMs: 500, maxDelayMs: 10_000 };

/** A server's Retry-After is honoured, but never beyond this, so a bad header cannot stall a UI. */
const RETRY_AFTER_CAP_MS = 120_000;

export function retryPolicy(p?: Partial<RetryPolicy>): RetryPolicy {
  return {
    maxAttempts: Math.max(1, p?.maxAttempts ?? DEFAULT_RETRY.maxAttempts),
    baseDelayMs: Math.max(0, p?.baseDelayMs ?? DEFAULT_RETRY.baseDelayMs),
    maxDelayMs: Math.max(0, p?.maxDelayMs ?? DEFAULT_RETRY.maxDelayMs),
  };
}

/** Integer seconds only; an HTTP-date is rare from Databricks and falls back to backoff. */
export function parseRetryAfter(value: unknown): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (typeof v !== 'string' && typeof v !== 'number') return undefined;
  const s = String(v).trim();
  if (!/^\d+$/.test(s)) return undefined;
  return Math.min(Number(s) * 1000, RETRY_AFTER_CAP_MS);
}

/** Capped exponential backoff with full jitter; `attempt` is 1 for the first retry. */
export function backoffDelay(policy: RetryPolicy, attempt: number, retryAfterMs?: number): number {
  if (retryAfterMs !== undefined) return retryAfterMs;
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.random() * ceiling;
}

export function cancelledError(extra?: { method?: string; path?: string; host?: string }): DatabricksError {
  return new DatabricksError({ kind: 'cancelled', message: 'The request was cancelled.', ...extra });
}

export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(cancelledError());
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(cancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Resolves with `p`, or rejects as cancelled when `signal` fires first (p keeps running). */
export function raceAbort<T>(p: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return p;
  if (signal.aborted) return Promise.reject(cancelledError());
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(cancelledError());
    signal.addEventListener('abort', onAbort, { once: true });
    p.then(
      (v) => {
        signal.removeEventListener('abort', onAbort);
        resolve(v);
      },
      (e) => {
        signal.removeEventListener('abort', onAbort);
        reject(e);
      },
    );
  });
}
