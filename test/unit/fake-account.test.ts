import * as assert from 'node:assert/strict';
import { DEMO, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { call, caller } from '../fake-workspace/http-helper';

const FORM = { grant_type: 'client_credentials', scope: 'all-apis' };

describe('fake workspace: account API and SP secrets', () => {
  let fake: FakeWorkspace;
  let account: ReturnType<typeof caller>;
  const acct = `/api/2.0/accounts/${DEMO.accountId}`;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    const t = await call(fake.url, 'POST', `/oidc/accounts/${DEMO.accountId}/v1/token`, {
      basic: { user: DEMO.accountAdminClientId, password: DEMO.accountAdminSecret },
      form: FORM,
    });
    assert.equal(t.status, 200);
    account = caller(fake.url, t.json.access_token);
  });
  afterEach(() => fake.stop());

  it('keeps account tokens and workspace tokens apart', async () => {
    assert.equal((await account('GET', '/api/2.2/jobs/list')).status, 403);
    assert.equal((await caller(fake.url, DEMO.adminToken)('GET', `${acct}/scim/v2/ServicePrincipals`)).status, 403);
    const bad = await call(fake.url, 'POST', `/oidc/accounts/${DEMO.accountId}/v1/token`, { basic: { user: DEMO.accountAdminClientId, password: 'x' }, form: FORM });
    assert.equal(bad.json.error, 'invalid_client');
  });

  it('creates, finds, assigns, deactivates and deletes a service principal', async () => {
    const created = await account('POST', `${acct}/scim/v2/ServicePrincipals`, { body: { displayName: 'zipher-prod', active: true } });
    assert.equal(created.status, 201);
    const { id, applicationId } = created.json;
    assert.match(id, /^\d+$/);
    assert.match(applicationId, /^[0-9a-f-]{36}$/);
    const found = await account('GET', `${acct}/scim/v2/ServicePrincipals?filter=${encodeURIComponent(`applicationId eq "${applicationId}"`)}`);
    assert.equal(found.json.Resources[0].id, id);
    const secret = await account('POST', `${acct}/servicePrincipals/${id}/credentials/secrets`, { body: {} });
    assert.equal(secret.status, 200);
    const admin = caller(fake.url, DEMO.adminToken);
    assert.equal((await admin('GET', `/api/2.0/preview/scim/v2/ServicePrincipals/${id}`)).status, 404, 'not in the workspace yet');
    const assign = await account('PUT', `${acct}/workspaces/${DEMO.workspaceId}/permissionassignments/principals/${id}`, { body: { permissions: ['USER'] } });
    assert.equal(assign.status, 200);
    assert.equal((await admin('GET', `/api/2.0/preview/scim/v2/ServicePrincipals/${id}`)).status, 200);
    const token = await call(fake.url, 'POST', '/oidc/v1/token', { basic: { user: applicationId, password: secret.json.secret }, form: FORM });
    assert.equal(token.status, 200);
    assert.equal((await caller(fake.url, token.json.access_token)('GET', '/api/2.0/preview/scim/v2/Me')).json.userName, applicationId);
    const off = await account('PATCH', `${acct}/scim/v2/ServicePrincipals/${id}`, {
      body: { schemas: ['urn:ietf:params:scim:api:messages:2.0:PatchOp'], Operations: [{ op: 'replace', path: 'active', value: false }] },
    });
    assert.equal(off.status, 204);
    assert.equal((await call(fake.url, 'POST', '/oidc/v1/token', { basic: { user: applicationId, password: secret.json.secret }, form: FORM })).status, 401);
    assert.equal((await account('DELETE', `${acct}/workspaces/${DEMO.workspaceId}/permissionassignments/principals/${id}`)).status, 200);
    assert.equal((await account('DELETE', `${acct}/scim/v2/ServicePrincipals/${id}`)).status, 204);
    assert.equal((await account('GET', `${acct}/scim/v2/ServicePrincipals/${id}`)).status, 404);
  });

  it('returns a secret once, lists without it, caps at five, and deleting it stops token grants', async () => {
    const base = `${acct}/servicePrincipals/${DEMO.ciBotScimId}/credentials/secrets`;
    const created = await account('POST', base, { body: { lifetime: '3600s' } });
    assert.equal(created.json.status, 'ACTIVE');
    assert.ok(created.json.secret);
    const lifetimeMs = Date.parse(created.json.expire_time) - Date.parse(created.json.create_time);
    assert.equal(lifetimeMs, 3600_000);
    const listed = await account('GET', base);
    assert.equal(listed.json.secrets.length, 2);
    assert.ok(!listed.text.includes(created.json.secret));
    assert.ok(!listed.text.includes(DEMO.ciBotSecret));
    const defaults = await account('POST', base, { body: {} });
    const days = (Date.parse(defaults.json.expire_time) - Date.parse(defaults.json.create_time)) / 86400_000;
    assert.equal(days, 730);
    await account('POST', base, { body: {} });
    await account('POST', base, { body: {} });
    const sixth = await account('POST', base, { body: {} });
    assert.equal(sixth.status, 400);
    assert.equal((await account('DELETE', `${base}/${created.json.id}`)).status, 200);
    const t = await call(fake.url, 'POST', '/oidc/v1/token', { basic: { user: DEMO.ciBotAppId, password: created.json.secret }, form: FORM });
    assert.equal(t.status, 401);
  });

  it('proxies SP secrets on the workspace host for workspace admins only', async () => {
    const admin = caller(fake.url, DEMO.adminToken);
    const path = `/api/2.0/accounts/servicePrincipals/${DEMO.zipherScimId}/credentials/secrets`;
    const listed = await admin('GET', path);
    assert.equal(listed.status, 200);
    assert.equal(listed.json.secrets[0].id, DEMO.zipherSecretId);
    assert.equal(listed.text.includes(DEMO.zipherSecret), false);
    const created = await admin('POST', path, { body: { lifetime: '86400s' } });
    assert.equal(created.status, 200);
    assert.ok(created.json.secret);
    assert.equal((await admin('DELETE', `${path}/${created.json.id}`)).status, 200);
    assert.equal((await caller(fake.url, DEMO.nonAdminToken)('GET', path)).status, 403);
    assert.equal((await admin('GET', `/api/2.0/accounts/servicePrincipals/${DEMO.outsiderScimId}/credentials/secrets`)).status, 404);
  });
});
