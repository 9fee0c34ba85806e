import { strict as assert } from 'node:assert';
import { AccessService } from '../../src/onboarding';
import { ADMIN, CAROL_TOKEN, ZIPHER, accessSeed, othersSnapshot, snapshot, startRig, zipherLevelIn, type Rig } from './access-fixtures';

describe('access: grant (real client → fake workspace)', () => {
  let rig: Rig;
  let svc: AccessService;
  beforeEach(async () => {
    rig = await startRig(accessSeed(), { includeSecretScopes: true, includeWarehouses: true });
    svc = new AccessService(rig.ctx);
  });
  afterEach(() => rig.stop());

  it('on a job with many principals, adds only Zipher: every other entry and the owner stay byte-identical', async () => {
    const before = othersSnapshot(rig.fake);
    const ownerBefore = rig.fake.state.jobs.get(1)!.acl.filter((e) => e.permission_level === 'IS_OWNER');
    const plan = await svc.planGrant([1]);
    assert.deepEqual(plan.problems, []);
    const byKind = Object.fromEntries(plan.objects.map((o) => [`${o.object.kind}:${o.object.id}`, o.changes[0]!.action]));
    assert.deepEqual(byKind, {
      'job:1': 'add',
      'cluster:c-shared': 'add',
      'instance-pool:pool-1': 'add',
      'instance-pool:pool-2': 'add',
      'cluster-policy:pol-1': 'add',
      'secret-scope:etl-scope': 'add',
    });
    const result = await svc.apply(plan);
    assert.equal(result.status, 'done');
    assert.deepEqual(result.jobs.map((j) => [j.jobId, j.status]), [[1, 'granted']]);
    assert.deepEqual(othersSnapshot(rig.fake), before, 'no other principal changed anywhere');
    assert.deepEqual(rig.fake.state.jobs.get(1)!.acl.filter((e) => e.permission_level === 'IS_OWNER'), ownerBefore);
    assert.equal(zipherLevelIn(rig.fake, 'job', '1'), 'CAN_MANAGE');
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), 'CAN_ATTACH_TO');
    assert.equal(zipherLevelIn(rig.fake, 'instance-pool', 'pool-2'), 'CAN_ATTACH_TO');
    assert.equal(zipherLevelIn(rig.fake, 'cluster-policy', 'pol-1'), 'CAN_USE');
    assert.equal(zipherLevelIn(rig.fake, 'secret-scope', 'etl-scope'), 'READ');
    // grants are PATCH / secret put only: no PUT ever replaced an ACL
    assert.equal(rig.fake.calls.filter((c) => c.method === 'PUT').length, 0);
    const records = await rig.ledger.all();
    assert.equal(records.length, 6);
    assert.ok(records.every((r) => r.actor === ADMIN && r.principal === ZIPHER && r.host === rig.api.host));
  });

  it('never downgrades: CAN_MANAGE already → "already", nothing written', async () => {
    const before = snapshot(rig.fake);
    const plan = await svc.planGrant([6]);
    assert.equal(plan.objects.find((o) => o.object.kind === 'job')!.changes[0]!.action, 'unchanged');
    // c-shared still needs CAN_ATTACH_TO: grant it, then a second run is entirely 'already'
    await svc.apply(plan);
    const again = await svc.apply(await svc.planGrant([6]));
    assert.deepEqual(again.jobs.map((j) => j.status), ['already']);
    const after = snapshot(rig.fake);
    after.set('cluster:c-shared', before.get('cluster:c-shared')!);
    assert.deepEqual(after, before);
  });

  it('keeps a higher level on a dependency (CAN_RESTART ≥ CAN_ATTACH_TO) and raises a lower one on the job', async () => {
    const plan = await svc.planGrant([7]);
    const job = plan.objects.find((o) => o.object.kind === 'job')!.changes[0]!;
    const cluster = plan.objects.find((o) => o.object.kind === 'cluster')!.changes[0]!;
    assert.deepEqual([job.action, job.levelBefore, job.levelAfter], ['raise', 'CAN_VIEW', 'CAN_MANAGE']);
    assert.deepEqual([cluster.action, cluster.levelAfter], ['unchanged', 'CAN_RESTART']);
    const r = await svc.apply(plan);
    assert.equal(r.jobs[0]!.status, 'granted');
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-own'), 'CAN_RESTART');
    const [rec] = await rig.ledger.all();
    assert.deepEqual([rec!.action, rec!.levelBefore, rec!.levelAfter], ['raise', 'CAN_VIEW', 'CAN_MANAGE']);
  });

  it('never lowers a level raised by someone else between plan and apply', async () => {
    const plan = await svc.planGrant([7]);
    rig.fake.state.jobs.get(7)!.acl.find((e) => e.service_principal_name === ZIPHER)!.permission_level = 'CAN_MANAGE';
    rig.fake.state.jobs.get(7)!.acl.push({ user_name: 'alice@example.com', permission_level: 'CAN_VIEW' });
    const r = await svc.apply(plan);
    assert.equal(r.jobs[0]!.status, 'already');
    assert.equal(zipherLevelIn(rig.fake, 'job', '7'), 'CAN_MANAGE');
  });

  it('a legacy ownerless job is granted without inventing an owner', async () => {
    const r = await svc.apply(await svc.planGrant([8]));
    assert.equal(r.jobs[0]!.status, 'granted');
    assert.equal(rig.fake.state.jobs.get(8)!.acl.some((e) => e.permission_level === 'IS_OWNER'), false);
  });

  it('a missing job and a job whose ACL cannot be read become problems with one clear sentence', async () => {
    const asAdmin = await svc.planGrant([424242]);
    assert.deepEqual(asAdmin.problems.map((p) => p.message), ['Job 424242 does not exist.']);
    await rig.stop();
    rig = await startRig(accessSeed(), {}, CAROL_TOKEN); // carol manages jobs 1 and 2 only
    svc = new AccessService(rig.ctx);
    const plan = await svc.planGrant([2, 9, 424242]);
    const byJob = new Map(plan.problems.map((p) => [p.jobId, p.message]));
    // without view rights Databricks answers 403 before checking existence: both read alike
    assert.match(byJob.get(424242)!, /You cannot see job 424242/);
    assert.match(byJob.get(9)!, /You cannot see job 9/);
    assert.ok(!plan.objects.some((o) => o.changes.some((c) => c.jobIds.includes(9))), 'no grant for a job we cannot manage');
    const r = await svc.apply(plan);
    const status = new Map(r.jobs.map((j) => [j.jobId, j.status]));
    assert.equal(status.get(424242), 'failed');
    assert.equal(status.get(9), 'failed');
    assert.equal(r.status, 'partial');
  });
});
