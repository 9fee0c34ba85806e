import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { createAccountClient, createWorkspaceClient, DatabricksError, describeError } from '../../src/databricks';
import { startFakeWorkspace } from '../fake-workspace';
import type { FakeWorkspace } from '../fake-workspace';
import {
  ACCOUNT_CLIENT,
  ACCOUNT_ID,
  ACCOUNT_SECRET,
  ADMIN,
  ADMIN_PAT,
  FAST_RETRY,
  oauthClient,
  patClient,
  RecordingLogger,
  seed,
  SP_APP_ID,
  SP_SCIM_ID,
  SP_SECRET,
  WORKSPACE_ID,
} from './client-fixtures';

const TOKEN_ROUTE = 'POST /oidc/v1/token';

function assertNoSecrets(text: string, ...extra: string[]): void {
  for (const s of [ADMIN_PAT, SP_SECRET, ACCOUNT_SECRET, ...extra]) assert.ok(!text.includes(s), `leaked a secret in: ${text}`);
  assert.ok(!/fake-oauth-[0-9a-f]{8}/.test(text), `leaked an OAuth access token in: ${text}`);
}

describe('client: authentication against the fake workspace', () => {
  let fake: FakeWorkspace;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: seed() });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('PAT: calls succeed and the workspace id is remembered from X-Databricks-Org-Id', async () => {
    const client = await patClient(fake.url);
    assert.strictEqual(client.workspaceId, undefined);
    const me = await client.me();
    assert.strictEqual(me.userName, ADMIN);
    assert.ok(me.groups.some((g) => g.display === 'admins'));
    assert.strictEqual(client.workspaceId, WORKSPACE_ID);
    assert.strictEqual(client.identity.authType, 'pat');
  });

  it('PAT: a rejected token is kind auth, not retried, and its message names the host but not the token', async () => {
    const logger = new RecordingLogger();
    const client = await createWorkspaceClient({ host: fake.url, auth: { type: 'pat', token: 'dapi-wrong-token-123456' }, env: {}, retry: FAST_RETRY, logger });
    const err = await client.me().then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DatabricksError);
    assert.strictEqual(err.kind, 'auth');
    assert.strictEqual(err.status, 403);
    assert.strictEqual(err.errorCode, 403);
    assert.ok(err.requestId, 'request id kept');
    assert.strictEqual(describeError(err), `Databricks rejected the access token for ${fake.url} (403 Invalid access token). Create a new personal access token and reconnect.`);
    assert.strictEqual(fake.requestCount('GET /api/2.0/preview/scim/v2/Me'), 1);
    assertNoSecrets(`${err.message} ${describeError(err)} ${logger.text()}`, 'dapi-wrong-token-123456');
  });

  it('OAuth M2M: one token request serves many calls, including concurrent ones', async () => {
    const client = await oauthClient(fake.url);
    await Promise.all(Array.from({ length: 12 }, () => client.me()));
    for (let i = 0; i < 5; i++) await client.listWorkspace('/');
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 1);
    const me = await client.me();
    assert.strictEqual(me.userName, SP_APP_ID, "an SP's /Me userName is its application id");
    assert.deepStrictEqual(client.identity, { authType: 'oauth-m2m', clientId: SP_APP_ID, accountId: undefined, profile: undefined });
  });

  it('OAuth M2M: refreshes before expiry (margin = min(5 min, 10% of lifetime)), also when expires_in is a string', async () => {
    fake.options.tokenLifetimeSeconds = 600; // margin 60 s
    fake.options.expiresInAsString = true;
    let now = 1_000_000;
    const client = await oauthClient(fake.url, { now: () => now });
    await client.me();
    now += 530_000; // 70 s before expiry: still outside the margin
    await client.me();
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 1);
    now += 20_000; // 50 s before expiry: inside the margin
    await client.me();
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 2);
    await client.me();
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 2);
  });

  it('OAuth M2M: a 401 (expired) or 403 (revoked) token is replaced once and the call retried', async () => {
    const client = await oauthClient(fake.url);
    await client.me();
    fake.state.expireOAuthTokens(SP_APP_ID);
    assert.strictEqual((await client.me()).userName, SP_APP_ID);
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 2);

    const current = fake.calls.filter((c) => c.route === 'GET /api/2.0/preview/scim/v2/Me').length;
    const issued = issuedTokens(fake);
    assert.ok(issued.length >= 1, 'the fake recorded the tokens it issued');
    for (const t of issued) fake.state.revokeToken(t);
    assert.strictEqual((await client.me()).userName, SP_APP_ID);
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 3);
    assert.strictEqual(fake.calls.filter((c) => c.route === 'GET /api/2.0/preview/scim/v2/Me').length, current + 2);
  });

  it('OAuth M2M: retries the rejected call only once, then reports kind auth', async () => {
    const client = await oauthClient(fake.url);
    await client.me();
    const before = fake.requestCount('GET /api/2.0/preview/scim/v2/Me');
    fake.faults.inject({ match: 'GET /api/2.0/preview/scim/v2/Me', times: 5, kind: { type: 'status', status: 401, body: '{"error_code":401,"message":"Token is expired."}', contentType: 'application/json' } });
    await assert.rejects(client.me(), (e: unknown) => e instanceof DatabricksError && e.kind === 'auth' && e.status === 401);
    assert.strictEqual(fake.requestCount('GET /api/2.0/preview/scim/v2/Me') - before, 2);
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 2);
  });

  it('OAuth M2M: invalid_client says the client id/secret was rejected, never the secret', async () => {
    const logger = new RecordingLogger();
    const wrong = 'dose-wrong-secret-value-0000000000';
    const client = await createWorkspaceClient({ host: fake.url, auth: { type: 'oauth-m2m', clientId: SP_APP_ID, clientSecret: wrong }, env: {}, retry: FAST_RETRY, logger });
    const err = await client.me().then(
      () => assert.fail('expected a failure'),
      (e: unknown) => e,
    );
    assert.ok(err instanceof DatabricksError);
    assert.strictEqual(err.kind, 'auth');
    assert.strictEqual(err.errorCode, 'invalid_client');
    assert.match(err.message, /rejected the OAuth client id\/secret/);
    assert.match(describeError(err), /^Databricks rejected the OAuth client id\/secret for http:\/\/127\.0\.0\.1:\d+ \(401 Client authentication failed\)\. /);
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 1, 'a rejected secret is not retried');
    assertNoSecrets(`${err.message} ${describeError(err)} ${logger.text()} ${JSON.stringify(err)}`, wrong);
  });

  it('OAuth M2M: the token endpoint retries 503 and 429 honouring Retry-After', async () => {
    const logger = new RecordingLogger();
    fake.faults.inject({ match: TOKEN_ROUTE, kind: { type: 'status', status: 503, body: '' } });
    fake.faults.inject({ match: TOKEN_ROUTE, kind: { type: 'status', status: 429, body: '', headers: { 'Retry-After': '0' } } });
    const client = await oauthClient(fake.url, { logger });
    assert.strictEqual((await client.me()).userName, SP_APP_ID);
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 3);
    assert.ok(logger.lines.some((l) => l.level === 'debug' && /retry 2 of 5 in 0 ms/.test(l.m)), logger.text());
    assertNoSecrets(logger.text());
  });

  it('OAuth M2M: a connection reset at the token endpoint is retried', async () => {
    fake.faults.inject({ match: TOKEN_ROUTE, kind: { type: 'reset' } });
    const client = await oauthClient(fake.url);
    assert.strictEqual((await client.me()).userName, SP_APP_ID);
    assert.strictEqual(fake.requestCount(TOKEN_ROUTE), 2);
  });

  it('a profile from a config file (and env vars) drives a working client', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zipher-cfg-'));
    const file = path.join(dir, 'cfg');
    await fs.writeFile(file, `[zipher]\nhost = ${fake.url}/?o=${WORKSPACE_ID}\nclient_id = ${SP_APP_ID}\nclient_secret = ${SP_SECRET}\n`);
    const viaProfile = await createWorkspaceClient({ auth: { type: 'profile', profile: 'zipher' }, env: { DATABRICKS_CONFIG_FILE: file }, retry: FAST_RETRY });
    assert.strictEqual(viaProfile.host, fake.url);
    assert.strictEqual((await viaProfile.me()).userName, SP_APP_ID);
    const viaEnv = await createWorkspaceClient({ auth: { type: 'profile', profile: '' }, env: { DATABRICKS_CONFIG_FILE: path.join(dir, 'none'), DATABRICKS_HOST: fake.url, DATABRICKS_TOKEN: ADMIN_PAT } });
    assert.strictEqual((await viaEnv.me()).userName, ADMIN);
  });

  it('OAuth M2M: a host without a token endpoint is a config error that suggests a PAT', async () => {
    fake.faults.inject({ match: TOKEN_ROUTE, kind: { type: 'status', status: 404, body: '' } });
    const client = await oauthClient(fake.url);
    await assert.rejects(client.me(), (e: unknown) => e instanceof DatabricksError && e.kind === 'config' && /no OAuth token endpoint.*personal access token/.test(describeError(e)));
  });

  it('account client: account token endpoint, SCIM and secrets', async () => {
    const account = await createAccountClient({ host: fake.url, accountId: ACCOUNT_ID, auth: { type: 'oauth-m2m', clientId: ACCOUNT_CLIENT, clientSecret: ACCOUNT_SECRET }, env: {}, retry: FAST_RETRY });
    const sps = await account.listServicePrincipals(`applicationId eq "${SP_APP_ID}"`);
    assert.deepStrictEqual(
      sps.map((s) => [s.id, s.applicationId]),
      [[SP_SCIM_ID, SP_APP_ID]],
    );
    assert.strictEqual(fake.requestCount(`POST /oidc/accounts/${ACCOUNT_ID}/v1/token`), 1);
    const created = await account.createSpSecret(SP_SCIM_ID, 3600);
    assert.ok(created.secret && created.id);
    const listed = await account.listSpSecrets(SP_SCIM_ID);
    assert.ok(listed.some((s) => s.id === created.id));
    assert.ok(!JSON.stringify(listed).includes(created.secret), 'list never returns the secret');
    await account.deleteSpSecret(SP_SCIM_ID, created.id);
    assert.ok(!(await account.listSpSecrets(SP_SCIM_ID)).some((s) => s.id === created.id));

    const made = await account.createServicePrincipal('zipher-2');
    assert.strictEqual((await account.getServicePrincipal(made.id)).displayName, 'zipher-2');
    await account.setServicePrincipalActive(made.id, false);
    assert.strictEqual((await account.getServicePrincipal(made.id)).active, false);
    await account.assignToWorkspace(WORKSPACE_ID, made.id, ['USER']);
    await account.removeFromWorkspace(WORKSPACE_ID, made.id);
  });

  it('account client: wrong account credentials are kind auth', async () => {
    const account = await createAccountClient({ host: fake.url, accountId: ACCOUNT_ID, auth: { type: 'oauth-m2m', clientId: ACCOUNT_CLIENT, clientSecret: 'dose-not-the-secret-00000' }, env: {}, retry: FAST_RETRY });
    await assert.rejects(account.listServicePrincipals(), (e: unknown) => e instanceof DatabricksError && e.kind === 'auth' && !describeError(e).includes('dose-not-the-secret-00000'));
  });
});

/** Every OAuth token the fake issued to the SP so far, read from its state's own lookups. */
function issuedTokens(fake: FakeWorkspace): string[] {
  const tokens = (fake.state as unknown as { tokens: Map<string, { principal: string; kind: string }> }).tokens;
  return [...tokens].filter(([, r]) => r.principal === SP_APP_ID && r.kind === 'oauth').map(([t]) => t);
}
