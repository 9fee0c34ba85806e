import * as assert from 'node:assert/strict';
import { DEMO, WAREHOUSES, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { caller } from '../fake-workspace/http-helper';

describe('fake workspace: SQL statements and audit rows (sharp edge 16)', () => {
  let fake: FakeWorkspace;
  let admin: ReturnType<typeof caller>;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    admin = caller(fake.url, DEMO.adminToken);
  });
  afterEach(() => fake.stop());

  const run = (statement: string, parameters: { name: string; value: string }[] = []) =>
    admin('POST', '/api/2.0/sql/statements', { body: { warehouse_id: WAREHOUSES.audit, statement, wait_timeout: '0s', parameters, format: 'JSON_ARRAY', disposition: 'INLINE' } });

  it('lists warehouses', async () => {
    const r = await admin('GET', '/api/2.0/sql/warehouses');
    assert.deepEqual(r.json.warehouses.map((w: { id: string }) => w.id).sort(), Object.values(WAREHOUSES).sort());
  });

  it('moves PENDING → RUNNING → SUCCEEDED and answers audit rows from served calls', async () => {
    const t = fake.state.issueToken(DEMO.zipherAppId);
    const jobId = [...fake.state.jobs.values()].find((j) => j.settings.name === 'nightly-etl')!.job_id;
    const since = new Date(Date.now() - 1000).toISOString();
    await admin('PATCH', `/api/2.0/permissions/jobs/${jobId}`, { body: { access_control_list: [{ service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_MANAGE' }] } });
    await caller(fake.url, t)('GET', `/api/2.2/jobs/get?job_id=${jobId}`);
    const started = await run('SELECT * FROM system.access.audit WHERE user_identity.email = :principal AND event_time >= :since', [
      { name: 'principal', value: DEMO.zipherAppId },
      { name: 'since', value: since },
    ]);
    assert.equal(started.status, 200);
    assert.equal(started.json.status.state, 'PENDING');
    const id = started.json.statement_id;
    assert.equal((await admin('GET', `/api/2.0/sql/statements/${id}`)).json.status.state, 'RUNNING');
    const done = await admin('GET', `/api/2.0/sql/statements/${id}`);
    assert.equal(done.json.status.state, 'SUCCEEDED');
    const cols = done.json.manifest.schema.columns.map((c: { name: string }) => c.name);
    assert.deepEqual(cols.slice(0, 3), ['event_time', 'event_date', 'workspace_id']);
    const rows: (string | null)[][] = done.json.result.data_array;
    assert.equal(rows.length, 1);
    const row = Object.fromEntries(cols.map((c: string, i: number) => [c, rows[0][i]]));
    assert.equal(row.action_name, 'get');
    assert.equal(row.service_name, 'jobs');
    assert.deepEqual(JSON.parse(row.user_identity as string), { email: DEMO.zipherAppId, subject_name: null });
    assert.equal(JSON.parse(row.response as string).status_code, 200);
    assert.ok(rows[0].every((v) => v === null || typeof v === 'string'));
    const acl = await run('SELECT * FROM system.access.audit WHERE action_name = :action', [{ name: 'action', value: 'changeJobAcl' }]);
    fake.options.sqlPollsToFinish = 0;
    const aclDone = await admin('GET', `/api/2.0/sql/statements/${acl.json.statement_id}`);
    assert.equal(aclDone.json.result.data_array.length, 1);
    assert.equal(JSON.parse(aclDone.json.result.data_array[0][9]).job_id, String(jobId));
  });

  it('fails bad SQL and a disabled audit table with HTTP 200 and state FAILED', async () => {
    fake.options.sqlPollsToFinish = 0;
    const bad = await run('SELEC nonsense');
    assert.equal(bad.status, 200);
    assert.equal(bad.json.status.state, 'FAILED');
    assert.match(bad.json.status.error.message, /PARSE_SYNTAX_ERROR/);
    fake.options.auditTableEnabled = false;
    const off = await run('SELECT * FROM system.access.audit');
    assert.equal(off.json.status.state, 'FAILED');
    assert.match(off.json.status.error.message, /TABLE_OR_VIEW_NOT_FOUND/);
    const unbound = await run('SELECT * FROM system.access.audit WHERE action_name = :action');
    assert.match(unbound.json.status.error.message, /UNBOUND_SQL_PARAMETER/);
  });

  it('chunks large results and cancels running statements', async () => {
    fake.options.sqlPollsToFinish = 0;
    fake.options.sqlChunkSize = 2;
    for (let i = 0; i < 5; i++) await admin('GET', '/api/2.0/preview/scim/v2/Me');
    const r = await run('SELECT * FROM system.access.audit WHERE action_name = :action', [{ name: 'action', value: 'tokenLogin' }]);
    assert.equal(r.json.manifest.total_row_count, 5);
    assert.equal(r.json.manifest.total_chunk_count, 3);
    assert.equal(r.json.result.next_chunk_index, 1);
    const last = await admin('GET', `/api/2.0/sql/statements/${r.json.statement_id}/result/chunks/2`);
    assert.equal(last.json.data_array.length, 1);
    assert.equal(last.json.next_chunk_index, undefined);
    fake.options.sqlPollsToFinish = 3;
    const slow = await run('SELECT 1');
    assert.equal((await admin('POST', `/api/2.0/sql/statements/${slow.json.statement_id}/cancel`)).status, 200);
    assert.equal((await admin('GET', `/api/2.0/sql/statements/${slow.json.statement_id}`)).json.status.state, 'CANCELED');
  });
});
