/**
 * Runs the fake workspace in a child process for the benchmark, so the fake's CPU and memory
 * (its state, its call log) never count against the client being measured. Talks over the
 * fork IPC channel; see `FakeProcess` for the parent side.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { startFakeWorkspace, scaleSeed, DEMO } from '../fake-workspace';
import type { FakeAclEntry, FakeWorkspace } from '../fake-workspace/types';

export interface FakeLimits {
  latencyMs: number;
  concurrencyCap: number;
  writeRatePerSecond: number;
}

/** Successful and throttled requests since the last `mark`, by kind. */
export interface CallCounts {
  pages: number;
  reads: number;
  writes: number;
  throttled: number;
  errors: number;
  maxInFlight: number;
}

/** Objects on which Zipher has a direct entry. */
export interface ZipherEntries {
  jobs: number;
  /** clusters, pools, policies, warehouses, secret scopes */
  other: number;
}

/** Per object (`job:42`, `cluster:…`): the owner, and every non-Zipher direct entry, sorted. */
export type OthersSnapshot = Record<string, { owner: string | undefined; others: string[] }>;

type Request =
  | { id: number; op: 'counts' }
  | { id: number; op: 'mark' }
  | { id: number; op: 'snapshot' }
  | { id: number; op: 'zipherEntries' }
  | { id: number; op: 'stop' };

type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string };

const principalKey = (e: FakeAclEntry): string => e.user_name ?? e.group_name ?? e.service_principal_name ?? '?';

/** The parent's handle on the child. */
export class FakeProcess {
  private next = 1;
  private readonly pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {
    child.on('message', (m: Reply) => {
      const p = this.pending.get(m.id);
      if (!p) return;
      this.pending.delete(m.id);
      if (m.ok) p.resolve(m.value);
      else p.reject(new Error(m.error));
    });
  }

  static async start(jobs: number, limits: FakeLimits): Promise<FakeProcess> {
    const child = fork(__filename, ['--fake-host', String(jobs), JSON.stringify(limits)], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'], execArgv: [] });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: { url?: string; error?: string }) => (m.url ? resolve(m.url) : reject(new Error(m.error ?? 'fake host failed'))));
      child.once('exit', (code) => reject(new Error(`fake host exited with ${code}`)));
    });
    return new FakeProcess(child, url);
  }

  /** Starts a new counting window (counts, throttles and max in flight). */
  mark(): Promise<void> {
    return this.call('mark') as Promise<void>;
  }

  counts(): Promise<CallCounts> {
    return this.call('counts') as Promise<CallCounts>;
  }

  snapshot(): Promise<OthersSnapshot> {
    return this.call('snapshot') as Promise<OthersSnapshot>;
  }

  zipherEntries(): Promise<ZipherEntries> {
    return this.call('zipherEntries') as Promise<ZipherEntries>;
  }

  async stop(): Promise<void> {
    const exited = new Promise<void>((resolve) => (this.child.exitCode !== null ? resolve() : this.child.once('exit', () => resolve())));
    await this.call('stop').catch(() => undefined);
    await exited;
  }

  private call(op: Request['op']): Promise<unknown> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.child.send({ id, op });
    });
  }
}

// ------------------------------------------------------------------ child side

async function serve(jobs: number, limits: FakeLimits): Promise<void> {
  const fake: FakeWorkspace = await startFakeWorkspace({
    seed: scaleSeed(jobs),
    faults: { latencyMs: limits.latencyMs, concurrencyCap: limits.concurrencyCap, writeRatePerSecond: limits.writeRatePerSecond },
  });
  let from = 0;
  let throttledAtMark = 0;
  const send = (m: unknown) => process.send!(m);
  process.on('message', (m: Request) => {
    try {
      switch (m.op) {
        case 'mark':
          from = fake.calls.length;
          throttledAtMark = fake.faults.throttledCount;
          fake.faults.resetMaxInFlight();
          send({ id: m.id, ok: true, value: undefined });
          break;
        case 'counts': {
          const c: CallCounts = { pages: 0, reads: 0, writes: 0, throttled: fake.faults.throttledCount - throttledAtMark, errors: 0, maxInFlight: fake.faults.maxInFlightSeen };
          for (let i = from; i < fake.calls.length; i++) {
            const call = fake.calls[i]!;
            if (call.status === 429) continue;
            if (call.status >= 400 || call.status === 0) c.errors++;
            if (call.method === 'GET' && call.path.endsWith('/jobs/list')) c.pages++;
            else if (call.method === 'GET') c.reads++;
            else c.writes++;
          }
          send({ id: m.id, ok: true, value: c });
          break;
        }
        case 'snapshot': {
          const out: OthersSnapshot = {};
          const add = (key: string, acl: FakeAclEntry[]) => {
            const owner = acl.find((e) => e.permission_level === 'IS_OWNER');
            const others = acl.filter((e) => e.service_principal_name !== DEMO.zipherAppId).map((e) => `${principalKey(e)}=${e.permission_level}`);
            out[key] = { owner: owner ? principalKey(owner) : undefined, others: others.sort() };
          };
          const s = fake.state;
          for (const [id, o] of s.jobs) add(`job:${id}`, o.acl);
          for (const [id, o] of s.clusters) add(`cluster:${id}`, o.acl);
          for (const [id, o] of s.instancePools) add(`instance-pool:${id}`, o.acl);
          for (const [id, o] of s.clusterPolicies) add(`cluster-policy:${id}`, o.acl);
          for (const [id, o] of s.warehouses) add(`warehouse:${id}`, o.acl);
          for (const [name, scope] of s.secretScopes) {
            out[`secret-scope:${name}`] = { owner: undefined, others: scope.acls.filter((a) => a.principal !== DEMO.zipherAppId).map((a) => `${a.principal}=${a.permission}`).sort() };
          }
          send({ id: m.id, ok: true, value: out });
          break;
        }
        case 'zipherEntries': {
          const s = fake.state;
          const has = (acl: FakeAclEntry[]) => acl.some((e) => e.service_principal_name === DEMO.zipherAppId);
          const c: ZipherEntries = { jobs: 0, other: 0 };
          for (const o of s.jobs.values()) if (has(o.acl)) c.jobs++;
          for (const map of [s.clusters, s.instancePools, s.clusterPolicies, s.warehouses]) for (const o of map.values()) if (has(o.acl)) c.other++;
          for (const scope of s.secretScopes.values()) if (scope.acls.some((a) => a.principal === DEMO.zipherAppId)) c.other++;
          send({ id: m.id, ok: true, value: c });
          break;
        }
        case 'stop':
          send({ id: m.id, ok: true, value: undefined });
          void fake.stop().then(() => process.exit(0));
          break;
      }
    } catch (e) {
      send({ id: m.id, ok: false, error: e instanceof Error ? e.message : String(e) });
    }
  });
  // the parent died without stopping us: do not linger
  process.on('disconnect', () => void fake.stop().then(() => process.exit(0)));
  send({ url: fake.url });
}

if (process.argv[2] === '--fake-host') {
  serve(Number(process.argv[3]), JSON.parse(process.argv[4]!) as FakeLimits).catch((e: unknown) => {
    process.send?.({ error: e instanceof Error ? e.message : String(e) });
    process.exit(1);
  });
}
