import * as assert from 'node:assert/strict';
import { DEMO, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { call, caller } from '../fake-workspace/http-helper';

const CLIENT_CREDENTIALS = { grant_type: 'client_credentials', scope: 'all-apis' };

describe('fake workspace: auth and identity (sharp edges 11, 12)', () => {
  let fake: FakeWorkspace;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
  });
  afterEach(() => fake.stop());

  const token = async (user: string = DEMO.zipherAppId, password: string = DEMO.zipherSecret) =>
    call(fake.url, 'POST', '/oidc/v1/token', { basic: { user, password }, form: CLIENT_CREDENTIALS });

  it('publishes OIDC discovery', async () => {
    const r = await call(fake.url, 'GET', '/oidc/.well-known/oauth-authorization-server');
    assert.equal(r.status, 200);
    assert.equal(r.json.token_endpoint, `${fake.url}/oidc/v1/token`);
    assert.ok(r.json.authorization_endpoint);
  });

  it('issues client-credentials tokens to an SP, whose /Me.userName is its application id', async () => {
    const t = await token();
    assert.equal(t.status, 200);
    assert.equal(t.json.token_type, 'Bearer');
    assert.equal(t.json.expires_in, 3600);
    assert.equal(t.json.scope, 'all-apis');
    const me = await caller(fake.url, t.json.access_token)('GET', '/api/2.0/preview/scim/v2/Me');
    assert.equal(me.status, 200);
    assert.equal(me.json.userName, DEMO.zipherAppId);
    assert.equal(me.json.id, DEMO.zipherScimId);
  });

  it('can send expires_in as a string and honours a configured lifetime', async () => {
    fake.options.expiresInAsString = true;
    fake.options.tokenLifetimeSeconds = 120;
    const t = await token();
    assert.equal(t.json.expires_in, '120');
  });

  it('refuses bad client credentials with invalid_client', async () => {
    for (const [user, password] of [
      [DEMO.zipherAppId, 'wrong'],
      ['not-an-sp', DEMO.zipherSecret],
    ]) {
      const r = await token(user, password);
      assert.equal(r.status, 401);
      assert.deepEqual(r.json, { error: 'invalid_client', error_description: 'Client authentication failed' });
    }
    const noAuth = await call(fake.url, 'POST', '/oidc/v1/token', { form: CLIENT_CREDENTIALS });
    assert.equal(noAuth.json.error, 'invalid_client');
  });

  it('answers 401 to an expired OAuth token and 403 with an integer code to a bad one', async () => {
    const t = await token();
    fake.state.expireOAuthTokens(DEMO.zipherAppId);
    const expired = await caller(fake.url, t.json.access_token)('GET', '/api/2.0/preview/scim/v2/Me');
    assert.equal(expired.status, 401);
    for (const bad of ['nonsense', undefined]) {
      const r = await caller(fake.url, bad)('GET', '/api/2.0/preview/scim/v2/Me');
      assert.equal(r.status, 403);
      assert.deepEqual(r.json, { error_code: 403, message: 'Invalid access token.' });
    }
  });

  it('stops issuing tokens once the secret is deleted or the SP deactivated', async () => {
    const sp = fake.state.servicePrincipals.get(DEMO.zipherAppId)!;
    sp.active = false;
    assert.equal((await token()).status, 401);
    sp.active = true;
    assert.equal((await token()).status, 200);
    sp.secrets = [];
    assert.equal((await token()).status, 401);
  });

  it('refuses workspace APIs to an SP outside the workspace, though it gets a token', async () => {
    const t = await token(DEMO.outsiderAppId, DEMO.outsiderSecret);
    assert.equal(t.status, 200);
    const r = await caller(fake.url, t.json.access_token)('GET', '/api/2.2/jobs/list');
    assert.equal(r.status, 403);
    assert.equal(r.json.error_code, 'PERMISSION_DENIED');
  });

  it('accepts issued PATs and stops accepting revoked ones', async () => {
    const pat = fake.state.issueToken(DEMO.ciBotAppId);
    assert.equal((await caller(fake.url, pat)('GET', '/api/2.0/preview/scim/v2/Me')).json.userName, DEMO.ciBotAppId);
    fake.state.revokeToken(pat);
    assert.equal((await caller(fake.url, pat)('GET', '/api/2.0/preview/scim/v2/Me')).status, 403);
  });

  it('sends the org id and a request id on every response and lists SPs with SCIM filters', async () => {
    const admin = caller(fake.url, DEMO.adminToken);
    const me = await admin('GET', '/api/2.0/preview/scim/v2/Me');
    assert.equal(me.headers.get('x-databricks-org-id'), DEMO.workspaceId);
    assert.ok(me.headers.get('x-request-id'));
    assert.ok(me.json.groups.some((g: { display: string }) => g.display === 'admins'));
    const denied = await call(fake.url, 'GET', '/api/2.0/preview/scim/v2/Me');
    assert.equal(denied.headers.get('x-databricks-org-id'), DEMO.workspaceId);
    const byApp = await admin('GET', `/api/2.0/preview/scim/v2/ServicePrincipals?filter=${encodeURIComponent(`applicationId eq "${DEMO.zipherAppId}"`)}`);
    assert.equal(byApp.json.totalResults, 1);
    assert.equal(byApp.json.Resources[0].id, DEMO.zipherScimId);
    const byName = await admin('GET', `/api/2.0/preview/scim/v2/ServicePrincipals?filter=${encodeURIComponent('displayName eq "ci-bot"')}`);
    assert.equal(byName.json.Resources[0].applicationId, DEMO.ciBotAppId);
    const all = await admin('GET', '/api/2.0/preview/scim/v2/ServicePrincipals');
    assert.equal(all.json.Resources.some((s: { applicationId: string }) => s.applicationId === DEMO.outsiderAppId), false);
    const one = await admin('GET', `/api/2.0/preview/scim/v2/ServicePrincipals/${DEMO.zipherScimId}`);
    assert.equal(one.json.displayName, DEMO.zipherDisplayName);
    const ws = await admin('GET', '/api/2.0/workspace/list?path=/');
    assert.ok(ws.json.objects.length > 0);
  });
});
