import * as assert from 'node:assert/strict';
import { CLUSTERS, DEMO, POLICIES, POOLS, WAREHOUSES, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { caller } from '../fake-workspace/http-helper';

describe('fake workspace: permissions (sharp edges 3-9, 17)', () => {
  let fake: FakeWorkspace;
  let admin: ReturnType<typeof caller>;
  const byName = (name: string): number => [...fake.state.jobs.values()].find((j) => j.settings.name === name)!.job_id;
  const zipherEntry = { service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_MANAGE' };
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    admin = caller(fake.url, DEMO.adminToken);
  });
  afterEach(() => fake.stop());

  it('always shows the inherited admins CAN_MANAGE entry (3)', async () => {
    const id = byName('serverless-ingest');
    const r = await admin('GET', `/api/2.0/permissions/jobs/${id}`);
    assert.equal(r.json.object_id, `/jobs/${id}`);
    assert.equal(r.json.object_type, 'job');
    const admins = r.json.access_control_list.find((e: { group_name?: string }) => e.group_name === 'admins');
    assert.deepEqual(admins.all_permissions, [{ permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] }]);
    // even after a PUT that sends no admins entry
    const owner = fake.state.jobs.get(id)!.acl.find((e) => e.permission_level === 'IS_OWNER')!;
    const put = await admin('PUT', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [owner] } });
    assert.ok(put.json.access_control_list.some((e: { group_name?: string }) => e.group_name === 'admins'));
  });

  it('PUT replaces direct entries, PATCH merges, and the response equals the next GET (4)', async () => {
    const id = byName('nightly-etl');
    const before = fake.state.jobs.get(id)!.acl.map((e) => ({ ...e }));
    const patch = await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [zipherEntry] } });
    assert.equal(patch.status, 200);
    assert.deepEqual(fake.state.jobs.get(id)!.acl, [...before, zipherEntry]);
    assert.deepEqual(patch.json, (await admin('GET', `/api/2.0/permissions/jobs/${id}`)).json);
    const owner = before.find((e) => e.permission_level === 'IS_OWNER')!;
    const put = await admin('PUT', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [owner, zipherEntry] } });
    assert.equal(put.status, 200);
    assert.deepEqual(fake.state.jobs.get(id)!.acl, [owner, zipherEntry]);
    assert.deepEqual(put.json, (await admin('GET', `/api/2.0/permissions/jobs/${id}`)).json);
  });

  it('keeps the last entry per principal within one request (4)', async () => {
    const id = byName('serverless-ingest');
    await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, {
      body: { access_control_list: [zipherEntry, { ...zipherEntry, permission_level: 'CAN_VIEW' }] },
    });
    const mine = fake.state.jobs.get(id)!.acl.filter((e) => e.service_principal_name === DEMO.zipherAppId);
    assert.deepEqual(mine, [{ service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_VIEW' }]);
  });

  it('demands exactly one owner, refuses group owners, lets legacy jobs stay ownerless (5)', async () => {
    const id = byName('nightly-etl');
    const noOwner = await admin('PUT', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [zipherEntry] } });
    assert.equal(noOwner.status, 400);
    assert.equal(noOwner.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal(noOwner.json.message, 'The job must have exactly one owner.');
    const twoOwners = await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, {
      body: { access_control_list: [{ user_name: 'sam.chen@example.com', permission_level: 'IS_OWNER' }] },
    });
    assert.equal(twoOwners.status, 400);
    const groupOwner = await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [{ group_name: 'data-eng', permission_level: 'IS_OWNER' }] } });
    assert.equal(groupOwner.status, 400);
    const wipe = await admin('PUT', `/api/2.0/permissions/jobs/${id}`, { body: {} });
    assert.equal(wipe.status, 400, 'a PUT without a list is an empty list, and must still keep the owner');
    const legacy = byName('legacy-export');
    const legacyPut = await admin('PUT', `/api/2.0/permissions/jobs/${legacy}`, { body: { access_control_list: [{ group_name: 'data-eng', permission_level: 'CAN_MANAGE' }, zipherEntry] } });
    assert.equal(legacyPut.status, 200);
  });

  it('moves run_as_user_name with the owner (8)', async () => {
    const id = byName('nightly-etl');
    await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, {
      body: { access_control_list: [{ user_name: 'sam.chen@example.com', permission_level: 'IS_OWNER' }, { user_name: DEMO.nonAdminUser, permission_level: 'CAN_MANAGE' }] },
    });
    const job = await admin('GET', `/api/2.2/jobs/get?job_id=${id}`);
    assert.equal(job.json.run_as_user_name, 'sam.chen@example.com');
  });

  it('rejects unknown principals with the Databricks message (6)', async () => {
    const id = byName('nightly-etl');
    const cases: [Record<string, string>, string][] = [
      [{ service_principal_name: 'zipher-optimizer' }, 'Principal: ServicePrincipalName(zipher-optimizer) does not exist'],
      [{ user_name: 'ghost@example.com' }, 'Principal: UserName(ghost@example.com) does not exist'],
      [{ group_name: 'ghosts' }, 'Principal: GroupName(ghosts) does not exist'],
      [{ service_principal_name: DEMO.outsiderAppId }, `Principal: ServicePrincipalName(${DEMO.outsiderAppId}) does not exist`],
    ];
    for (const [who, message] of cases) {
      const r = await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [{ ...who, permission_level: 'CAN_VIEW' }] } });
      assert.equal(r.status, 400);
      assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
      assert.equal(r.json.message, message);
    }
  });

  it('lets only managers and admins read or change permissions (7)', async () => {
    const maria = caller(fake.url, DEMO.nonAdminToken);
    const viewer = caller(fake.url, DEMO.viewerToken);
    const own = byName('nightly-etl');
    assert.equal((await maria('GET', `/api/2.0/permissions/jobs/${own}`)).status, 200);
    assert.equal((await maria('PATCH', `/api/2.0/permissions/jobs/${own}`, { body: { access_control_list: [zipherEntry] } })).status, 200);
    const r = await viewer('GET', `/api/2.0/permissions/jobs/${own}`);
    assert.equal(r.status, 403);
    assert.equal(r.json.error_code, 'PERMISSION_DENIED');
    assert.equal((await viewer('PATCH', `/api/2.0/permissions/jobs/${own}`, { body: { access_control_list: [zipherEntry] } })).status, 403);
    const notMine = byName('serverless-ingest');
    assert.equal((await maria('GET', `/api/2.0/permissions/jobs/${notMine}`)).status, 403);
  });

  it('never lets the admins group be lowered', async () => {
    const id = byName('nightly-etl');
    const r = await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [{ group_name: 'admins', permission_level: 'CAN_VIEW' }] } });
    assert.equal(r.status, 400);
  });

  it('serves compute ACLs with their own level sets and rejects foreign levels (9)', async () => {
    const cases: [string, string, string, string, string][] = [
      ['clusters', CLUSTERS.sharedEtl, 'cluster', 'CAN_ATTACH_TO', 'CAN_USE'],
      ['instance-pools', POOLS.general, 'instance-pool', 'CAN_ATTACH_TO', 'CAN_RESTART'],
      ['cluster-policies', POLICIES.jobCompute, 'cluster-policy', 'CAN_USE', 'CAN_ATTACH_TO'],
      ['warehouses', WAREHOUSES.reporting, 'warehouses', 'CAN_USE', 'CAN_VIEW'],
      ['sql/warehouses', WAREHOUSES.reporting, 'warehouses', 'CAN_MONITOR', 'CAN_MANAGE_RUN'],
    ];
    for (const [type, id, objectType, good, bad] of cases) {
      const get = await admin('GET', `/api/2.0/permissions/${type}/${id}`);
      assert.equal(get.status, 200, type);
      assert.equal(get.json.object_type, objectType);
      const ok = await admin('PATCH', `/api/2.0/permissions/${type}/${id}`, { body: { access_control_list: [{ service_principal_name: DEMO.zipherAppId, permission_level: good }] } });
      assert.equal(ok.status, 200, `${type} ${good}`);
      const no = await admin('PATCH', `/api/2.0/permissions/${type}/${id}`, { body: { access_control_list: [{ service_principal_name: DEMO.zipherAppId, permission_level: bad }] } });
      assert.equal(no.status, 400, `${type} ${bad}`);
      const levels = await admin('GET', `/api/2.0/permissions/${type}/${id}/permissionLevels`);
      assert.ok(levels.json.permission_levels.some((l: { permission_level: string }) => l.permission_level === good));
    }
    const old = await admin('GET', `/api/2.0/permissions/clusters/${CLUSTERS.terminated}`);
    assert.equal(old.status, 400);
    assert.equal(old.json.error_code, 'INVALID_STATE');
    assert.match(old.json.message, /^Cannot access cluster/);
  });

  it('runs the after-read hook once, after the GET is answered and before the next write (17)', async () => {
    const id = byName('nightly-etl');
    fake.onceAfterPermissionsRead('jobs', String(id), (s) => {
      s.jobs.get(id)!.acl.push({ user_name: 'priya.patel@example.com', permission_level: 'CAN_VIEW' });
    });
    const first = await admin('GET', `/api/2.0/permissions/jobs/${id}`);
    assert.equal(first.json.access_control_list.some((e: { user_name?: string }) => e.user_name === 'priya.patel@example.com'), false);
    const second = await admin('GET', `/api/2.0/permissions/jobs/${id}`);
    assert.equal(second.json.access_control_list.filter((e: { user_name?: string }) => e.user_name === 'priya.patel@example.com').length, 1);
    const third = await admin('GET', `/api/2.0/permissions/jobs/${id}`);
    assert.deepEqual(third.json, second.json, 'the hook ran once');
  });

  it('records ACL writes with audit action names', async () => {
    const id = byName('nightly-etl');
    const owner = fake.state.jobs.get(id)!.acl.filter((e) => e.permission_level === 'IS_OWNER');
    await admin('PATCH', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: [zipherEntry] } });
    await admin('PUT', `/api/2.0/permissions/jobs/${id}`, { body: { access_control_list: owner } });
    await admin('PATCH', `/api/2.0/permissions/clusters/${CLUSTERS.analytics}`, { body: { access_control_list: [{ service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_ATTACH_TO' }] } });
    const actions = fake.calls.filter((c) => c.method !== 'GET').map((c) => [c.action, c.objectId, c.principal]);
    assert.deepEqual(actions, [
      ['jobs.changeJobAcl', String(id), DEMO.adminUser],
      ['jobs.resetJobAcl', String(id), DEMO.adminUser],
      ['clusters.changeClusterAcl', CLUSTERS.analytics, DEMO.adminUser],
    ]);
    assert.equal(fake.requestCount('PATCH /api/2.0/permissions/jobs'), 1);
    assert.equal(fake.requestCount('/api/2.0/permissions/'), 3);
  });
});
