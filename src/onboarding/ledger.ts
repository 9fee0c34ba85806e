/**
 * The extension's own record of every ACL change it made, so revoke removes exactly what we added
 * (or restores what Zipher had before) and drift can tell our grants from anyone else's.
 * Append-only; loaded once; writes are queued so concurrent appends never interleave.
 */
import { objectKey } from './closure';
import type { LedgerRecord, LedgerStore, ObjectRef } from './model';

export class LedgerError extends Error {
  override readonly name = 'LedgerError';
}

/** What the ledger says Zipher currently holds on one object because of us. */
export interface RecordedGrant {
  object: ObjectRef;
  principal: string;
  level: string;
  /** Zipher's level before our first raise; undefined when we added the entry */
  priorLevel?: string;
  jobIds: number[];
  reasons: string[];
}

interface Batch {
  records: LedgerRecord[];
  done: Promise<void>;
}

const FORMAT = 'zipher-access-ledger';
const VERSION = 1;

interface LedgerFile {
  format: typeof FORMAT;
  version: number;
  records: LedgerRecord[];
}

export class Ledger {
  private records: LedgerRecord[] | undefined;
  private loading: Promise<void> | undefined;
  private writeChain: Promise<void> = Promise.resolve();
  private batch: Batch | undefined;

  constructor(private readonly store: LedgerStore) {}

  /** Reads the store once; later calls reuse the result. Corrupt content rejects with a LedgerError. */
  load(): Promise<void> {
    this.loading ??= this.store.read().then((text) => {
      this.records = parseLedger(text);
    });
    // a failed load may be retried after the user fixes the file
    this.loading.catch(() => (this.loading = undefined));
    return this.loading;
  }

  /** Appends are queued; those arriving while a write is in flight share the next write, so a
   * 10,000-object apply costs a handful of writes, not 10,000 rewrites of a growing file. */
  async append(records: readonly LedgerRecord[]): Promise<void> {
    if (!records.length) return;
    await this.load();
    if (!this.batch) {
      const batch: Batch = { records: [], done: undefined! };
      batch.done = this.writeChain.then(async () => {
        this.batch = undefined; // later appends start the next batch
        const next = [...this.records!, ...batch.records];
        await this.store.write(serializeLedger(next));
        this.records = next;
      });
      this.batch = batch;
      this.writeChain = batch.done.catch(() => undefined);
    }
    this.batch.records.push(...records.map((r) => structuredClone(r)));
    return this.batch.done;
  }

  async all(host?: string): Promise<LedgerRecord[]> {
    await this.load();
    return this.records!.filter((r) => host === undefined || r.host === host);
  }

  /** Replays the records into what is currently held because of us, per object. */
  async grants(host: string, principal: string): Promise<Map<string, RecordedGrant>> {
    const out = new Map<string, RecordedGrant>();
    for (const r of await this.all(host)) {
      if (r.principal !== principal) continue;
      const key = objectKey(r.object);
      const held = out.get(key);
      switch (r.action) {
        case 'add':
        case 'raise': {
          const g: RecordedGrant = held ?? { object: { ...r.object }, principal, level: r.levelAfter ?? '', jobIds: [], reasons: [] };
          g.level = r.levelAfter ?? g.level;
          // the first raise knows what Zipher had before us; a later raise must not overwrite it
          if (!held && r.action === 'raise' && r.levelBefore !== undefined) g.priorLevel = r.levelBefore;
          if (r.object.label) g.object.label = r.object.label;
          for (const j of r.jobIds) if (!g.jobIds.includes(j)) g.jobIds.push(j);
          for (const why of r.reasons) if (!g.reasons.includes(why)) g.reasons.push(why);
          out.set(key, g);
          break;
        }
        case 'remove':
        case 'restore':
          out.delete(key);
          break;
        case 'unchanged':
          break;
      }
    }
    return out;
  }

  /** Objects we granted for job `jobId` and still hold. */
  async addedForJob(host: string, principal: string, jobId: number): Promise<RecordedGrant[]> {
    return [...(await this.grants(host, principal)).values()].filter((g) => g.jobIds.includes(jobId));
  }

  /** Jobs the ledger says need `object` (and still hold our grant). */
  async jobsNeeding(host: string, principal: string, object: ObjectRef): Promise<number[]> {
    return (await this.grants(host, principal)).get(objectKey(object))?.jobIds ?? [];
  }

  async recordedLevel(host: string, principal: string, object: ObjectRef): Promise<string | undefined> {
    return (await this.grants(host, principal)).get(objectKey(object))?.level;
  }

  /** Job ids whose own CAN_MANAGE we granted and have not revoked. */
  async grantedJobs(host: string, principal: string): Promise<number[]> {
    return [...(await this.grants(host, principal)).values()].filter((g) => g.object.kind === 'job').map((g) => Number(g.object.id));
  }
}

export function serializeLedger(records: readonly LedgerRecord[]): string {
  const file: LedgerFile = { format: FORMAT, version: VERSION, records: [...records] };
  return JSON.stringify(file, null, 1) + '\n';
}

export function parseLedger(text: string | undefined): LedgerRecord[] {
  if (text === undefined || text.trim() === '') return [];
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new LedgerError('The Zipher access ledger file is not valid JSON. Move it aside (it lists the grants this extension made) and reload.');
  }
  const file = data as Partial<LedgerFile> | null;
  if (!file || typeof file !== 'object' || file.format !== FORMAT || !Array.isArray(file.records)) {
    throw new LedgerError('The Zipher access ledger file has an unknown format. Move it aside and reload.');
  }
  if (typeof file.version !== 'number' || file.version > VERSION) {
    throw new LedgerError(`The Zipher access ledger was written by a newer version (format ${String(file.version)}). Update the extension.`);
  }
  file.records.forEach((r, i) => {
    if (!isRecord(r)) throw new LedgerError(`The Zipher access ledger has a malformed record (#${i + 1}). Move the file aside and reload.`);
  });
  return file.records;
}

const ACTIONS = new Set(['add', 'raise', 'unchanged', 'remove', 'restore']);

function isRecord(r: unknown): r is LedgerRecord {
  const x = r as Partial<LedgerRecord> | null;
  return (
    !!x &&
    typeof x.time === 'string' &&
    typeof x.host === 'string' &&
    typeof x.principal === 'string' &&
    typeof x.action === 'string' &&
    ACTIONS.has(x.action) &&
    !!x.object &&
    typeof x.object.kind === 'string' &&
    typeof x.object.id === 'string' &&
    Array.isArray(x.jobIds) &&
    Array.isArray(x.reasons)
  );
}

/** For tests and for hosts without storage. */
export class MemoryLedgerStore implements LedgerStore {
  constructor(public text: string | undefined = undefined) {}
  async read(): Promise<string | undefined> {
    return this.text;
  }
  async write(text: string): Promise<void> {
    this.text = text;
  }
}
