/**
 * The jobs of one workspace with Zipher's state on each: a Model that fills in progressively
 * (rows page by page, states as each ACL read completes) and fires coalesced change events.
 * Rows are small plain objects so 10,000 jobs stay cheap; job settings are not kept.
 */
import type { AclEntry, JobSummary, Priority, WorkspaceApi } from '../databricks/api';
import { objectKey } from './closure';
import { fanoutSignal } from './concurrency';
import { compareWithLedger } from './drift';
import { errorMessage, isCancelled, unreadableReason } from './errors';
import { jobAccessState } from './jobState';
import type { Ledger, RecordedGrant } from './ledger';
import type { Disposable, DriftFinding, JobRow, Listener, StateCounts, ZipherPrincipal } from './model';

export type InventoryEvent = { kind: 'rows' } | { kind: 'states'; jobIds: number[] } | { kind: 'status' };
export type InventoryStatus = 'idle' | 'loading' | 'loaded' | 'error';

export interface InventoryOptions {
  ledger?: Ledger;
  /** how long changes are gathered before one event fires (default 50 ms) */
  flushMs?: number;
  /** a 'states' event fires early once this many jobs changed (default 500) */
  flushEvery?: number;
  /** ACL reads outstanding at once (default 64); the client's scheduler bounds the network */
  window?: number;
  /** Drift on the compute, pools, policies and scopes a job needs (the job's own entry is checked
   * from its ACL read). Called after the list is complete, for the jobs the ledger says were
   * granted only, so its cost is bounded by what the extension granted. */
  dependencyDrift?: (jobIds: number[], opts: { signal: AbortSignal }) => Promise<Map<number, DriftFinding[]>>;
}

export interface LoadOptions {
  signal?: AbortSignal;
  priority?: Priority;
}

export const NO_PRINCIPAL_REASON = "Set Zipher's service principal first.";

const PAGE_SIZE = 100;

export class JobInventory implements Disposable {
  private list: JobRow[] = [];
  private readonly byId = new Map<number, JobRow>();
  private currentStatus: InventoryStatus = 'idle';
  private currentError: string | undefined;
  private running: Promise<void> | undefined;
  private readonly listeners = new Set<Listener<InventoryEvent>>();
  private pendingRows = false;
  private readonly pendingStates = new Set<number>();
  private timer: NodeJS.Timeout | undefined;
  private readonly disposed = new AbortController();
  private grants: Map<string, RecordedGrant> | undefined;
  private readonly flushMs: number;
  private readonly flushEvery: number;
  private readonly window: number;

  constructor(
    private readonly api: WorkspaceApi,
    private readonly principal: ZipherPrincipal | undefined,
    private readonly opts: InventoryOptions = {},
  ) {
    this.flushMs = opts.flushMs ?? 50;
    this.flushEvery = opts.flushEvery ?? 500;
    this.window = opts.window ?? 64;
  }

  get status(): InventoryStatus {
    return this.currentStatus;
  }

  get error(): string | undefined {
    return this.currentError;
  }

  rows(): readonly JobRow[] {
    return this.list;
  }

  row(jobId: number): JobRow | undefined {
    return this.byId.get(jobId);
  }

  counts(): StateCounts {
    const c: StateCounts = { managed: 0, partial: 0, none: 0, unknown: 0, loading: 0 };
    for (const r of this.list) c[r.state]++;
    return c;
  }

  onDidChange(listener: Listener<InventoryEvent>): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  /** Single-flight: a call while loading returns the running load. Never rejects: a failure
   * shows as status 'error' with `error`, a cancellation as status 'idle'. */
  load(opts: LoadOptions = {}): Promise<void> {
    this.running ??= this.run(opts).finally(() => (this.running = undefined));
    return this.running;
  }

  async refreshJobs(jobIds: number[], opts: LoadOptions = {}): Promise<void> {
    const signal = this.signal(opts.signal);
    await this.loadGrants();
    const ids = jobIds.filter((id) => this.byId.has(id));
    for (const id of ids) this.byId.get(id)!.state = 'loading';
    this.markStates(ids);
    const reads = new Window(this.window);
    for (const id of ids) {
      await reads.slot(signal);
      reads.run(this.readState(this.byId.get(id)!, signal, opts.priority ?? 'user'));
    }
    await reads.drain();
    this.flush();
  }

  dispose(): void {
    this.disposed.abort();
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.listeners.clear();
  }

