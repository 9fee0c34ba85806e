import * as assert from 'node:assert/strict';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import { createWorkspaceClient, type WorkspaceApi } from '../../src/databricks';
import { checkConnection, isUuid, lookupServicePrincipal } from '../../src/onboarding/connectionCheck';
import { DEMO, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';

/** Few fast retries: failure paths must not sit in back-off. */
const RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 };

function pat(host: string, token: string): Promise<WorkspaceApi> {
  return createWorkspaceClient({ host, auth: { type: 'pat', token }, retry: RETRY, timeoutMs: 5000 });
}

describe('checkConnection (real HTTP)', () => {
  let fake: FakeWorkspace;

  before(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
  });
  after(async () => {
    await fake.stop();
  });

  it('accepts the admin PAT and reports a workspace admin and the workspace id', async () => {
    const result = await checkConnection(await pat(fake.url, DEMO.adminToken));
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.identity.userName, DEMO.adminUser);
    assert.equal(result.identity.displayName, 'Alex Admin');
    assert.equal(result.identity.isAdmin, true);
    assert.equal(result.workspaceId, DEMO.workspaceId);
  });

  it('accepts a non-admin token and says it is not an admin', async () => {
    const result = await checkConnection(await pat(fake.url, DEMO.nonAdminToken));
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.identity.userName, DEMO.nonAdminUser);
    assert.equal(result.identity.isAdmin, false);
  });

  it('says the credentials were rejected for a bad token, without echoing it', async () => {
    const badToken = 'fake-pat-does-not-exist-9999';
    const result = await checkConnection(await pat(fake.url, badToken));
    assert.equal(result.ok, false);
    assert.ok(!result.ok);
    assert.equal(result.kind, 'auth');
    assert.match(result.message, /rejected your credentials/);
    assert.match(result.message, /personal access token/);
    assert.ok(!result.message.includes(badToken) && !result.detail.includes(badToken));
  });

  it('explains an IP block', async () => {
    fake.state.workspaceConf.set('enableIpAccessLists', 'true');
    fake.state.ipAccessLists.set('block-me', {
      list_id: 'block-me',
      label: 'blocked office',
      list_type: 'BLOCK',
      ip_addresses: ['127.0.0.1'],
      enabled: true,
      created_at: 0,
      updated_at: 0,
    });
    try {
      const result = await checkConnection(await pat(fake.url, DEMO.adminToken));
      assert.ok(!result.ok);
      assert.equal(result.kind, 'ip-blocked');
      assert.match(result.message, /IP address is blocked by the workspace IP access list/);
    } finally {
      fake.state.ipAccessLists.delete('block-me');
      fake.state.workspaceConf.set('enableIpAccessLists', 'false');
    }
  });

  it('says a host serving HTML is not a Databricks workspace', async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<!doctype html><html><body><h1>Welcome to nginx!</h1></body></html>');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const result = await checkConnection(await pat(`http://127.0.0.1:${port}`, DEMO.adminToken));
      assert.ok(!result.ok);
      assert.equal(result.kind, 'not-databricks');
      assert.match(result.message, /not like a Databricks workspace/);
      assert.match(result.message, /Check the workspace URL/);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('says an unreachable host could not be reached', async () => {
    // Take a port the OS just handed out, then free it: nothing listens there.
    const probe = http.createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    const result = await checkConnection(await pat(`http://127.0.0.1:${port}`, DEMO.adminToken));
    assert.ok(!result.ok);
    assert.equal(result.kind, 'network');
    assert.match(result.message, new RegExp(`http://127\\.0\\.0\\.1:${port} could not be reached`));
  });

  it('reports cancellation as its own kind', async () => {
    const controller = new AbortController();
    controller.abort();
    const result = await checkConnection(await pat(fake.url, DEMO.adminToken), controller.signal);
    assert.ok(!result.ok);
    assert.equal(result.kind, 'cancelled');
  });
});

describe('lookupServicePrincipal (real HTTP)', () => {
  let fake: FakeWorkspace;
  let api: WorkspaceApi;

  before(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    api = await pat(fake.url, DEMO.adminToken);
  });
  after(async () => {
    await fake.stop();
  });

  it('finds Zipher by its application id, in any letter case', async () => {
    for (const id of [DEMO.zipherAppId, ` ${DEMO.zipherAppId.toUpperCase()} `]) {
      const result = await lookupServicePrincipal(api, id);
      assert.ok(result.found, JSON.stringify(result));
      assert.equal(result.sp.applicationId, DEMO.zipherAppId);
      assert.equal(result.sp.id, DEMO.zipherScimId);
      assert.equal(result.sp.displayName, DEMO.zipherDisplayName);
    }
  });

  it('says when the SP is not in this workspace', async () => {
    const result = await lookupServicePrincipal(api, DEMO.outsiderAppId);
    assert.ok(!result.found);
    assert.equal(result.reason, 'not-in-workspace');
    assert.match(result.message, new RegExp(`No service principal with application id ${DEMO.outsiderAppId} is in ${fake.url.replace(/\./g, '\\.')}`));
    assert.match(result.message, /account console/);
  });

  it('rejects a display name or numeric id before calling the workspace', async () => {
    const before = fake.requestCount();
    for (const bad of ['zipher-optimizer', DEMO.zipherScimId, '']) {
      const result = await lookupServicePrincipal(api, bad);
      assert.ok(!result.found);
      assert.equal(result.reason, 'invalid-id');
      assert.match(result.message, /must be a UUID/);
    }
    assert.equal(fake.requestCount(), before);
  });

  it('isUuid accepts UUIDs only', () => {
    assert.equal(isUuid(DEMO.zipherAppId), true);
    assert.equal(isUuid(DEMO.zipherAppId.toUpperCase()), true);
    assert.equal(isUuid('7f3c2a1e5b8d4c6f9a0e2d4b6c8e0f12'), false);
    assert.equal(isUuid('7f3c2a1e-5b8d-4c6f-9a0e-2d4b6c8e0f1'), false);
    assert.equal(isUuid('not-a-uuid'), false);
  });
});
