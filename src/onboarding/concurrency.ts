import { setMaxListeners } from 'node:events';

/**
 * A bounded window of promises. The client's scheduler already bounds requests in flight; this
 * bounds how many *promises* we create, so 10,000 objects do not become 10,000 pending closures.
 */
export async function forEachLimit<T>(
  items: Iterable<T>,
  limit: number,
  fn: (item: T) => Promise<void>,
  shouldStop?: () => boolean,
): Promise<void> {
  const it = items[Symbol.iterator]();
  let failure: { error: unknown } | undefined;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (failure || shouldStop?.()) return;
      const next = it.next();
      if (next.done) return;
      try {
        await fn(next.value);
      } catch (error) {
        failure ??= { error };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, limit) }, worker));
  if (failure) throw failure.error;
}

export const WINDOW = 64;

/** A child of `signal` that many concurrent requests may listen to without Node's leak warning
 * (the default cap of 10 listeners is far below our window). */
export function fanoutSignal(...signals: (AbortSignal | undefined)[]): AbortSignal | undefined {
  const present = signals.filter((s): s is AbortSignal => s !== undefined);
  if (!present.length) return undefined;
  const child = AbortSignal.any(present);
  setMaxListeners(0, child);
  return child;
}