  private async run(opts: LoadOptions): Promise<void> {
    const signal = this.signal(opts.signal);
    const priority = opts.priority ?? 'user';
    this.list = [];
    this.byId.clear();
    this.pendingStates.clear();
    this.setStatus('loading');
    this.pendingRows = true;
    try {
      await this.loadGrants();
      await this.listAndRead(signal, priority);
      this.flush();
      await this.addDependencyDrift(signal);
      this.setStatus('loaded');
    } catch (e) {
      const cancelled = isCancelled(e, signal);
      for (const r of this.list) {
        if (r.state !== 'loading') continue;
        r.state = 'unknown';
        r.reason = cancelled ? 'Loading was cancelled.' : 'Loading stopped before this job was read.';
        this.pendingStates.add(r.jobId);
      }
      this.flush();
      this.currentError = cancelled ? undefined : errorMessage(e);
      // the model reports failure through status/error; load() itself settles quietly
      this.setStatus(cancelled ? 'idle' : 'error');
    }
  }

  /** Pages and ACL reads overlap: the listing runs up to a page ahead of the reads, so the
   * next page is requested while plenty of reads are still to go and never holds them up.
   * Waiting for a page only when the reads ran dry would leave the request queued behind
   * the window's reads, with the network idling at every page. */
  private async listAndRead(signal: AbortSignal, priority: Priority): Promise<void> {
    const pending = new ReadQueue();
    const reading = this.readQueued(pending, signal, priority);
    reading.catch(() => undefined); // awaited below; a failure also wakes the listing
    try {
      for await (const page of this.api.listJobPages({ signal, priority, pageSize: PAGE_SIZE })) {
        const fresh = page.filter((j) => !this.byId.has(j.job_id)).map((j) => this.addRow(j));
        this.pendingRows = true;
        this.schedule();
        if (!this.principal) continue;
        pending.push(fresh);
        // Bounded read-ahead: the next page once fewer than a page of rows wait for a read.
        await pending.below(PAGE_SIZE, signal);
      }
      pending.close();
    } catch (e) {
      // Reads already sent finish; rows not yet started stay loading and are marked by `run`.
      pending.close({ drop: true });
      await reading.catch(() => undefined);
      throw e;
    }
    await reading;
  }

  private async readQueued(pending: ReadQueue, signal: AbortSignal, priority: Priority): Promise<void> {
    const reads = new Window(this.window);
    try {
      for (let row = await pending.take(); row; row = await pending.take()) {
        await reads.slot(signal);
        reads.run(this.readState(row, signal, priority));
      }
      await reads.drain();
    } catch (e) {
      pending.fail(e);
      await reads.drain().catch(() => undefined);
      throw e;
    }
  }

  private addRow(j: JobSummary): JobRow {
    const row: JobRow = { jobId: j.job_id, name: j.settings.name ?? `Job ${j.job_id}`, state: this.principal ? 'loading' : 'unknown' };
    if (j.creator_user_name !== undefined) row.creator = j.creator_user_name;
    if (!this.principal) row.reason = NO_PRINCIPAL_REASON;
    this.list.push(row);
    this.byId.set(j.job_id, row);
    return row;
  }

  private async readState(row: JobRow, signal: AbortSignal, priority: Priority): Promise<void> {
    const app = this.principal!.applicationId;
    let acl: AclEntry[];
    try {
      acl = (await this.api.getPermissions('jobs', String(row.jobId), { signal, priority })).access_control_list;
    } catch (e) {
      if (signal.aborted) throw e;
      setUnknown(row, unreadableReason('job', e));
      this.markStates([row.jobId]);
      return;
    }
    const s = jobAccessState(acl, app);
    row.state = s.state;
    delete row.reason;
    if (s.zipherLevel !== undefined) row.zipherLevel = s.zipherLevel;
    else delete row.zipherLevel;
    if (s.owner !== undefined) row.owner = s.owner;
    else delete row.owner;
    if (this.grants) {
      const ref = { kind: 'job' as const, id: String(row.jobId), label: row.name };
      const f = compareWithLedger(ref, acl, app, this.grants.get(objectKey(ref)));
      if (f) row.drift = [f];
      else delete row.drift;
    }
    this.markStates([row.jobId]);
  }

  private async addDependencyDrift(signal: AbortSignal): Promise<void> {
    if (!this.opts.dependencyDrift || !this.grants) return;
    const granted = [...new Set([...this.grants.values()].flatMap((g) => g.jobIds))].filter((id) => this.byId.has(id));
    if (granted.length === 0) return;
    let found: Map<number, DriftFinding[]>;
    try {
      found = await this.opts.dependencyDrift(granted, { signal });
    } catch (e) {
      if (signal.aborted) throw e;
      return; // drift is advice: a failed check must not turn a loaded list into an error
    }
    for (const [jobId, findings] of found) {
      const row = this.byId.get(jobId);
      const extra = findings.filter((f) => f.object.kind !== 'job');
      if (!row || extra.length === 0) continue;
      const own = (row.drift ?? []).filter((f) => f.object.kind === 'job');
      row.drift = [...own, ...extra];
      this.pendingStates.add(jobId);
    }
    this.flush();
  }

