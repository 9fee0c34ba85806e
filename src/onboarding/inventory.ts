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
import type { Disposable, JobRow, Listener, StateCounts, ZipherPrincipal } from './model';

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
}

export interface LoadOptions {
  signal?: AbortSignal;
  priority?: Priority;
}

export const NO_PRINCIPAL_REASON = "Set Zipher's service principal first.";

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
    const reads = new Window(this.window);
    try {
      await this.loadGrants();
      for await (const page of this.api.listJobPages({ signal, priority, pageSize: 100 })) {
        const fresh = page.filter((j) => !this.byId.has(j.job_id)).map((j) => this.addRow(j));
        this.pendingRows = true;
        this.schedule();
        if (!this.principal) continue;
        for (const row of fresh) {
          await reads.slot(signal);
          reads.run(this.readState(row, signal, priority));
        }
      }
      await reads.drain();
      this.flush();
      this.setStatus('loaded');
    } catch (e) {
      await reads.drain().catch(() => undefined);
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
