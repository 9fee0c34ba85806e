import * as assert from 'node:assert/strict';
import type { CallOptions, StatementRequest, WorkspaceApi } from '../../src/databricks';
import { auditToCsv, queryAclChanges, queryAudit, renderAuditMarkdown, type AuditProgress } from '../../src/onboarding/identity';
import { DEMO } from '../fake-workspace';
import { startRig, type IdentityRig } from './identity-fixtures';

/** Passes every call through to the real client and keeps the statement requests it sent. */
function recording(api: WorkspaceApi): { api: WorkspaceApi; requests: StatementRequest[] } {
  const requests: StatementRequest[] = [];
  const proxy = new Proxy(api, {
    get(target, prop, receiver) {
      const v = Reflect.get(target, prop, receiver);
      if (prop === 'executeStatement') {
        return (req: StatementRequest, opts?: CallOptions) => {
          requests.push(req);
          return target.executeStatement(req, opts);
        };
      }
      return typeof v === 'function' ? v.bind(target) : v;
    },
  });
  return { api: proxy, requests };
}

const FAST = { pollIntervalMs: 5, waitTimeout: '0s' };

describe('identity: audit trail', function () {
  // Each test starts its own fake workspace and scans its jobs over HTTP.
  this.timeout(15_000);
  let rig: IdentityRig;
  let warehouseId: string;
  beforeEach(async () => {
    rig = await startRig();
    warehouseId = [...rig.fake.state.warehouses.keys()][0];
    // Zipher does some work as itself.
    const sp = await rig.asSp(DEMO.zipherAppId, DEMO.zipherSecret);
    for await (const page of sp.listJobPages({ pageSize: 5 })) {
      for (const job of page.slice(0, 3)) await sp.getJob(job.job_id);
      break;
    }
  });
  afterEach(async () => rig.fake.stop());

  it('goes PENDING → RUNNING → SUCCEEDED and returns the SP\'s events from the record of calls', async () => {
    const states: AuditProgress['state'][] = [];
    const { api, requests } = recording(rig.workspace);
    const r = await queryAudit(api, { warehouseId, applicationId: DEMO.zipherAppId, sinceHours: 1, onProgress: (p) => states.push(p.state), ...FAST });
    assert.ok(r.ok, !r.ok ? r.problem.message : '');
    assert.deepEqual(states, ['PENDING', 'RUNNING', 'SUCCEEDED']);
    const expected = rig.fake.calls.filter((c) => c.principal === DEMO.zipherAppId && c.action);
    assert.ok(expected.length >= 4, String(expected.length));
    assert.equal(r.value.rows.length, expected.length);
    assert.deepEqual(new Set(r.value.rows.map((row) => row.request_id)), new Set(expected.map((c) => c.requestId)));
    for (const row of r.value.rows) assert.equal(JSON.parse(row.user_identity!).email, DEMO.zipherAppId);
    assert.ok(r.value.rows.some((row) => row.service_name === 'jobs' && row.action_name === 'get'));
    assert.equal(r.value.truncated, false);
    // The application id travelled only as a named parameter.
    assert.equal(requests.length, 1);
    assert.ok(!requests[0].statement.includes(DEMO.zipherAppId));
    assert.deepEqual(requests[0].parameters?.find((p) => p.name === 'principal')?.value, DEMO.zipherAppId);
  });

  it('maps columns by the manifest names, follows chunks, and reports truncation', async () => {
    rig.fake.options.sqlChunkSize = 2;
    rig.fake.options.sqlPollsToFinish = 0;
    const r = await queryAudit(rig.workspace, { warehouseId, applicationId: DEMO.zipherAppId, ...FAST });
    assert.ok(r.ok);
    const expected = rig.fake.calls.filter((c) => c.principal === DEMO.zipherAppId && c.action).length;
    assert.equal(r.value.rows.length, expected);
    assert.ok(r.value.columns.includes('event_time') && r.value.columns.includes('request_params'));
    assert.ok(rig.fake.calls.some((c) => /\/result\/chunks\/1$/.test(c.path)));
    const limited = await queryAudit(rig.workspace, { warehouseId, applicationId: DEMO.zipherAppId, rowLimit: 2, ...FAST });
    assert.ok(limited.ok);
    assert.equal(limited.value.rows.length, 2);
    assert.equal(limited.value.truncated, true);
    assert.match(limited.warnings[0], /narrow the time window/);
  });

  it('finds ACL changes others made to the SP\'s grants', async () => {
    const jobId = [...rig.fake.state.jobs.values()].find((j) => !j.acl.some((e) => e.service_principal_name === DEMO.zipherAppId))!.job_id;
    await rig.workspace.updatePermissions('jobs', String(jobId), [{ service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_MANAGE' }]);
    const other = [...rig.fake.state.jobs.values()].find((j) => j.job_id !== jobId)!.job_id;
    await rig.workspace.updatePermissions('jobs', String(other), [{ group_name: 'analysts', permission_level: 'CAN_VIEW' }]);
    const r = await queryAclChanges(rig.workspace, { warehouseId, applicationId: DEMO.zipherAppId, ...FAST });
    assert.ok(r.ok, !r.ok ? r.problem.message : '');
    assert.equal(r.value.rows.length, 1);
    assert.equal(r.value.rows[0].action_name, 'changeJobAcl');
    assert.match(r.value.rows[0].request_params!, new RegExp(DEMO.zipherAppId));
    assert.equal(JSON.parse(r.value.rows[0].user_identity!).email, DEMO.adminUser);
  });

  it('says when the audit system table is not enabled', async () => {
    rig.fake.options.auditTableEnabled = false;
    const r = await queryAudit(rig.workspace, { warehouseId, applicationId: DEMO.zipherAppId, ...FAST });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.problem.kind, 'not-enabled');
    assert.match(!r.ok ? r.problem.message : '', /system\.access\.audit is not available.*account admin/);
  });

  it('says when no warehouse is running, and when the caller cannot use the warehouse', async () => {
    for (const w of rig.fake.state.warehouses.values()) w.state = 'STOPPED';
    const r = await queryAudit(rig.workspace, { applicationId: DEMO.zipherAppId, ...FAST });
    assert.equal(!r.ok && r.problem.kind, 'no-warehouse');
    assert.match(!r.ok ? r.problem.message : '', /No SQL warehouse is running/);
    const viewer = await rig.asUser(DEMO.viewerToken);
    rig.fake.state.warehouses.set('wh-private', { id: 'wh-private', name: 'finance-private', acl: [], state: 'RUNNING' });
    const denied = await queryAudit(viewer, { warehouseId: 'wh-private', applicationId: DEMO.zipherAppId, ...FAST });
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.problem.kind, 'permission');
  });

  it('cancels the statement on the server when the caller aborts', async () => {
    rig.fake.options.sqlPollsToFinish = 1_000;
    const abort = new AbortController();
    const r = await queryAudit(rig.workspace, {
      warehouseId,
      applicationId: DEMO.zipherAppId,
      signal: abort.signal,
      onProgress: (p) => p.state === 'RUNNING' && abort.abort(),
      ...FAST,
    });
    assert.equal(!r.ok && r.problem.kind, 'cancelled');
    assert.ok(rig.fake.calls.some((c) => c.method === 'POST' && /\/sql\/statements\/[^/]+\/cancel$/.test(c.path)));
  });

  it('rejects a bad window or application id before running anything', async () => {
    const before = rig.fake.calls.length;
    assert.equal((await queryAudit(rig.workspace, { warehouseId, applicationId: DEMO.zipherAppId, sinceHours: 0 })).ok, false);
    const inj = await queryAudit(rig.workspace, { warehouseId, applicationId: "x' OR 1=1 --" });
    assert.equal(!inj.ok && inj.problem.kind, 'validation');
    assert.equal(rig.fake.calls.length, before);
  });
});

describe('identity: audit export', () => {
  const result = {
    columns: ['event_time', 'action_name', 'request_params', 'response'],
    rows: [
      { event_time: '2026-01-01T00:00:00Z', action_name: 'changeJobAcl', request_params: '{"a":"x, y","b":"say \\"hi\\""}', response: null },
      { event_time: '2026-01-02T00:00:00Z', action_name: 'get|list', request_params: 'line1\nline2', response: ' padded ' },
    ],
    truncated: false,
    statementId: 's',
    warehouseId: 'w',
  };

  it('writes RFC 4180 CSV: CRLF, quoted commas/quotes/newlines, empty nulls', () => {
    const csv = auditToCsv(result);
    assert.equal(
      csv,
      'event_time,action_name,request_params,response\r\n' +
        '2026-01-01T00:00:00Z,changeJobAcl,"{""a"":""x, y"",""b"":""say \\""hi\\""""}",\r\n' +
        '2026-01-02T00:00:00Z,get|list,"line1\nline2"," padded "\r\n',
    );
  });

  it('renders Markdown with escaped pipes, single-line cells and a count', () => {
    const md = renderAuditMarkdown({ ...result, truncated: true }, { applicationId: DEMO.zipherAppId, sinceHours: 24 });
    assert.match(md, /Events: 2 \(truncated/);
    assert.match(md, /\| get\\\|list \|/);
    assert.match(md, /line1 line2/);
    assert.equal(md.split('\n').filter((l) => l.startsWith('| 2026')).length, 2);
    assert.match(renderAuditMarkdown({ ...result, rows: [] }), /No events in this window/);
  });
});
