import * as assert from 'node:assert/strict';
import { DEMO, scaleSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { call, caller } from '../fake-workspace/http-helper';

describe('fake workspace: faults and odd error bodies (sharp edges 14, 15)', () => {
  let fake: FakeWorkspace;
  let admin: ReturnType<typeof caller>;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: scaleSeed(50) });
    admin = caller(fake.url, DEMO.adminToken);
  });
  afterEach(() => fake.stop());

  it('answers 429 with Retry-After above the concurrency cap and tracks the max in flight', async () => {
    const burst = () => Promise.all(Array.from({ length: 8 }, () => admin('GET', '/api/2.0/permissions/jobs/1')));
    await burst(); // opens the keep-alive connections so the next burst arrives together
    fake.faults.resetMaxInFlight();
    fake.faults.concurrencyCap = 3;
    fake.faults.latencyMs = 150;
    fake.faults.retryAfterSeconds = 2;
    const results = await burst();
    const throttled = results.filter((r) => r.status === 429);
    assert.ok(results.filter((r) => r.status === 200).length >= 3);
    assert.ok(throttled.length >= 1);
    assert.equal(throttled.length + results.filter((r) => r.status === 200).length, 8);
    assert.equal(throttled[0].headers.get('retry-after'), '2');
    assert.equal(throttled[0].json.error_code, 'REQUEST_LIMIT_EXCEEDED');
    assert.match(throttled[0].json.message, /exceeded the concurrent limit of 3 requests/);
    assert.equal(fake.faults.maxInFlightSeen, 3);
    assert.equal(fake.maxInFlightSeen, 3);
    assert.equal(fake.faults.throttledCount, throttled.length);
  });

  it('rate-limits writes separately from reads with a token bucket', async () => {
    fake.faults.writeRatePerSecond = 2;
    const body = { access_control_list: [{ service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_MANAGE' }] };
    const writes = [];
    for (let i = 1; i <= 4; i++) writes.push(await admin('PATCH', `/api/2.0/permissions/jobs/${i}`, { body }));
    assert.deepEqual(writes.map((r) => r.status), [200, 200, 429, 429]);
    assert.equal(writes[2].headers.get('retry-after'), '1');
    assert.equal((await admin('GET', '/api/2.0/permissions/jobs/1')).status, 200, 'reads are not limited');
  });

  it('injects one-shot faults: statuses with odd bodies, REQUEST_LIMIT_EXCEEDED under 400/500, resets, delays', async () => {
    const bodies: [number, string, string | undefined][] = [
      [502, '<html><body><pre>Bad Gateway</pre></body></html>', 'text/html'],
      [400, 'INVALID_PARAMETER_VALUE: something odd', 'text/plain'],
      [404, JSON.stringify({ detail: 'User not found', status: '404', scimType: 'invalidValue' }), 'application/scim+json'],
      [400, JSON.stringify({ error: 'invalid_request' }), 'application/json'],
      [503, '', undefined],
      [400, JSON.stringify({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }), 'application/json'],
      [500, JSON.stringify({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'slow down' }), 'application/json'],
    ];
    for (const [status, body, contentType] of bodies) {
      fake.faults.inject({ match: 'GET /api/2.2/jobs/list', kind: { type: 'status', status, body, contentType } });
      const r = await admin('GET', '/api/2.2/jobs/list');
      assert.equal(r.status, status);
      assert.equal(r.text, body);
    }
    assert.equal((await admin('GET', '/api/2.2/jobs/list')).status, 200, 'faults are one-shot');
    fake.faults.inject({ match: /jobs\/get/, times: 2, kind: { type: 'status', status: 504, body: '' } });
    assert.equal((await admin('GET', '/api/2.2/jobs/get?job_id=1')).status, 504);
    assert.equal((await admin('GET', '/api/2.2/jobs/get?job_id=1')).status, 504);
    assert.equal((await admin('GET', '/api/2.2/jobs/get?job_id=1')).status, 200);
    fake.faults.inject({ match: '/api/2.0/preview/scim', kind: { type: 'reset' } });
    await assert.rejects(admin('GET', '/api/2.0/preview/scim/v2/Me'));
    fake.faults.inject({ kind: { type: 'delay', ms: 30 } });
    assert.equal((await admin('GET', '/api/2.0/preview/scim/v2/Me')).status, 200);
    fake.faults.inject({ match: '/oidc/v1/token', kind: { type: 'status', status: 429, body: '', headers: { 'Retry-After': '3' } } });
    const t = await call(fake.url, 'POST', '/oidc/v1/token', { basic: { user: DEMO.zipherAppId, password: DEMO.zipherSecret }, form: { grant_type: 'client_credentials', scope: 'all-apis' } });
    assert.equal(t.status, 429);
    assert.equal(t.headers.get('retry-after'), '3');
  });

  it('answers unknown routes with a Databricks-style 404 and counts requests per route', async () => {
    const r = await admin('GET', '/api/2.0/nope');
    assert.equal(r.status, 404);
    assert.equal(r.json.error_code, 'ENDPOINT_NOT_FOUND');
    await admin('GET', '/api/2.0/permissions/jobs/1');
    await admin('GET', '/api/2.0/permissions/jobs/2');
    assert.equal(fake.requestCount('GET /api/2.0/permissions/jobs/{id}'), 2);
    assert.equal(fake.requestCount('GET /api/2.0/permissions/jobs/2'), 1);
    assert.equal(fake.requestCount(), 3);
  });
});
