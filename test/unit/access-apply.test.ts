import { strict as assert } from 'node:assert';
import { AccessService, type ApplyProgress } from '../../src/onboarding';
import { DEMO, scaleSeed } from '../fake-workspace';
import { accessSeed, othersSnapshot, startRig, zipherLevelIn, type Rig } from './access-fixtures';

describe('access: apply with failures, retry and cancellation', () => {
  let rig: Rig;
  afterEach(() => rig.stop());

  it('an injected failure leaves a partial result; retryFailed re-plans and fixes only that object', async () => {
    rig = await startRig(accessSeed());
    const svc = new AccessService(rig.ctx);
    const others = othersSnapshot(rig.fake);
    rig.fake.faults.inject({
      match: 'PATCH /api/2.0/permissions/clusters/c-shared',
      kind: { type: 'status', status: 400, body: JSON.stringify({ error_code: 'INVALID_STATE', message: 'Cluster c-shared is busy.' }) },
    });
    const plan = await svc.planGrant([1, 2]);
    const progress: ApplyProgress[] = [];
    const first = await svc.apply(plan, { onProgress: (p) => progress.push(p) });
    assert.equal(first.status, 'partial');
    const cluster = first.objects.find((o) => o.object.id === 'c-shared')!;
    assert.equal(cluster.status, 'failed');
    assert.match(cluster.message!, /busy/);
    assert.deepEqual(first.jobs.map((j) => j.status), ['failed', 'failed'], 'both jobs need the failed cluster');
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), undefined);
    assert.equal(zipherLevelIn(rig.fake, 'job', '1'), 'CAN_MANAGE');
    const last = progress.at(-1)!;
    assert.deepEqual([last.done, last.failed, last.total], [plan.objects.length - 1, 1, plan.objects.length]);
    assert.ok(!(await rig.ledger.all()).some((r) => r.object.id === 'c-shared'), 'a failed write is not recorded');

    const patchesBefore = rig.fake.calls.filter((c) => c.method === 'PATCH').length;
    const second = await svc.retryFailed(plan, first);
    assert.equal(second.status, 'done');
    assert.deepEqual(second.jobs.map((j) => j.status), ['granted', 'granted']);
    assert.equal(rig.fake.calls.filter((c) => c.method === 'PATCH').length - patchesBefore, 1, 'only the failed object is written again');
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), 'CAN_ATTACH_TO');
    assert.deepEqual(othersSnapshot(rig.fake), others);
    assert.equal((await rig.ledger.all()).filter((r) => r.object.id === 'c-shared').length, 1);
  });

  it('a write whose answer is lost (connection reset) is settled by the re-read', async () => {
    rig = await startRig(accessSeed());
    const svc = new AccessService(rig.ctx);
    rig.fake.faults.inject({ match: 'PATCH /api/2.0/permissions/jobs/4', kind: { type: 'reset' } });
    const r = await svc.apply(await svc.planGrant([4]));
    assert.deepEqual(r.jobs.map((j) => j.status), ['granted']);
    assert.equal(zipherLevelIn(rig.fake, 'job', '4'), 'CAN_MANAGE');
  });

  it('cancellation mid-apply: no new writes start, finished ones are reported and recorded', async () => {
    rig = await startRig(scaleSeed(150), {}, DEMO.adminToken);
    rig.ctx.principal = { applicationId: DEMO.zipherAppId };
    const svc = new AccessService(rig.ctx);
    const plan = await svc.planGrant([...rig.fake.state.jobs.keys()]);
    rig.fake.faults.latencyMs = 5;
    const controller = new AbortController();
    const result = await svc.apply(plan, {
      signal: controller.signal,
      onProgress: (p) => {
        if (p.done >= 20) controller.abort();
      },
    });
    assert.equal(result.status, 'cancelled');
    const applied = result.objects.filter((o) => o.status === 'applied');
    const cancelled = result.objects.filter((o) => o.status === 'cancelled');
    assert.ok(applied.length >= 20 && cancelled.length > 0, `${applied.length} applied, ${cancelled.length} cancelled`);
    assert.equal(applied.length + cancelled.length + result.objects.filter((o) => o.status === 'unchanged').length, plan.objects.length, 'every object has an outcome');
    const records = await rig.ledger.all();
    assert.deepEqual(records.map((r) => `${r.object.kind}:${r.object.id}`).sort(), applied.map((o) => `${o.object.kind}:${o.object.id}`).sort());
    const zipherOn = (kind: string, id: string) => {
      const s = rig.fake.state;
      const obj = kind === 'job' ? s.jobs.get(Number(id)) : kind === 'cluster' ? s.clusters.get(id) : kind === 'instance-pool' ? s.instancePools.get(id) : s.clusterPolicies.get(id);
      return obj!.acl.some((e) => e.service_principal_name === DEMO.zipherAppId);
    };
    for (const o of applied) assert.ok(zipherOn(o.object.kind, o.object.id), `${o.object.id} was written`);
    for (const o of cancelled) assert.ok(!zipherOn(o.object.kind, o.object.id), `${o.object.id} was not written`);
    const patches = rig.fake.calls.filter((c) => c.method === 'PATCH' && c.status === 200).length;
    assert.equal(patches, applied.length, 'every write the server accepted is reported as applied');
    const cancelledJobs = result.jobs.filter((j) => j.status === 'cancelled');
    assert.ok(cancelledJobs.length > 0);
  });
});
