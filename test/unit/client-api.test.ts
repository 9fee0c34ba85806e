import * as assert from 'assert';
import { createWorkspaceClient, DatabricksError, describeError } from '../../src/databricks';
import { defaultSeed, DEMO, FakeWorkspace, scaleSeed, startFakeWorkspace } from '../fake-workspace';
import { ADMIN, collect, job, OTHER_PAT, patClient, RecordingScheduler, seed, SP_APP_ID, SP_SCIM_ID } from './client-fixtures';

const JOBS_LIST = 'GET /api/2.2/jobs/list';
const JOBS_GET = 'GET /api/2.2/jobs/get';

describe('client: jobs paging', () => {
  let fake: FakeWorkspace;
  afterEach(async () => {
    await fake?.stop();
  });

  it('lists 250 jobs in 3 token-paged requests, newest first, none lost or repeated', async () => {
    const jobs = Array.from({ length: 250 }, (_, i) => job(i + 1));
    fake = await startFakeWorkspace({ seed: seed(jobs) });
    const client = await patClient(fake.url);
    const pages = await collect(client.listJobPages());
    assert.deepStrictEqual(
      pages.map((p) => p.length),
      [100, 100, 50],
    );
    const ids = pages.flat().map((j) => j.job_id);
    assert.strictEqual(new Set(ids).size, 250);
    assert.deepStrictEqual(ids, [...ids].sort((a, b) => b - a), 'newest (highest created_time) first');
    assert.strictEqual(fake.requestCount(JOBS_LIST), 3);
    assert.ok(fake.calls.filter((c) => c.route === JOBS_LIST).every((c) => !/offset/.test(c.path)));
    assert.strictEqual(pages[0][0].settings.name, 'job-250');
    assert.strictEqual(pages[0][0].creator_user_name, ADMIN);
  });

  it('honours pageSize and name, and an empty workspace yields one empty page', async () => {
    const jobs = [job(1), job(2, { name: 'Nightly ETL' }), job(3), job(4), job(5)];
    fake = await startFakeWorkspace({ seed: seed(jobs) });
    const client = await patClient(fake.url);
    assert.deepStrictEqual(
      (await collect(client.listJobPages({ pageSize: 2 }))).map((p) => p.map((j) => j.job_id)),
      [[5, 4], [3, 2], [1]],
    );
    assert.deepStrictEqual(
      (await collect(client.listJobPages({ name: 'nightly etl' }))).flat().map((j) => j.job_id),
      [2],
    );
    fake.state.jobs.clear();
    assert.deepStrictEqual(await collect(client.listJobPages()), [[]]);
  });

  it('jobs/get concatenates 2.2 pages of tasks and job_clusters (>100 each)', async () => {
    const tasks = Array.from({ length: 230 }, (_, i) => ({ task_key: `t${i}`, existing_cluster_id: i === 229 ? '0101-abc' : undefined }));
    const clusters = Array.from({ length: 120 }, (_, i) => ({ job_cluster_key: `c${i}`, new_cluster: { instance_pool_id: `pool-${i}`, spark_version: '15.4' } }));
    fake = await startFakeWorkspace({ seed: seed([job(42, { tasks, job_clusters: clusters, run_as: { user_name: ADMIN } })]) });
    const client = await patClient(fake.url);
    const details = await client.getJob(42);
    assert.strictEqual(details.job_id, 42);
    assert.deepStrictEqual(
      details.settings.tasks?.map((t) => t.task_key),
      tasks.map((t) => t.task_key),
    );
    assert.strictEqual(details.settings.tasks?.[229].existing_cluster_id, '0101-abc');
    assert.strictEqual(details.settings.job_clusters?.length, 120);
    assert.strictEqual(details.settings.job_clusters?.[119].new_cluster?.instance_pool_id, 'pool-119');
    assert.strictEqual(details.settings.job_clusters?.[0].new_cluster?.spark_version, '15.4', 'unknown fields kept');
    assert.strictEqual(details.run_as_user_name, ADMIN);
    assert.ok(!('next_page_token' in details));
    assert.strictEqual(fake.requestCount(JOBS_GET), 3);
  });

  it('a missing job is kind not-found; a job the caller cannot see is kind permission', async () => {
    fake = await startFakeWorkspace({ seed: seed([job(1)]) });
    const client = await patClient(fake.url);
    await assert.rejects(client.getJob(999), (e: unknown) => e instanceof DatabricksError && e.kind === 'not-found' && e.status === 400 && /Job 999 does not exist\. It may have been deleted/.test(describeError(e)));
    const alice = await patClient(fake.url, { auth: { type: 'pat', token: OTHER_PAT } });
    await assert.rejects(alice.getJob(1), (e: unknown) => e instanceof DatabricksError && e.kind === 'permission' && e.errorCode === 'PERMISSION_DENIED');
  });
});

