/** Small numeric helpers and the lower bounds the fake's limits allow. */
import type { FakeLimits } from './fakeHost';

export function median(xs: number[]): number {
  const s = xs.filter((x) => Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return NaN;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Page fetches are token-chained, so sequential; reads run `cap` at a time. As the brief
 * states it, the two add up (a slightly generous bound: reads can overlap later pages). */
export function readBoundMs(reads: number, pages: number, limits: FakeLimits): number {
  return Math.ceil(reads / limits.concurrencyCap) * limits.latencyMs + pages * limits.latencyMs;
}

/** The strict bound for the same work: pages chained, reads overlapping them, all `cap` wide. */
export function tightReadBoundMs(reads: number, pages: number, limits: FakeLimits): number {
  // nothing can be read before the first page arrives; after that everything shares the cap
  if (pages === 0) return Math.ceil(reads / limits.concurrencyCap) * limits.latencyMs;
  const rest = Math.ceil((reads + pages - 1) / limits.concurrencyCap) * limits.latencyMs;
  return Math.max(pages * limits.latencyMs, limits.latencyMs + rest);
}

/** writes / rate, as the brief states it. */
export function writeBoundMs(writes: number, limits: FakeLimits): number {
  return (writes / limits.writeRatePerSecond) * 1000;
}

/** The fake's bucket starts full (one second of burst), so strictly (writes − rate) / rate. */
export function tightWriteBoundMs(writes: number, limits: FakeLimits): number {
  return (Math.max(0, writes - limits.writeRatePerSecond) / limits.writeRatePerSecond) * 1000 + limits.latencyMs;
}
