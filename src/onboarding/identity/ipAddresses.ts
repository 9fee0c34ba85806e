/**
 * IPv4/IPv6 addresses and CIDR blocks: parsing, validation and containment, with no I/O.
 */
import { isIPv4, isIPv6 } from 'node:net';

export interface IpBlock {
  /** what the user typed, trimmed */
  input: string;
  family: 4 | 6;
  /** network address as an integer (host bits cleared) */
  network: bigint;
  prefix: number;
  /** canonical text, e.g. `10.0.0.0/24` or `203.0.113.7` */
  text: string;
}

export type ParsedIp = { ok: true; block: IpBlock } | { ok: false; input: string; reason: string };

const IPV4_STRICT = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;

function v4ToBig(a: string): bigint {
  return a.split('.').reduce((acc, part) => (acc << 8n) | BigInt(Number(part)), 0n);
}

function v6ToBig(a: string): bigint {
  let s = a;
  // An embedded IPv4 tail (::ffff:1.2.3.4) becomes two hex groups.
  const v4 = s.match(/(\d+\.\d+\.\d+\.\d+)$/);
  if (v4) {
    const n = v4ToBig(v4[1]);
    s = s.slice(0, -v4[1].length) + `${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head, tail] = s.includes('::') ? s.split('::') : [s, undefined];
  const h = head ? head.split(':') : [];
  const t = tail !== undefined && tail !== '' ? tail.split(':') : [];
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((acc, g) => (acc << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function maskOf(family: 4 | 6, prefix: number): bigint {
  const bits = family === 4 ? 32 : 128;
  return prefix === 0 ? 0n : ((1n << BigInt(prefix)) - 1n) << BigInt(bits - prefix);
}

/** Parses one address or CIDR block (IPv4 or IPv6); `lenient` clears host bits instead of refusing. */
export function parseIp(raw: string, opts: { lenient?: boolean } = {}): ParsedIp {
  const input = raw.trim();
  if (!input) return { ok: false, input, reason: 'empty entry' };
  const [addr, prefixText, extra] = input.split('/');
  if (extra !== undefined) return { ok: false, input, reason: 'more than one "/"' };
  let family: 4 | 6;
  if (IPV4_STRICT.test(addr)) family = 4;
  else if (isIPv4(addr) || /^\d{1,3}(\.\d{1,3}){3}$/.test(addr)) return { ok: false, input, reason: 'IPv4 parts must be 0–255 without leading zeros' };
  else if (isIPv6(addr) && !addr.includes('%')) family = 6;
  else return { ok: false, input, reason: 'not an IPv4 or IPv6 address' };
  const bits = family === 4 ? 32 : 128;
  let prefix = bits;
  if (prefixText !== undefined) {
    if (!/^\d{1,3}$/.test(prefixText) || Number(prefixText) > bits) return { ok: false, input, reason: `prefix length must be 0–${bits}` };
    prefix = Number(prefixText);
  }
  const value = family === 4 ? v4ToBig(addr) : v6ToBig(addr);
  const network = value & maskOf(family, prefix);
  if (network !== value && !opts.lenient) return { ok: false, input, reason: `host bits are set; did you mean ${formatIp(family, network)}/${prefix}?` };
  const text = prefix === bits ? formatIp(family, network) : `${formatIp(family, network)}/${prefix}`;
  return { ok: true, block: { input, family, network, prefix, text } };
}

function formatIp(family: 4 | 6, n: bigint): string {
  if (family === 4) return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((n >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // Collapse the longest run of zero groups (RFC 5952).
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== '0') {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > bestLen) {
      best = i;
      bestLen = j - i;
    }
    i = j;
  }
  if (best < 0) return groups.join(':');
  return `${groups.slice(0, best).join(':')}::${groups.slice(best + bestLen).join(':')}`;
}

/** Splits inputs into valid blocks and rejected entries with reasons. */
export function validateIps(inputs: readonly string[]): { valid: IpBlock[]; invalid: { input: string; reason: string }[] } {
  const valid: IpBlock[] = [];
  const invalid: { input: string; reason: string }[] = [];
  for (const raw of inputs) {
    if (!raw.trim()) continue;
    const p = parseIp(raw);
    if (p.ok) valid.push(p.block);
    else invalid.push({ input: p.input, reason: p.reason });
  }
  return { valid, invalid };
}

/** True when every address of `inner` lies in `outer`. */
export function covers(outer: IpBlock, inner: IpBlock): boolean {
  return outer.family === inner.family && outer.prefix <= inner.prefix && (inner.network & maskOf(outer.family, outer.prefix)) === outer.network;
}

/** True when the two blocks share at least one address. */
export function overlaps(a: IpBlock, b: IpBlock): boolean {
  return covers(a, b) || covers(b, a);
}