describe('client: permissions, secrets, identity, network, SQL', () => {
  let fake: FakeWorkspace;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: seed([job(42)]) });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('reads, merges and replaces a job ACL (id sent as a path segment), through the scheduler as reads and writes', async () => {
    const scheduler = new RecordingScheduler();
    const client = await patClient(fake.url, { scheduler });
    const before = await client.getPermissions('jobs', '42');
    assert.strictEqual(before.object_id, '/jobs/42');
    const admins = before.access_control_list.find((e) => e.group_name === 'admins');
    assert.deepStrictEqual(admins?.all_permissions[0], { permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] });

    const patched = await client.updatePermissions('jobs', '42', [{ service_principal_name: SP_APP_ID, permission_level: 'CAN_MANAGE' }]);
    const sp = patched.access_control_list.find((e) => e.service_principal_name === SP_APP_ID);
    assert.strictEqual(sp?.all_permissions[0].permission_level, 'CAN_MANAGE');
    assert.deepStrictEqual(fake.state.jobs.get(42)?.acl.find((e) => e.service_principal_name === SP_APP_ID), { service_principal_name: SP_APP_ID, permission_level: 'CAN_MANAGE' });

    const replaced = await client.setPermissions('jobs', '42', [{ user_name: ADMIN, permission_level: 'IS_OWNER' }]);
    assert.ok(!replaced.access_control_list.some((e) => e.service_principal_name === SP_APP_ID));
    assert.deepStrictEqual(scheduler.acquired, ['read', 'write', 'write']);
    assert.ok(scheduler.feedback.every((f) => f.type === 'ok'));

    const levels = await client.getPermissionLevels('jobs', '42');
    assert.ok(levels.some((l) => l.permission_level === 'CAN_MANAGE'));
    const cluster = await client.updatePermissions('clusters', '0101-abc', [{ service_principal_name: SP_APP_ID, permission_level: 'CAN_ATTACH_TO' }]);
    assert.strictEqual(cluster.object_type, 'cluster');
    await assert.rejects(
      client.updatePermissions('clusters', '0101-abc', [{ service_principal_name: SP_APP_ID, permission_level: 'CAN_VIEW' }]),
      (e: unknown) => e instanceof DatabricksError && e.kind === 'invalid' && e.status === 400,
    );
    const wh = await client.getPermissions('warehouses', 'wh1');
    assert.ok(wh.access_control_list.length >= 1);
  });

  it('secret ACLs: put, get, list, delete; get answers undefined on 404', async () => {
    const client = await patClient(fake.url);
    assert.strictEqual(await client.getSecretAcl('zipher-scope', SP_APP_ID), undefined);
    await client.putSecretAcl('zipher-scope', SP_APP_ID, 'READ');
    assert.deepStrictEqual(await client.getSecretAcl('zipher-scope', SP_APP_ID), { principal: SP_APP_ID, permission: 'READ' });
    assert.deepStrictEqual(
      (await client.listSecretAcls('zipher-scope')).map((a) => a.principal).sort(),
      [ADMIN, SP_APP_ID].sort(),
    );
    await client.deleteSecretAcl('zipher-scope', SP_APP_ID);
    assert.strictEqual(await client.getSecretAcl('zipher-scope', SP_APP_ID), undefined);
    assert.strictEqual(await client.getSecretAcl('no-such-scope', SP_APP_ID), undefined);
    await assert.rejects(client.listSecretAcls('no-such-scope'), (e: unknown) => e instanceof DatabricksError && e.kind === 'not-found');
  });

  it('identity: SCIM service principals, workspace list, SP secrets through the workspace proxy', async () => {
    const client = await patClient(fake.url);
    const sps = await client.listServicePrincipals(`applicationId eq "${SP_APP_ID}"`);
    assert.deepStrictEqual(
      sps.map((s) => [s.id, s.applicationId, s.displayName]),
      [[SP_SCIM_ID, SP_APP_ID, 'zipher']],
    );
    const root = await client.listWorkspace('/');
    assert.ok(root.objects.some((o) => o.path === '/Users'));
    const created = await client.createWorkspaceSpSecret(SP_SCIM_ID, 86_400);
    assert.ok(created.secret.length > 10);
    assert.ok((await client.listWorkspaceSpSecrets(SP_SCIM_ID)).some((s) => s.id === created.id));
    await client.deleteWorkspaceSpSecret(SP_SCIM_ID, created.id);
    assert.ok(!(await client.listWorkspaceSpSecrets(SP_SCIM_ID)).some((s) => s.id === created.id));
  });

  it('IP access lists and workspace-conf', async () => {
    const client = await patClient(fake.url);
    assert.deepStrictEqual(await client.listIpAccessLists(), []);
    const made = await client.createIpAccessList({ label: 'zipher', list_type: 'ALLOW', ip_addresses: ['127.0.0.1', '10.0.0.0/24'] });
    assert.strictEqual(made.label, 'zipher');
    await client.replaceIpAccessList(made.list_id, { label: 'zipher-2', list_type: 'ALLOW', ip_addresses: ['127.0.0.1'], enabled: true });
    assert.deepStrictEqual(
      (await client.listIpAccessLists()).map((l) => [l.label, l.ip_addresses]),
      [['zipher-2', ['127.0.0.1']]],
    );
    await client.deleteIpAccessList(made.list_id);
    assert.deepStrictEqual(await client.listIpAccessLists(), []);
    await client.setWorkspaceConf({ enableIpAccessLists: 'true' });
    assert.deepStrictEqual(await client.getWorkspaceConf(['enableIpAccessLists']), { enableIpAccessLists: 'true' });
  });

  it('SQL: warehouses, statement execute → poll → result chunks, cancel', async () => {
    const client = await patClient(fake.url);
    assert.deepStrictEqual(
      (await client.listWarehouses()).map((w) => w.id),
      ['wh1'],
    );
    for (const level of ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE']) {
      await client.updatePermissions('jobs', '42', [{ service_principal_name: SP_APP_ID, permission_level: level }]);
    }
    fake.options.sqlChunkSize = 2;
    let st = await client.executeStatement({
      warehouse_id: 'wh1',
      statement: 'SELECT event_time, action_name FROM system.access.audit WHERE user_identity.email = :principal',
      parameters: [{ name: 'principal', value: ADMIN }],
      wait_timeout: '0s',
    });
    assert.strictEqual(fake.requestCount('POST /api/2.0/sql/statements'), 1);
    for (let i = 0; i < 10 && (st.status.state === 'PENDING' || st.status.state === 'RUNNING'); i++) st = await client.getStatement(st.statement_id);
    assert.strictEqual(st.status.state, 'SUCCEEDED');
    assert.ok((st.manifest?.schema?.columns ?? []).some((c) => c.name === 'action_name'));
    assert.strictEqual(st.result?.data_array?.length, 2);
    assert.strictEqual(st.result?.next_chunk_index, 1);
    const chunk = await client.getStatementChunk(st.statement_id, 1);
    assert.strictEqual(chunk.chunk_index, 1);
    assert.ok((chunk.data_array?.length ?? 0) >= 1);

    const other = await client.executeStatement({ warehouse_id: 'wh1', statement: 'SELECT 2', wait_timeout: '0s' });
    await client.cancelStatement(other.statement_id);
    assert.strictEqual((await client.getStatement(other.statement_id)).status.state, 'CANCELED');
  });
});

