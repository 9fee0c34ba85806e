import { strict as assert } from 'node:assert';
import { AccessService, JobInventory, detectDrift } from '../../src/onboarding';
import { ZIPHER, accessSeed, startRig, zipherLevelIn, type Rig } from './access-fixtures';

describe('access: drift between the ledger and live ACLs', () => {
  let rig: Rig;
  let svc: AccessService;
  beforeEach(async () => {
    rig = await startRig(accessSeed());
    svc = new AccessService(rig.ctx);
  });
  afterEach(() => rig.stop());

  it('finds no drift right after a grant', async () => {
    await svc.apply(await svc.planGrant([1, 2, 3]));
    assert.deepEqual([...(await detectDrift(rig.ctx, [1, 2, 3])).values()].flat(), []);
  });

  it('finds each kind of drift; reconcile puts back what is missing', async () => {
    await svc.apply(await svc.planGrant([1, 2, 3]));
    const s = rig.fake.state;
    s.jobs.get(1)!.acl = s.jobs.get(1)!.acl.filter((e) => e.service_principal_name !== ZIPHER); // removed by someone
    s.jobs.get(2)!.acl.find((e) => e.service_principal_name === ZIPHER)!.permission_level = 'CAN_VIEW'; // lowered
    (s.jobs.get(3)!.settings.tasks as Record<string, unknown>[]).push({ task_key: 'new', existing_cluster_id: 'c-big' }); // new dependency
    const drift = await svc.detectDrift([1, 2, 3, 6]);
    const kinds = (id: number) => drift.get(id)!.map((f) => `${f.kind}:${f.object.kind}:${f.object.id}`);
    assert.deepEqual(kinds(1), ['grant-removed:job:1']);
    assert.deepEqual(kinds(2), ['level-changed:job:2']);
    assert.deepEqual(kinds(3), ['new-dependency:cluster:c-big']);
    assert.deepEqual(kinds(6), ['grant-added-outside:job:6']);
    assert.ok(drift.get(2)![0]!.message.includes('CAN_VIEW'));

    const fix = await svc.planReconcile([1, 2, 3]);
    const writes = fix.objects.filter((o) => o.changes.some((c) => c.action !== 'unchanged')).map((o) => `${o.object.kind}:${o.object.id}`).sort();
    assert.deepEqual(writes, ['cluster:c-big', 'job:1', 'job:2']);
    assert.equal((await svc.apply(fix)).status, 'done');
    assert.equal(zipherLevelIn(rig.fake, 'job', '2'), 'CAN_MANAGE');
    assert.deepEqual([...(await svc.detectDrift([1, 2, 3])).values()].flat(), []);
  });

  it('shows dependency drift on the tree rows after a load, for the jobs the extension granted', async () => {
    await svc.apply(await svc.planGrant([3]));
    // someone adds a cluster to job 3 after we granted it: Zipher cannot attach to it
    (rig.fake.state.jobs.get(3)!.settings.tasks as Record<string, unknown>[]).push({ task_key: 'new', existing_cluster_id: 'c-big' });
    const checked: number[][] = [];
    const inventory = new JobInventory(rig.ctx.api, rig.ctx.principal, {
      ledger: rig.ctx.ledger,
      dependencyDrift: (jobIds, opts) => {
        checked.push(jobIds);
        return svc.detectDrift(jobIds, opts);
      },
    });
    try {
      await inventory.load();
      assert.equal(inventory.status, 'loaded');
      assert.deepEqual(checked, [[3]], 'only the jobs the ledger granted are checked');
      const drift = inventory.row(3)?.drift ?? [];
      assert.deepEqual(drift.map((f) => `${f.kind}:${f.object.kind}:${f.object.id}`), ['new-dependency:cluster:c-big']);
      assert.equal(inventory.row(1)?.drift, undefined);
    } finally {
      inventory.dispose();
    }
  });
});
