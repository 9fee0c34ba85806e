import { strict as assert } from 'node:assert';
import { AccessService } from '../../src/onboarding';
import { CI_BOT, ZIPHER, accessSeed, othersSnapshot, snapshot, startRig, zipherLevelIn, type Rig } from './access-fixtures';

describe('access: revoke (real client → fake workspace)', () => {
  let rig: Rig;
  let svc: AccessService;
  beforeEach(async () => {
    rig = await startRig(accessSeed(), { includeSecretScopes: true, includeWarehouses: true });
    svc = new AccessService(rig.ctx);
  });
  afterEach(() => rig.stop());

  it('grant then revoke returns every ACL to exactly what it was; others and owner never touched', async () => {
    const original = snapshot(rig.fake);
    const others = othersSnapshot(rig.fake);
    assert.equal((await svc.apply(await svc.planGrant([1]))).status, 'done');
    const plan = await svc.planRevoke([1]);
    assert.deepEqual(plan.problems, []);
    assert.ok(plan.objects.every((o) => o.changes[0]!.action === 'remove'));
    const r = await svc.apply(plan);
    assert.equal(r.status, 'done');
    assert.deepEqual(r.jobs.map((j) => j.status), ['revoked']);
    assert.deepEqual(snapshot(rig.fake), original);
    assert.deepEqual(othersSnapshot(rig.fake), others);
    // the PUT never carried the inherited admins entry back as a direct one
    assert.ok(!rig.fake.state.jobs.get(1)!.acl.some((e) => e.group_name === 'admins'));
    assert.deepEqual(await rig.ledger.grants(rig.api.host, ZIPHER), new Map());
  });

  it('restores the level Zipher had before the extension raised it', async () => {
    await svc.apply(await svc.planGrant([7]));
    assert.equal(zipherLevelIn(rig.fake, 'job', '7'), 'CAN_MANAGE');
    const plan = await svc.planRevoke([7]);
    const job = plan.objects.find((o) => o.object.kind === 'job')!.changes[0]!;
    assert.deepEqual([job.action, job.levelBefore, job.levelAfter], ['restore', 'CAN_MANAGE', 'CAN_VIEW']);
    const r = await svc.apply(plan);
    assert.equal(r.jobs[0]!.status, 'revoked');
    assert.equal(zipherLevelIn(rig.fake, 'job', '7'), 'CAN_VIEW');
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-own'), 'CAN_RESTART', 'a level we never touched stays');
  });

  it('keeps a shared cluster while another granted job still needs it', async () => {
    await svc.apply(await svc.planGrant([1, 2]));
    const plan = await svc.planRevoke([1]);
    const shared = plan.objects.find((o) => o.object.id === 'c-shared')!.changes[0]!;
    assert.equal(shared.action, 'unchanged');
    assert.match(shared.reasons.join(' '), /still needed by job 2/);
    await svc.apply(plan);
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), 'CAN_ATTACH_TO');
    assert.equal(zipherLevelIn(rig.fake, 'job', '1'), undefined);
    assert.equal(zipherLevelIn(rig.fake, 'instance-pool', 'pool-1'), undefined);
    // now job 2 goes too, and with it the cluster
    const r = await svc.apply(await svc.planRevoke([2]));
    assert.equal(r.status, 'done');
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), undefined);
  });

  it('a concurrent edit between read and write → conflict, nothing overwritten', async () => {
    await svc.apply(await svc.planGrant([1]));
    rig.fake.onceAfterPermissionsRead('jobs', '1', (s) => {
      s.jobs.get(1)!.acl.find((e) => e.user_name === 'bob@example.com')!.permission_level = 'CAN_MANAGE_RUN';
    });
    const plan = await svc.planRevoke([1]);
    const afterEdit = snapshot(rig.fake).get('job:1');
    const r = await svc.apply(plan);
    assert.equal(r.jobs[0]!.status, 'conflict');
    assert.equal(r.objects.find((o) => o.object.kind === 'job')!.status, 'conflict');
    assert.equal(snapshot(rig.fake).get('job:1'), afterEdit, 'the job ACL was not written');
    assert.equal(zipherLevelIn(rig.fake, 'job', '1'), 'CAN_MANAGE');
    // while the job keeps Zipher, its compute stays usable
    assert.ok(r.objects.filter((o) => o.object.kind !== 'job').every((o) => o.status === 'skipped'));
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), 'CAN_ATTACH_TO');
    // a fresh plan sees the edit and goes through, keeping bob's new entry
    const retry = await svc.retryFailed(plan, r);
    assert.equal(retry.jobs[0]!.status, 'revoked');
    assert.ok(rig.fake.state.jobs.get(1)!.acl.some((e) => e.user_name === 'bob@example.com' && e.permission_level === 'CAN_MANAGE_RUN'));
    assert.equal(zipherLevelIn(rig.fake, 'job', '1'), undefined);
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), undefined);
    assert.equal(retry.status, 'done');
  });

  it('leaves Zipher entries the extension did not make, unless asked to include them', async () => {
    const plan = await svc.planRevoke([6]);
    assert.ok(plan.problems.some((p) => p.jobId === 6 && /did not grant it; left alone/.test(p.message)));
    const r = await svc.apply(plan);
    assert.equal(r.jobs[0]!.status, 'not-granted');
    assert.equal(zipherLevelIn(rig.fake, 'job', '6'), 'CAN_MANAGE');
    const others = othersSnapshot(rig.fake);
    const forced = await svc.planRevoke([6], { includeUnrecorded: true });
    assert.equal(forced.includeUnrecorded, true);
    const r2 = await svc.apply(forced);
    assert.equal(r2.jobs[0]!.status, 'revoked');
    assert.equal(zipherLevelIn(rig.fake, 'job', '6'), undefined);
    assert.deepEqual(othersSnapshot(rig.fake), others);
  });

  it('revoking a job Zipher has no entry on reports not-granted and writes nothing', async () => {
    const writesBefore = rig.fake.calls.filter((c) => c.method !== 'GET').length;
    const r = await svc.apply(await svc.planRevoke([4]));
    assert.deepEqual(r.jobs.map((j) => j.status), ['not-granted']);
    assert.equal(rig.fake.calls.filter((c) => c.method !== 'GET').length, writesBefore);
  });

  it('a job whose ACL cannot be read keeps its compute grants', async () => {
    await svc.apply(await svc.planGrant([1]));
    rig.fake.faults.inject({ match: 'GET /api/2.0/permissions/jobs/1', kind: { type: 'status', status: 403, body: JSON.stringify({ error_code: 'PERMISSION_DENIED', message: 'nope' }) } });
    const plan = await svc.planRevoke([1]);
    assert.ok(plan.problems.some((p) => p.jobId === 1 && /Could not read the permissions of job/.test(p.message)));
    assert.ok(plan.objects.every((o) => o.changes.every((c) => c.action === 'unchanged')));
    const r = await svc.apply(plan);
    assert.equal(r.jobs[0]!.status, 'failed');
    assert.equal(zipherLevelIn(rig.fake, 'cluster', 'c-shared'), 'CAN_ATTACH_TO');
  });

  it('keeps a direct admins entry and another SP on revoke', async () => {
    rig.fake.state.jobs.get(2)!.acl.push({ group_name: 'admins', permission_level: 'CAN_MANAGE' }, { service_principal_name: CI_BOT, permission_level: 'CAN_MANAGE_RUN' });
    const others = othersSnapshot(rig.fake);
    await svc.apply(await svc.planGrant([2]));
    const r = await svc.apply(await svc.planRevoke([2]));
    assert.equal(r.status, 'done');
    assert.deepEqual(othersSnapshot(rig.fake), others);
  });
});