describe('client: the demo and scale seeds', () => {
  let fake: FakeWorkspace;
  afterEach(async () => {
    await fake?.stop();
  });

  it('demo seed: every job lists and parses (jobs/get) for the admin; Zipher authenticates with OAuth', async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    const admin = await createWorkspaceClient({ host: fake.url, auth: { type: 'pat', token: DEMO.adminToken }, env: {} });
    const listed = (await collect(admin.listJobPages())).flat();
    assert.strictEqual(listed.length, fake.state.jobs.size);
    for (const j of listed) {
      const details = await admin.getJob(j.job_id);
      assert.strictEqual(details.job_id, j.job_id);
      const perms = await admin.getPermissions('jobs', String(j.job_id));
      assert.strictEqual(perms.object_id, `/jobs/${j.job_id}`);
    }
    assert.strictEqual(admin.workspaceId, DEMO.workspaceId);
    const zipher = await createWorkspaceClient({ host: fake.url, auth: { type: 'oauth-m2m', clientId: DEMO.zipherAppId, clientSecret: DEMO.zipherSecret }, env: {} });
    assert.strictEqual((await zipher.me()).userName, DEMO.zipherAppId);
  });

  it('scale seed: 2,500 jobs page by token past the 1,000 offset cap', async () => {
    fake = await startFakeWorkspace({ seed: scaleSeed(2500) });
    const client = await createWorkspaceClient({ host: fake.url, auth: { type: 'pat', token: DEMO.adminToken }, env: {} });
    const pages = await collect(client.listJobPages());
    const ids = new Set(pages.flat().map((j) => j.job_id));
    assert.strictEqual(ids.size, fake.state.jobs.size);
    assert.ok(ids.size >= 2500);
    assert.strictEqual(fake.requestCount('GET /api/2.2/jobs/list'), Math.ceil(ids.size / 100));
  });
});
