import { strict as assert } from 'node:assert';
import { jobClosure, loadClosures, type Requirement } from '../../src/onboarding';
import { accessSeed, startRig, type Rig } from './access-fixtures';
import { defaultSeed, DEMO } from '../fake-workspace';

function find(reqs: Requirement[], kind: string, id: string): Requirement | undefined {
  return reqs.find((r) => r.object.kind === kind && r.object.id === id);
}

describe('access: dependency closure (real client → fake workspace)', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig(accessSeed(), { includeSecretScopes: true, includeWarehouses: true });
  });
  after(() => rig.stop());

  it('covers an existing cluster, a job cluster with pools and a policy, and secret refs', async () => {
    const job = await rig.api.getJob(1);
    const reqs = jobClosure(job, rig.ctx.options);
    assert.equal(find(reqs, 'job', '1')?.level, 'CAN_MANAGE');
    assert.equal(find(reqs, 'cluster', 'c-shared')?.level, 'CAN_ATTACH_TO');
    assert.match(find(reqs, 'cluster', 'c-shared')!.reasons[0]!, /cluster c-shared is used by task `ingest` of job `nightly-etl` \(1\)/);
    assert.equal(find(reqs, 'instance-pool', 'pool-1')?.level, 'CAN_ATTACH_TO');
    assert.equal(find(reqs, 'instance-pool', 'pool-2')?.level, 'CAN_ATTACH_TO');
    assert.match(find(reqs, 'instance-pool', 'pool-2')!.reasons[0]!, /driver pool used by job cluster `main`/);
    assert.equal(find(reqs, 'cluster-policy', 'pol-1')?.level, 'CAN_USE');
    const scope = find(reqs, 'secret-scope', 'etl-scope');
    assert.equal(scope?.level, 'READ');
    assert.equal(scope?.reasons.length, 2, 'both secret references give a reason, merged into one requirement');
    assert.equal(reqs.length, 6);
  });

  it('pool level follows PlanOptions.poolLevel; secrets and warehouses are opt-in', async () => {
    const job = await rig.api.getJob(1);
    const reqs = jobClosure(job, { poolLevel: 'CAN_MANAGE', includeSecretScopes: false, includeWarehouses: false });
    assert.equal(find(reqs, 'instance-pool', 'pool-1')?.level, 'CAN_MANAGE');
    assert.equal(find(reqs, 'secret-scope', 'etl-scope'), undefined);
    const billing = jobClosure(await rig.api.getJob(2), { poolLevel: 'CAN_ATTACH_TO', includeSecretScopes: false, includeWarehouses: false });
    assert.equal(find(billing, 'warehouse', 'wh-1'), undefined);
  });

  it('covers a sql_task warehouse, nested for_each tasks, serverless, and >100 tasks (2.2 paging)', async () => {
    const billing = jobClosure(await rig.api.getJob(2), rig.ctx.options);
    assert.equal(find(billing, 'warehouse', 'wh-1')?.level, 'CAN_USE');
    const fanOut = jobClosure(await rig.api.getJob(3), rig.ctx.options);
    assert.equal(find(fanOut, 'cluster', 'c-nested')?.level, 'CAN_ATTACH_TO');
    assert.match(find(fanOut, 'cluster', 'c-nested')!.reasons[0]!, /task `loop → inner`/);
    assert.equal(find(fanOut, 'cluster-policy', 'pol-1')?.level, 'CAN_USE');
    const serverless = jobClosure(await rig.api.getJob(4), rig.ctx.options);
    assert.deepEqual(serverless.map((r) => r.object.kind), ['job']);
    const huge = await rig.api.getJob(5);
    assert.equal(huge.settings.tasks?.length, 150, 'the client concatenates every page of tasks');
    const hugeReqs = jobClosure(huge, rig.ctx.options);
    assert.ok(find(hugeReqs, 'cluster', 'c-last'), 'a cluster used only by task 150 is found');
    assert.equal(find(hugeReqs, 'cluster', 'c-big')?.reasons.length, 149);
  });

  it('merges a shared cluster once with every job as a reason; a missing job is a failure, not a throw', async () => {
    const load = await loadClosures(rig.api, [1, 2, 6, 999], rig.ctx.options);
    const shared = load.requirements.get('cluster:c-shared')!;
    assert.deepEqual([...shared.jobIds].sort(), [1, 2, 6]);
    assert.equal(shared.reasons.length, 3);
    assert.ok(load.failures.has(999));
    assert.equal(load.jobs.size, 3);
  });
});

describe('access: closure over the default demo seed', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig(defaultSeed(), { includeSecretScopes: true, includeWarehouses: true }, DEMO.adminToken);
  });
  after(() => rig.stop());

  it('finds every dependency the seed declares, for every job', async () => {
    const seed = defaultSeed();
    const shapes = { existing: 0, pool: 0, policy: 0, secret: 0, warehouse: 0, forEach: 0, serverless: 0, big: 0 };
    for (const fj of seed.jobs ?? []) {
      const job = await rig.api.getJob(fj.job_id);
      const reqs = jobClosure(job, rig.ctx.options);
      const raw = JSON.stringify(fj.settings);
      const tasks = (fj.settings.tasks as Record<string, unknown>[] | undefined) ?? [];
      if (tasks.length > 100) shapes.big++;
      assert.equal(job.settings.tasks?.length ?? 0, tasks.length, `job ${fj.job_id}: all task pages read`);
      for (const m of raw.matchAll(/"existing_cluster_id":"([^"]+)"/g)) {
        shapes.existing++;
        assert.ok(find(reqs, 'cluster', m[1]!), `job ${fj.job_id} needs cluster ${m[1]}`);
      }
      for (const m of raw.matchAll(/"(?:driver_)?instance_pool_id":"([^"]+)"/g)) {
        shapes.pool++;
        assert.ok(find(reqs, 'instance-pool', m[1]!), `job ${fj.job_id} needs pool ${m[1]}`);
      }
      for (const m of raw.matchAll(/"policy_id":"([^"]+)"/g)) {
        shapes.policy++;
        assert.ok(find(reqs, 'cluster-policy', m[1]!), `job ${fj.job_id} needs policy ${m[1]}`);
      }
      for (const m of raw.matchAll(/\{\{secrets\/([^/]+)\//g)) {
        shapes.secret++;
        assert.ok(find(reqs, 'secret-scope', m[1]!), `job ${fj.job_id} needs scope ${m[1]}`);
      }
      for (const m of raw.matchAll(/"warehouse_id":"([^"]+)"/g)) {
        shapes.warehouse++;
        assert.ok(find(reqs, 'warehouse', m[1]!), `job ${fj.job_id} needs warehouse ${m[1]}`);
      }
      if (raw.includes('for_each_task')) shapes.forEach++;
      if (tasks.length && tasks.every((t) => t.environment_key && !t.existing_cluster_id && !t.new_cluster && !t.job_cluster_key)) {
        shapes.serverless++;
        assert.deepEqual(reqs.map((r) => r.object.kind), ['job'], `serverless job ${fj.job_id} needs only itself`);
      }
      const expectedKinds = new Set(reqs.map((r) => r.object.kind));
      assert.ok(expectedKinds.has('job'));
    }
    for (const [shape, n] of Object.entries(shapes)) assert.ok(n > 0, `the default seed has a ${shape} job`);
  });
});
