import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { JobOutcome } from '../../src/onboarding/model';
import type { ConnectResult, SetPrincipalResult } from '../../src/vscode/commands/ids';
import type { ZipherTestApi } from '../../src/vscode/container';
import { DEMO, type FakeWorkspace } from '../fake-workspace';
import { aclWithout, jobIdByName, workspacesSetting, zipherLevel, useSeededWorkspace } from './zipher-fixtures';

interface VerifyReportLike {
  host: string;
  time: string;
  status: string;
  checks: { id: string; status: string; detail: string }[];
}

describe('Zipher commands, scripted with arguments', function () {
  let fake: FakeWorkspace;
  let api: ZipherTestApi;

  const env = useSeededWorkspace();
  before(() => ({ fake, api } = env));

  it('refuses a token Databricks rejects, and saves nothing', async () => {
    const result = await vscode.commands.executeCommand<ConnectResult>('zipher.connectWorkspace', {
      host: fake.url,
      auth: { type: 'pat', token: 'not-a-valid-token-123' },
    });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.kind === 'auth', `kind ${!result.ok && result.kind}`);
    assert.match(!result.ok ? result.message : '', /rejected|token/i);
    assert.ok(!(!result.ok ? result.message : '').includes('not-a-valid-token-123'), 'the token leaked into the message');
    assert.deepEqual(workspacesSetting(), []);
    assert.equal(api.connections.list().length, 0);
    assert.equal(await api.secrets.getAuth(fake.url), undefined);
  });

  it('refuses a malformed workspace URL with one sentence', async () => {
    const result = await vscode.commands.executeCommand<ConnectResult>('zipher.connectWorkspace', {
      host: 'ftp://exa mple',
      auth: { type: 'pat', token: DEMO.adminToken },
    });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.message.length > 10 && !result.message.includes('[object'));
    assert.deepEqual(workspacesSetting(), []);
  });

  it('connects with a PAT: token in SecretStorage, config in settings without the token', async () => {
    const result = await vscode.commands.executeCommand<ConnectResult>('zipher.connectWorkspace', {
      host: `${fake.url}/?o=123`,
      auth: { type: 'pat', token: DEMO.adminToken },
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.host, fake.url);
    assert.equal(result.userName, DEMO.adminUser);
    assert.equal(result.isAdmin, true);
    const setting = workspacesSetting();
    assert.deepEqual(setting, [{ host: fake.url, auth: 'pat' }]);
    assert.ok(!JSON.stringify(setting).includes(DEMO.adminToken));
    assert.deepEqual(await api.secrets.getAuth(fake.url), { type: 'pat', token: DEMO.adminToken });
    assert.equal(api.connections.get(fake.url)?.status, 'connected');
  });

  it('rejects a service principal id that is not a UUID and changes nothing', async () => {
    const result = await vscode.commands.executeCommand<SetPrincipalResult>('zipher.setServicePrincipal', { host: fake.url, applicationId: 'zipher-optimizer' });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /not an application id/);
    assert.deepEqual(workspacesSetting(), [{ host: fake.url, auth: 'pat' }]);
    assert.equal(api.connections.get(fake.url)?.principal, undefined);
  });

  it('reports a service principal that is not in the workspace', async () => {
    const result = await vscode.commands.executeCommand<SetPrincipalResult>('zipher.setServicePrincipal', { host: fake.url, applicationId: DEMO.outsiderAppId });
    assert.ok(result.ok);
    assert.equal(result.found, false);
    assert.match(result.message, /No service principal|not in/i);
  });

  it('sets Zipher\'s service principal, looks it up and stores its secret', async () => {
    const result = await vscode.commands.executeCommand<SetPrincipalResult>('zipher.setServicePrincipal', {
      host: fake.url,
      applicationId: DEMO.zipherAppId,
      clientSecret: DEMO.zipherSecret,
    });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.found, true);
    assert.equal(result.displayName, DEMO.zipherDisplayName);
    assert.deepEqual(workspacesSetting(), [{ host: fake.url, auth: 'pat', servicePrincipal: DEMO.zipherAppId }]);
    assert.deepEqual(await api.secrets.getSp(fake.url), { applicationId: DEMO.zipherAppId, clientSecret: DEMO.zipherSecret });
  });

  it('grants access to one job: Zipher gets CAN_MANAGE, every other entry and the owner stay', async () => {
    const jobId = jobIdByName(fake, 'nightly-etl');
    await api.connections.get(fake.url)?.inventory?.load({ priority: 'user' });
    assert.equal(api.connections.get(fake.url)?.inventory?.row(jobId)?.state, 'none');
    const before = aclWithout(fake, jobId, DEMO.zipherAppId);
    assert.equal(zipherLevel(fake, jobId, DEMO.zipherAppId), undefined);
    const outcomes = await vscode.commands.executeCommand<JobOutcome[]>('zipher.grantAccess', { host: fake.url, jobIds: [jobId] });
    assert.ok(Array.isArray(outcomes), 'grantAccess returned no outcomes');
    assert.deepEqual(outcomes.map((o) => [o.jobId, o.status]), [[jobId, 'granted']]);
    assert.equal(zipherLevel(fake, jobId, DEMO.zipherAppId), 'CAN_MANAGE');
    assert.deepEqual(aclWithout(fake, jobId, DEMO.zipherAppId), before);
    assert.equal(api.connections.get(fake.url)?.inventory?.row(jobId)?.state, 'managed');
  });

  it('grant of a job Zipher already manages writes nothing', async () => {
    const jobId = jobIdByName(fake, 'billing-aggregation');
    const start = fake.calls.length;
    const outcomes = await vscode.commands.executeCommand<JobOutcome[]>('zipher.grantAccess', { host: fake.url, jobIds: [jobId] });
    assert.deepEqual(outcomes.map((o) => o.status), ['already']);
    const jobWrites = fake.calls.slice(start).filter((c) => c.method !== 'GET' && c.path.includes(`/jobs/${jobId}`));
    assert.equal(jobWrites.length, 0, `unexpected writes: ${jobWrites.map((c) => c.path).join(', ')}`);
  });

  it('reports a job that does not exist as failed, with a reason', async () => {
    const outcomes = await vscode.commands.executeCommand<JobOutcome[]>('zipher.grantAccess', { host: fake.url, jobIds: [987654321] });
    assert.equal(outcomes.length, 1);
    assert.equal(outcomes[0].status, 'failed');
    assert.ok((outcomes[0].message ?? '').length > 5);
  });

  it('refuses job ids that are not numbers without touching anything', async () => {
    const writes = fake.calls.filter((c) => c.method !== 'GET').length;
    const outcomes = await vscode.commands.executeCommand<JobOutcome[] | undefined>('zipher.grantAccess', { host: fake.url, jobIds: ['abc'] });
    assert.equal(outcomes, undefined);
    assert.equal(fake.calls.filter((c) => c.method !== 'GET').length, writes);
  });

  it('verifies connectivity and returns the report', async () => {
    const report = await vscode.commands.executeCommand<VerifyReportLike>('zipher.verifyConnectivity', { host: fake.url, show: false });
    assert.ok(report, 'no report');
    assert.equal(report.host, fake.url);
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    assert.equal(byId.get('workspace-reachable')?.status, 'pass');
    assert.equal(byId.get('sp-oauth-token')?.status, 'pass', byId.get('sp-oauth-token')?.detail);
    assert.ok(['healthy', 'degraded', 'error'].includes(report.status));
    assert.equal(api.connections.get(fake.url)?.lastVerify?.time, report.time, 'the report was not kept for the status bar');
  });

  it('generates the handoff without any secret in it', async () => {
    const markdown = await vscode.commands.executeCommand<string>('zipher.generateHandoff', { host: fake.url, show: false });
    assert.equal(typeof markdown, 'string');
    assert.ok(markdown.includes(DEMO.zipherAppId), 'handoff lacks the application id');
    assert.ok(markdown.includes(fake.url.replace(/^https?:\/\//, '')), 'handoff lacks the workspace URL');
    for (const secret of [DEMO.zipherSecret, DEMO.adminToken]) assert.ok(!markdown.includes(secret), 'a secret leaked into the handoff');
    assert.ok(String(jobIdByName(fake, 'nightly-etl')) && markdown.includes(String(jobIdByName(fake, 'nightly-etl'))));
  });

  it('copies the stored SP secret to the clipboard only when asked, and never returns it', async () => {
    const copied = await vscode.commands.executeCommand<boolean>('zipher.copySecret', { host: fake.url, acknowledged: true });
    assert.equal(copied, true);
    assert.equal(await vscode.env.clipboard.readText(), DEMO.zipherSecret);
    await vscode.env.clipboard.writeText('');
  });

  it('revokes: only Zipher\'s entry goes, the ACL is back to exactly what it was', async () => {
    const jobId = jobIdByName(fake, 'nightly-etl');
    const others = aclWithout(fake, jobId, DEMO.zipherAppId);
    const outcomes = await vscode.commands.executeCommand<JobOutcome[]>('zipher.revokeAccess', { host: fake.url, jobIds: [jobId] });
    assert.deepEqual(outcomes.map((o) => [o.jobId, o.status]), [[jobId, 'revoked']]);
    assert.equal(zipherLevel(fake, jobId, DEMO.zipherAppId), undefined);
    assert.deepEqual(aclWithout(fake, jobId, DEMO.zipherAppId), others);
    assert.equal(api.connections.get(fake.url)?.inventory?.row(jobId)?.state, 'none');
  });

  it('disconnect forgets the settings entry and every secret of the host', async () => {
    const ok = await vscode.commands.executeCommand<boolean>('zipher.disconnectWorkspace', { host: fake.url });
    assert.equal(ok, true);
    assert.deepEqual(workspacesSetting(), []);
    assert.equal(await api.secrets.getAuth(fake.url), undefined);
    assert.equal(await api.secrets.getSp(fake.url), undefined);
    assert.equal(api.connections.list().length, 0);
    assert.deepEqual(api.tree.snapshot(), []);
  });
});
