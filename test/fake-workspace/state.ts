/** The fake's live state plus the lookups every route needs (callers, levels, tokens, IPs). */
import { randomBytes, randomUUID } from 'node:crypto';
import type {
  FakeAclEntry,
  FakeIpList,
  FakeJob,
  FakeObject,
  FakeSecretScope,
  FakeServicePrincipal,
  FakeState,
  FakeUser,
  FakeWorkspaceSeed,
} from './types';

/** Jobs keyed by id, with a newest-first order kept lazily so list pages cost O(page). */
export class JobStore extends Map<number, FakeJob> {
  private order: FakeJob[] | undefined;

  override set(key: number, value: FakeJob): this {
    this.order = undefined;
    return super.set(key, value);
  }
  override delete(key: number): boolean {
    this.order = undefined;
    return super.delete(key);
  }
  override clear(): void {
    this.order = undefined;
    super.clear();
  }

  /** newest created first; ties by higher job_id first */
  sorted(): FakeJob[] {
    if (!this.order) this.order = [...this.values()].sort(compareNewestFirst);
    return this.order;
  }

  /** index of the first job strictly after (created_time, job_id) in sorted order */
  indexAfter(createdTime: number, jobId: number): number {
    const jobs = this.sorted();
    let lo = 0;
    let hi = jobs.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareNewestFirst(jobs[mid], { created_time: createdTime, job_id: jobId }) <= 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

export function compareNewestFirst(a: { created_time: number; job_id: number }, b: { created_time: number; job_id: number }): number {
  return b.created_time - a.created_time || b.job_id - a.job_id;
}

export interface Caller {
  kind: 'user' | 'sp';
  /** userName, or applicationId for an SP */
  name: string;
  displayName: string;
  id: string;
  groups: string[];
  isAdmin: boolean;
  user?: FakeUser;
  sp?: FakeServicePrincipal;
}

interface TokenRecord {
  principal: string;
  kind: 'pat' | 'oauth' | 'account';
  expiresAt?: number;
  revoked?: boolean;
}

const JOB_LEVEL_RANK: Record<string, number> = { CAN_VIEW: 1, CAN_MANAGE_RUN: 2, CAN_MANAGE: 3, IS_OWNER: 4 };

export class WorkspaceState implements FakeState {
  workspaceId: string;
  accountId: string;
  users = new Map<string, FakeUser>();
  groups = new Set<string>();
  servicePrincipals = new Map<string, FakeServicePrincipal>();
  jobs = new JobStore();
  clusters = new Map<string, FakeObject>();
  instancePools = new Map<string, FakeObject>();
  clusterPolicies = new Map<string, FakeObject>();
  warehouses = new Map<string, FakeObject & { state?: string }>();
  secretScopes = new Map<string, FakeSecretScope>();
  ipAccessLists = new Map<string, FakeIpList>();
  workspaceConf = new Map<string, string>();
  callerIp: string;
  callerIps = new Map<string, string>();
  accountAdmins = new Map<string, string>();

  private readonly tokens = new Map<string, TokenRecord>();
  private nextScimId = 1000;

  constructor(seed: FakeWorkspaceSeed) {
    this.workspaceId = seed.workspaceId ?? '1234567890123456';
    this.accountId = seed.accountId ?? '00000000-0000-4000-8000-00000000acc7';
    this.callerIp = seed.callerIp ?? '127.0.0.1';
    for (const g of ['admins', 'users', ...(seed.groups ?? [])]) this.groups.add(g);
    for (const u of seed.users ?? []) {
      const user = { ...u, groups: [...(u.groups ?? [])], id: u.id ?? this.newScimId() };
      this.users.set(user.userName, user);
    }
    for (const sp of seed.servicePrincipals ?? []) {
      this.servicePrincipals.set(sp.applicationId, { ...sp, groups: [...(sp.groups ?? [])], secrets: (sp.secrets ?? []).map((s) => ({ ...s })) });
    }
    for (const j of seed.jobs ?? []) this.jobs.set(j.job_id, j);
    const fill = <T extends FakeObject>(map: Map<string, T>, items: T[] | undefined): void => {
      for (const o of items ?? []) map.set(o.id, o);
    };
    fill(this.clusters, seed.clusters);
    fill(this.instancePools, seed.instancePools);
    fill(this.clusterPolicies, seed.clusterPolicies);
    fill(this.warehouses, seed.warehouses);
    for (const s of seed.secretScopes ?? []) this.secretScopes.set(s.name, s);
    for (const l of seed.ipAccessLists ?? []) this.ipAccessLists.set(l.list_id, l);
    for (const [k, v] of Object.entries(seed.workspaceConf ?? {})) this.workspaceConf.set(k, v);
    for (const [k, v] of Object.entries(seed.callerIps ?? {})) this.callerIps.set(k, v);
    for (const a of seed.accountAdmins ?? []) this.accountAdmins.set(a.clientId, a.secret);
  }

  newScimId(): string {
    return String(this.nextScimId++);
  }

  // ------------------------------------------------------------ tokens

  issueToken(principal: string): string {
    const token = `fake-pat-${randomBytes(12).toString('hex')}`;
    this.tokens.set(token, { principal, kind: 'pat' });
    return token;
  }

  issueOAuthToken(principal: string, lifetimeSeconds: number, kind: 'oauth' | 'account'): string {
    const token = `fake-oauth-${randomBytes(16).toString('hex')}`;
    this.tokens.set(token, { principal, kind, expiresAt: Date.now() + lifetimeSeconds * 1000 });
    return token;
  }

  revokeToken(token: string): void {
    const rec = this.tokens.get(token);
    if (rec) rec.revoked = true;
    for (const u of this.users.values()) if (u.token === token) u.token = undefined;
  }

  expireOAuthTokens(principal?: string): void {
    for (const rec of this.tokens.values()) {
      if (rec.kind !== 'pat' && (principal === undefined || rec.principal === principal)) rec.expiresAt = Date.now() - 1;
    }
  }

  /** undefined = unknown token; 'expired' for an OAuth token past its lifetime */
  resolveToken(token: string): { principal: string; kind: TokenRecord['kind'] } | 'expired' | undefined {
    const rec = this.tokens.get(token);
    if (rec) {
      if (rec.revoked) return undefined;
      if (rec.expiresAt !== undefined && rec.expiresAt <= Date.now()) return 'expired';
      return { principal: rec.principal, kind: rec.kind };
    }
    for (const u of this.users.values()) if (u.token && u.token === token) return { principal: u.userName, kind: 'pat' };
    return undefined;
  }

  // ------------------------------------------------------------ principals

  caller(principal: string): Caller | undefined {
    const user = this.users.get(principal);
    if (user) {
      const groups = [...new Set([...(user.groups ?? []), 'users'])];
      return { kind: 'user', name: user.userName, displayName: user.displayName ?? user.userName, id: user.id ?? '', groups, isAdmin: groups.includes('admins'), user };
    }
    const sp = this.servicePrincipals.get(principal);
    if (sp) {
      const groups = [...new Set([...(sp.groups ?? []), 'users'])];
      return { kind: 'sp', name: sp.applicationId, displayName: sp.displayName, id: sp.id, groups, isAdmin: groups.includes('admins'), sp };
    }
    return undefined;
  }

  spByScimId(id: string): FakeServicePrincipal | undefined {
    for (const sp of this.servicePrincipals.values()) if (sp.id === id) return sp;
    return undefined;
  }

  newServicePrincipal(displayName: string, active = true): FakeServicePrincipal {
    const sp: FakeServicePrincipal = { id: this.newScimId(), applicationId: randomUUID(), displayName, active, groups: [], secrets: [], inWorkspace: false };
    this.servicePrincipals.set(sp.applicationId, sp);
    return sp;
  }

  principalExists(entry: FakeAclEntry): boolean {
    if (entry.user_name !== undefined) return this.users.has(entry.user_name);
    if (entry.group_name !== undefined) return this.groups.has(entry.group_name);
    if (entry.service_principal_name !== undefined) {
      const sp = this.servicePrincipals.get(entry.service_principal_name);
      return !!sp && sp.inWorkspace !== false;
    }
    return false;
  }

  /** the highest level the caller holds on an ACL, directly or through a group */
  levelOn(acl: FakeAclEntry[], caller: Caller, rank: Record<string, number> = JOB_LEVEL_RANK): string | undefined {
    let best: string | undefined;
    for (const e of acl) {
      const mine =
        (caller.kind === 'user' && e.user_name === caller.name) ||
        (caller.kind === 'sp' && e.service_principal_name === caller.name) ||
        (e.group_name !== undefined && caller.groups.includes(e.group_name));
      if (mine && (best === undefined || (rank[e.permission_level] ?? 0) > (rank[best] ?? 0))) best = e.permission_level;
    }
    return best;
  }

  canViewJob(job: FakeJob | undefined, caller: Caller): boolean {
    if (caller.isAdmin) return true;
    return !!job && this.levelOn(job.acl, caller) !== undefined;
  }

  /** owner's name, else settings.run_as, else undefined (legacy ownerless jobs) */
  runAsUserName(job: FakeJob): string | undefined {
    const runAs = job.settings.run_as as { user_name?: string; service_principal_name?: string } | undefined;
    if (runAs?.user_name) return runAs.user_name;
    if (runAs?.service_principal_name) return runAs.service_principal_name;
    const owner = job.acl.find((e) => e.permission_level === 'IS_OWNER');
    return owner?.user_name ?? owner?.service_principal_name;
  }

  // ------------------------------------------------------------ IP access lists

  ipListsEnabled(): boolean {
    return this.workspaceConf.get('enableIpAccessLists') === 'true';
  }

  sourceIpOf(principal: string | undefined): string {
    return (principal !== undefined ? this.callerIps.get(principal) : undefined) ?? this.callerIp;
  }

  /** would `ip` be refused under these lists (ignores the enable flag) */
  isBlocked(ip: string, lists: Iterable<FakeIpList> = this.ipAccessLists.values()): boolean {
    const enabled = [...lists].filter((l) => l.enabled);
    if (enabled.some((l) => l.list_type === 'BLOCK' && l.ip_addresses.some((a) => ipMatches(ip, a)))) return true;
    const allows = enabled.filter((l) => l.list_type === 'ALLOW');
    return allows.length > 0 && !allows.some((l) => l.ip_addresses.some((a) => ipMatches(ip, a)));
  }
}

function ipv4ToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return undefined;
    n = n * 256 + Number(p);
  }
  return n;
}

export function isValidIpOrCidr(value: string): boolean {
  const [ip, bits, extra] = value.split('/');
  if (extra !== undefined || ipv4ToInt(ip) === undefined) return false;
  return bits === undefined || (/^\d{1,2}$/.test(bits) && Number(bits) <= 32);
}

/** IPv4 address against an address or CIDR block */
export function ipMatches(ip: string, rule: string): boolean {
  const [base, bitsText] = rule.split('/');
  const a = ipv4ToInt(ip);
  const b = ipv4ToInt(base);
  if (a === undefined || b === undefined) return ip === rule;
  const bits = bitsText === undefined ? 32 : Number(bitsText);
  if (bits === 0) return true;
  const mask = bits === 32 ? 0xffffffff : (~0 << (32 - bits)) >>> 0;
  return ((a & mask) >>> 0) === ((b & mask) >>> 0);
}
