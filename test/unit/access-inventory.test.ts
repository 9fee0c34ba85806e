import { strict as assert } from 'node:assert';
import type { WorkspaceApi } from '../../src/databricks/api';
import { JobInventory, Ledger, MemoryLedgerStore, NO_PRINCIPAL_REASON, type InventoryEvent } from '../../src/onboarding';
import { DEMO, defaultSeed, scaleSeed } from '../fake-workspace';
import { startRig, type Rig } from './access-fixtures';

const zipher = { applicationId: DEMO.zipherAppId };

describe('access: job inventory (real client → fake workspace)', () => {
  let rig: Rig;
  afterEach(() => rig.stop());

  it('loads 1,000 jobs progressively: rows complete, counts right, events batched', async () => {
    rig = await startRig(scaleSeed(1000, { zipherManagedEvery: 10 }), {}, DEMO.adminToken);
    // flush by count only, so the batching assertion does not depend on timing
    const inv = new JobInventory(rig.api, zipher, { flushMs: 60_000, flushEvery: 100 });
    const events: { e: InventoryEvent; rows: number; status: string }[] = [];
    inv.onDidChange((e) => events.push({ e, rows: inv.rows().length, status: inv.status }));
    const first = inv.load();
    assert.equal(inv.load(), first, 'single-flight');
    assert.equal(inv.status, 'loading');
    await first;
    assert.equal(inv.status, 'loaded');
    assert.equal(inv.rows().length, 1000);
    assert.deepEqual(inv.counts(), { managed: 100, partial: 0, none: 900, unknown: 0, loading: 0 });
    assert.equal(inv.row(10)!.zipherLevel, 'CAN_MANAGE');
    assert.equal(inv.row(11)!.state, 'none');
    assert.ok(inv.row(11)!.owner, 'the owner is read from the ACL');
    assert.equal(rig.fake.requestCount('GET /api/2.0/permissions/jobs'), 1000, 'one ACL read per job');

    const states = events.filter((x) => x.e.kind === 'states');
    assert.ok(states.length <= 11, `${states.length} state events for 1,000 jobs`);
    assert.ok(events.filter((x) => x.e.kind === 'rows').length <= 11);
    assert.equal(events[0]!.e.kind, 'status');
    assert.ok(events.slice(1, -1).every((x) => x.status === 'loading'), 'rows and states arrive while loading');
    assert.equal(events.at(-1)!.e.kind, 'status');
    const seen = new Set(states.flatMap((x) => (x.e.kind === 'states' ? x.e.jobIds : [])));
    // a rows event tells listeners to re-read all, so together the events cover every job
    assert.ok(seen.size > 0 && seen.size <= 1000);
    // rows are small plain objects: no settings kept
    assert.deepEqual(Object.keys(inv.row(11)!).sort(), ['creator', 'jobId', 'name', 'owner', 'state']);
    inv.dispose();
  });

  it('asks for the next page while the reads of the current one are still going, a bounded way ahead', async () => {
    rig = await startRig(scaleSeed(1000), {}, DEMO.adminToken);
    rig.fake.faults.latencyMs = 5;
    // Observes the real client's calls (every call still goes to the fake over HTTP).
    let listed = 0;
    let readsDone = 0;
    const atPageRequest: { listed: number; readsDone: number }[] = [];
    const real = rig.api;
    const api = new Proxy(real, {
      get(target, prop, receiver) {
        if (prop === 'getPermissions') {
          return async (...args: Parameters<WorkspaceApi['getPermissions']>) => {
            const r = await target.getPermissions(...args);
            readsDone++;
            return r;
          };
        }
        if (prop === 'listJobPages') {
          return (...args: Parameters<WorkspaceApi['listJobPages']>) => ({
            [Symbol.asyncIterator]() {
              const it = target.listJobPages(...args)[Symbol.asyncIterator]();
              return {
                async next() {
                  atPageRequest.push({ listed, readsDone });
                  const r = await it.next();
                  if (!r.done) listed += r.value.length;
                  return r;
                },
              };
            },
          });
        }
        return Reflect.get(target, prop, receiver) as unknown;
      },
    });
    const inv = new JobInventory(api, zipher, { window: 64 });
    await inv.load();
    assert.equal(inv.status, 'loaded');
    assert.deepEqual(inv.counts(), { managed: 0, partial: 0, none: 1000, unknown: 0, loading: 0 });
    // 10 pages, then the iteration that finds no next token
    assert.equal(atPageRequest.length, 11);
    assert.deepEqual(atPageRequest[1], { listed: 100, readsDone: 0 }, 'page 2 asked for before any read of page 1 came back');
    // at most the window's reads, one waiting for a slot, and less than a page not yet started
    for (const p of atPageRequest) assert.ok(p.listed - p.readsDone <= 64 + 1 + 99, `listed ${p.listed} with ${p.readsDone} read: too far ahead`);
    inv.dispose();
  });

  it('coalesces events in time by default (fewer events than jobs)', async () => {
    rig = await startRig(scaleSeed(300), {}, DEMO.adminToken);
    const inv = new JobInventory(rig.api, zipher);
    let n = 0;
    inv.onDidChange(() => n++);
    await inv.load();
    assert.equal(inv.counts().none, 300);
    assert.ok(n < 300, `${n} events`);
    inv.dispose();
  });

  it('a failed listing ends in status error with a readable message; load() does not reject', async () => {
    rig = await startRig(scaleSeed(10), {}, DEMO.adminToken);
    rig.fake.faults.inject({ match: 'GET /api/2.2/jobs/list', kind: { type: 'status', status: 400, body: JSON.stringify({ error_code: 'INVALID_PARAMETER_VALUE', message: 'Listing is broken today.' }) } });
    const inv = new JobInventory(rig.api, zipher);
    await inv.load();
    assert.equal(inv.status, 'error');
    assert.match(inv.error!, /Listing is broken today/);
    await inv.load();
    assert.equal(inv.status, 'loaded', 'a later load recovers');
    assert.equal(inv.rows().length, 10);
    inv.dispose();
  });

  it('without a principal: every state unknown with the reason, and no ACL reads', async () => {
    rig = await startRig(scaleSeed(50), {}, DEMO.adminToken);
    const inv = new JobInventory(rig.api, undefined);
    await inv.load();
    assert.equal(inv.counts().unknown, 50);
    assert.ok(inv.rows().every((r) => r.reason === NO_PRINCIPAL_REASON));
    assert.equal(rig.fake.requestCount('GET /api/2.0/permissions'), 0);
    inv.dispose();
  });

  it('a job whose ACL the user cannot read is unknown with a reason; refreshJobs updates one row', async () => {
    rig = await startRig(defaultSeed(), {}, DEMO.nonAdminToken);
    const inv = new JobInventory(rig.api, zipher);
    await inv.load();
    const unknown = inv.rows().filter((r) => r.state === 'unknown');
    assert.ok(unknown.length > 0, 'the non-admin cannot manage every visible job');
    assert.ok(unknown.every((r) => r.reason === 'You need CAN_MANAGE on this job to read its permissions.'));
    const readable = inv.rows().find((r) => r.state === 'none')!;
    const job = rig.fake.state.jobs.get(readable.jobId)!;
    job.acl.push({ service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_VIEW' });
    const got: InventoryEvent[] = [];
    inv.onDidChange((e) => got.push(e));
    await inv.refreshJobs([readable.jobId]);
    assert.equal(inv.row(readable.jobId)!.state, 'partial');
    assert.ok(got.some((e) => e.kind === 'states' && e.jobIds.includes(readable.jobId)));
    inv.dispose();
  });

  it('fills drift from the ledger, and a cancelled load ends idle with no row left loading', async () => {
    rig = await startRig(scaleSeed(200, { zipherManagedEvery: 2 }), {}, DEMO.adminToken);
    const ledger = new Ledger(new MemoryLedgerStore());
    await ledger.append([
      { time: new Date().toISOString(), host: rig.api.host, object: { kind: 'job', id: '3' }, principal: DEMO.zipherAppId, action: 'add', levelAfter: 'CAN_MANAGE', reasons: [], jobIds: [3], actor: 'a' },
      { time: new Date().toISOString(), host: rig.api.host, object: { kind: 'job', id: '4' }, principal: DEMO.zipherAppId, action: 'add', levelAfter: 'CAN_MANAGE', reasons: [], jobIds: [4], actor: 'a' },
    ]);
    const inv = new JobInventory(rig.api, zipher, { ledger });
    await inv.load();
    assert.deepEqual(inv.row(3)!.drift?.map((d) => d.kind), ['grant-removed']);
    assert.equal(inv.row(4)!.drift, undefined);
    assert.deepEqual(inv.row(6)!.drift?.map((d) => d.kind), ['grant-added-outside']);

    rig.fake.faults.latencyMs = 20;
    const controller = new AbortController();
    inv.onDidChange(() => {
      if (inv.rows().length > 0 && inv.status === 'loading') controller.abort();
    });
    await inv.load({ signal: controller.signal });
    assert.equal(inv.status, 'idle');
    assert.equal(inv.counts().loading, 0);
    inv.dispose();
  });
});
