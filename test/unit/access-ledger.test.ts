import { strict as assert } from 'node:assert';
import { Ledger, LedgerError, MemoryLedgerStore, type LedgerRecord, type LedgerStore } from '../../src/onboarding';

const HOST = 'https://adb-1.2.azuredatabricks.net';
const SP = 'sp-app-id';

function rec(partial: Partial<LedgerRecord>): LedgerRecord {
  return { time: '2026-01-01T00:00:00.000Z', host: HOST, object: { kind: 'job', id: '1' }, principal: SP, action: 'add', levelAfter: 'CAN_MANAGE', reasons: ['r'], jobIds: [1], actor: 'admin@example.com', ...partial };
}

/** A store whose writes finish out of order, to catch unqueued appends. */
class SlowStore implements LedgerStore {
  text: string | undefined;
  writes = 0;
  async read() {
    return this.text;
  }
  async write(text: string) {
    this.writes++;
    await new Promise((r) => setTimeout(r, Math.random() * 5));
    this.text = text;
  }
}

describe('access: ledger', () => {
  it('replays add / raise / remove / restore into what is held, per host and principal', async () => {
    const ledger = new Ledger(new MemoryLedgerStore());
    await ledger.append([
      rec({}),
      rec({ object: { kind: 'cluster', id: 'c' }, levelAfter: 'CAN_ATTACH_TO', jobIds: [1] }),
      rec({ object: { kind: 'cluster', id: 'c' }, levelAfter: 'CAN_ATTACH_TO', jobIds: [2] }),
      rec({ object: { kind: 'job', id: '2' }, action: 'raise', levelBefore: 'CAN_VIEW', levelAfter: 'CAN_MANAGE', jobIds: [2] }),
      rec({ host: 'https://other', object: { kind: 'job', id: '3' }, jobIds: [3] }),
      rec({ principal: 'someone-else', object: { kind: 'job', id: '4' }, jobIds: [4] }),
    ]);
    assert.deepEqual(await ledger.jobsNeeding(HOST, SP, { kind: 'cluster', id: 'c' }), [1, 2]);
    assert.equal(await ledger.recordedLevel(HOST, SP, { kind: 'job', id: '2' }), 'CAN_MANAGE');
    assert.equal((await ledger.grants(HOST, SP)).get('job:2')!.priorLevel, 'CAN_VIEW');
    assert.deepEqual((await ledger.grantedJobs(HOST, SP)).sort(), [1, 2]);
    assert.deepEqual((await ledger.addedForJob(HOST, SP, 1)).map((g) => g.object.id).sort(), ['1', 'c']);
    await ledger.append([rec({ object: { kind: 'job', id: '2' }, action: 'restore', levelBefore: 'CAN_MANAGE', levelAfter: 'CAN_VIEW', jobIds: [2] })]);
    await ledger.append([rec({ action: 'remove', levelBefore: 'CAN_MANAGE', levelAfter: undefined })]);
    assert.deepEqual(await ledger.grantedJobs(HOST, SP), []);
    assert.equal((await ledger.all()).length, 8, 'append-only: nothing is rewritten away');
  });

  it('queues concurrent appends so none is lost, and reloads what it wrote', async () => {
    const store = new SlowStore();
    const ledger = new Ledger(store);
    await Promise.all(Array.from({ length: 40 }, (_, i) => ledger.append([rec({ object: { kind: 'job', id: String(i) }, jobIds: [i] })])));
    assert.equal((await ledger.all()).length, 40);
    const reloaded = new Ledger(store);
    assert.equal((await reloaded.all(HOST)).length, 40);
    assert.ok(store.writes >= 1 && store.writes < 40, `appends arriving together share writes (${store.writes})`);
  });

  it('corrupt or foreign content is a clear LedgerError, not a crash', async () => {
    for (const text of ['{not json', '{"format":"other","records":[]}', '{"format":"zipher-access-ledger","version":1,"records":[{"host":1}]}', '{"format":"zipher-access-ledger","version":99,"records":[]}']) {
      const ledger = new Ledger(new MemoryLedgerStore(text));
      await assert.rejects(ledger.all(), (e: unknown) => e instanceof LedgerError && /ledger/i.test(e.message) && !e.message.includes('[object'));
    }
    assert.deepEqual(await new Ledger(new MemoryLedgerStore('')).all(), []);
  });
});