  private async loadGrants(): Promise<void> {
    if (!this.opts.ledger || !this.principal) return;
    try {
      this.grants = await this.opts.ledger.grants(this.api.host, this.principal.applicationId);
    } catch {
      this.grants = undefined; // a broken ledger must not block the job list; drift is just not shown
    }
  }

  private signal(outer: AbortSignal | undefined): AbortSignal {
    return fanoutSignal(outer, this.disposed.signal)!;
  }

  private markStates(ids: number[]): void {
    for (const id of ids) this.pendingStates.add(id);
    if (this.pendingStates.size >= this.flushEvery) this.flush();
    else this.schedule();
  }

  private schedule(): void {
    if (this.timer || this.disposed.signal.aborted) return;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.flush();
    }, this.flushMs);
  }

  private flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pendingRows) {
      this.pendingRows = false;
      this.pendingStates.clear(); // a rows event tells listeners to re-read everything
      this.emit({ kind: 'rows' });
    }
    if (this.pendingStates.size) {
      const jobIds = [...this.pendingStates];
      this.pendingStates.clear();
      this.emit({ kind: 'states', jobIds });
    }
  }

  private setStatus(status: InventoryStatus): void {
    this.flush();
    this.currentStatus = status;
    if (status !== 'error') this.currentError = undefined;
    this.emit({ kind: 'status' });
  }

  private emit(e: InventoryEvent): void {
    for (const l of [...this.listeners]) {
      try {
        l(e);
      } catch {
        // a listener's bug must not stop the load
      }
    }
  }
}

function setUnknown(row: JobRow, reason: string): void {
  row.state = 'unknown';
  row.reason = reason;
  delete row.zipherLevel;
}

/** Rows waiting for their ACL read: the listing adds them, the reads take them in order. */
class ReadQueue {
  private rows: JobRow[] = [];
  private head = 0;
  private closed = false;
  private failure: { error: unknown } | undefined;
  private waiters: (() => void)[] = [];

  get size(): number {
    return this.rows.length - this.head;
  }

  push(rows: readonly JobRow[]): void {
    for (const r of rows) this.rows.push(r);
    this.notify();
  }

  /** No more rows will come; `drop` also forgets those not yet taken. */
  close(opts: { drop?: boolean } = {}): void {
    this.closed = true;
    if (opts.drop) {
      this.rows = [];
      this.head = 0;
    }
    this.notify();
  }

  /** The reads stopped: whoever waits for room gets their error. */
  fail(error: unknown): void {
    this.failure ??= { error };
    this.notify();
  }

  /** The next row, or undefined once closed and empty. */
  async take(): Promise<JobRow | undefined> {
    while (this.size === 0 && !this.closed) await this.changed();
    if (this.size === 0) return undefined;
    const row = this.rows[this.head++];
    if (this.head > 256 && this.head * 2 > this.rows.length) {
      this.rows = this.rows.slice(this.head);
      this.head = 0;
    }
    this.notify();
    return row;
  }

  /** Waits until fewer than `n` rows wait; rejects if the reads stopped or on abort. */
  async below(n: number, signal: AbortSignal): Promise<void> {
    const onAbort = () => this.notify();
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        if (this.failure) throw this.failure.error;
        signal.throwIfAborted();
        if (this.size < n) return;
        await this.changed();
      }
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  private changed(): Promise<void> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }
}

/** At most `size` promises outstanding; the first failure is rethrown by `slot` or `drain`. */
class Window {
  private readonly active = new Set<Promise<void>>();
  private failure: { error: unknown } | undefined;

  constructor(private readonly size: number) {}

  run(p: Promise<void>): void {
    const tracked = p.catch((error) => {
      this.failure ??= { error };
    });
    const done = tracked.finally(() => this.active.delete(done));
    this.active.add(done);
  }

  async slot(signal: AbortSignal): Promise<void> {
    while (this.active.size >= this.size) await Promise.race(this.active);
    if (this.failure) throw this.failure.error;
    signal.throwIfAborted();
  }

  async drain(): Promise<void> {
    await Promise.all(this.active);
    if (this.failure) throw this.failure.error;
  }
}
