import * as assert from 'node:assert/strict';
import { DEMO, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { caller } from '../fake-workspace/http-helper';

describe('fake workspace: IP access lists and secret ACLs (sharp edges 10, 12, 13)', () => {
  let fake: FakeWorkspace;
  let admin: ReturnType<typeof caller>;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: { ...defaultSeed(), callerIp: '10.0.0.5', callerIps: { [DEMO.zipherAppId]: '52.1.2.3' } } });
    admin = caller(fake.url, DEMO.adminToken);
  });
  afterEach(() => fake.stop());

  it('keeps enableIpAccessLists as a string flag and rejects unknown keys', async () => {
    const r = await admin('GET', '/api/2.0/workspace-conf?keys=enableIpAccessLists');
    assert.deepEqual(r.json, { enableIpAccessLists: 'false' });
    const bad = await admin('GET', '/api/2.0/workspace-conf?keys=enableIpAccessLists,noSuchKey');
    assert.equal(bad.status, 400);
    assert.match(bad.json.message, /^Invalid keys: \[.*noSuchKey.*\]$/);
    const badPatch = await admin('PATCH', '/api/2.0/workspace-conf', { body: { noSuchKey: 'true' } });
    assert.equal(badPatch.status, 400);
  });

  it('enforces the 1000-address quota', async () => {
    const many = Array.from({ length: 1001 }, (_, i) => `10.${(i >> 8) & 255}.${i & 255}.1`);
    const r = await admin('POST', '/api/2.0/ip-access-lists', { body: { label: 'too-many', list_type: 'ALLOW', ip_addresses: many } });
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, 'QUOTA_EXCEEDED');
    const ok = await admin('POST', '/api/2.0/ip-access-lists', { body: { label: 'office', list_type: 'ALLOW', ip_addresses: many.slice(0, 1000) } });
    assert.equal(ok.status, 200);
    assert.equal(ok.json.ip_access_list.address_count, 1000);
  });

  it('refuses self-lockout, then blocks other addresses with an integer 403 once enabled', async () => {
    const office = await admin('POST', '/api/2.0/ip-access-lists', { body: { label: 'office', list_type: 'ALLOW', ip_addresses: ['192.168.0.0/16'] } });
    assert.equal(office.status, 200);
    const lockout = await admin('PATCH', '/api/2.0/workspace-conf', { body: { enableIpAccessLists: 'true' } });
    assert.equal(lockout.status, 400);
    assert.equal(lockout.json.error_code, 'INVALID_STATE');
    await admin('PUT', `/api/2.0/ip-access-lists/${office.json.ip_access_list.list_id}`, {
      body: { label: 'office', list_type: 'ALLOW', ip_addresses: ['10.0.0.0/24'], enabled: true },
    });
    assert.equal((await admin('PATCH', '/api/2.0/workspace-conf', { body: { enableIpAccessLists: 'true' } })).status, 204);
    // now the admin cannot remove their own address
    const shrink = await admin('PATCH', `/api/2.0/ip-access-lists/${office.json.ip_access_list.list_id}`, { body: { ip_addresses: ['10.9.9.9'] } });
    assert.equal(shrink.status, 400);
    assert.equal(shrink.json.error_code, 'INVALID_STATE');
    const block = await admin('POST', '/api/2.0/ip-access-lists', { body: { label: 'me', list_type: 'BLOCK', ip_addresses: ['10.0.0.5'] } });
    assert.equal(block.json.error_code, 'INVALID_STATE');
    // Zipher's egress address is not allowed yet
    const t = fake.state.issueToken(DEMO.zipherAppId);
    const blocked = await caller(fake.url, t)('GET', '/api/2.2/jobs/list');
    assert.equal(blocked.status, 403);
    assert.equal(blocked.json.error_code, 403);
    assert.equal(blocked.json.message, `Source IP address: 52.1.2.3 is blocked by Databricks IP ACL for workspace: ${DEMO.workspaceId}`);
    await admin('POST', '/api/2.0/ip-access-lists', { body: { label: 'zipher', list_type: 'ALLOW', ip_addresses: ['52.1.2.3/32'] } });
    assert.equal((await caller(fake.url, t)('GET', '/api/2.2/jobs/list')).status, 200);
    const lists = await admin('GET', '/api/2.0/ip-access-lists');
    assert.equal(lists.json.ip_access_lists.length, 2);
  });

  it('serves secret ACLs per principal with 404s for a missing scope or entry', async () => {
    const put = await admin('POST', '/api/2.0/secrets/acls/put', { body: { scope: 'etl-secrets', principal: DEMO.zipherAppId, permission: 'READ' } });
    assert.equal(put.status, 200);
    const list = await admin('GET', '/api/2.0/secrets/acls/list?scope=etl-secrets');
    assert.ok(list.json.items.some((a: { principal: string; permission: string }) => a.principal === DEMO.zipherAppId && a.permission === 'READ'));
    const got = await admin('GET', `/api/2.0/secrets/acls/get?scope=etl-secrets&principal=${DEMO.zipherAppId}`);
    assert.deepEqual(got.json, { principal: DEMO.zipherAppId, permission: 'READ' });
    assert.equal((await admin('POST', '/api/2.0/secrets/acls/delete', { body: { scope: 'etl-secrets', principal: DEMO.zipherAppId } })).status, 200);
    const gone = await admin('GET', `/api/2.0/secrets/acls/get?scope=etl-secrets&principal=${DEMO.zipherAppId}`);
    assert.equal(gone.status, 404);
    assert.equal(gone.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    const noScope = await admin('GET', '/api/2.0/secrets/acls/list?scope=nope');
    assert.equal(noScope.status, 404);
    assert.equal(noScope.json.error_code, 'RESOURCE_DOES_NOT_EXIST');
    assert.equal((await admin('POST', '/api/2.0/secrets/acls/delete', { body: { scope: 'etl-secrets', principal: DEMO.zipherAppId } })).status, 404);
    const viewer = caller(fake.url, DEMO.viewerToken);
    assert.equal((await viewer('GET', '/api/2.0/secrets/acls/list?scope=etl-secrets')).status, 403);
    const maria = caller(fake.url, DEMO.nonAdminToken);
    assert.equal((await maria('GET', '/api/2.0/secrets/acls/list?scope=etl-secrets')).status, 200, 'MANAGE on the scope is enough');
    assert.deepEqual(
      fake.calls.filter((c) => c.method === 'POST').map((c) => c.action),
      ['secrets.putAcl', 'secrets.deleteAcl', 'secrets.deleteAcl'],
    );
  });
});
