import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { IncidentReport } from '../../src/onboarding/identity';
import type { JobOutcome } from '../../src/onboarding/model';
import type { ZipherTestApi } from '../../src/vscode/container';
import type {
  AllowEgressResult,
  AuditLogResult,
  ConnectAccountResult,
  CreateSpResult,
  GenerateSecretResult,
  ManageSecretsResult,
  RefreshChecklistResult,
  RotateSecretResult,
} from '../../src/vscode/identity/results';
import { SETUP_CONTEXT_KEYS } from '../../src/vscode/identity/setupChecklist';
import { DEMO, WAREHOUSES, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { EXTENSION_ID, aclWithout, jobIdByName, resetZipher, waitFor, zipherApi, zipherLevel } from './zipher-fixtures';

const SP_NAME = 'zipher-optimization-sp';

/** Every secret value the fake holds or handed out, plus the admin's credentials. */
function allSecrets(fake: FakeWorkspace): string[] {
  const values: string[] = [DEMO.adminToken, DEMO.accountAdminSecret];
  for (const sp of fake.state.servicePrincipals.values()) for (const s of sp.secrets ?? []) values.push(s.secret);
  return values;
}

function assertNoSecret(fake: FakeWorkspace, text: string, where: string, extra: string[] = []): void {
  for (const secret of [...allSecrets(fake), ...extra]) assert.ok(!text.includes(secret), `a secret leaked into ${where}`);
}

function logFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return (fs.readdirSync(dir, { recursive: true }) as string[]).map((f) => path.join(dir, f)).filter((f) => f.endsWith('.log') && fs.statSync(f).isFile());
}

async function resetIdentitySettings(api: ZipherTestApi): Promise<void> {
  const account = vscode.workspace.getConfiguration('zipher.account');
  for (const key of ['host', 'accountId', 'clientId']) await account.update(key, undefined, vscode.ConfigurationTarget.Global);
  await vscode.workspace.getConfiguration('zipher').update('egressIps', undefined, vscode.ConfigurationTarget.Global);
  await api.secrets.deleteAccount(DEMO.accountId);
  api.identity.accounts.reset();
}

describe('identity & network commands, scripted against the fake workspace', function () {
  let fake: FakeWorkspace;
  let api: ZipherTestApi;
  let host: string;
  let newAppId = '';
  let newSpId = '';
  const seenSecrets: string[] = [];

  before(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    host = fake.url;
    api = await zipherApi();
    await resetZipher(api);
    await resetIdentitySettings(api);
    const connected = await vscode.commands.executeCommand<{ ok: boolean }>('zipher.connectWorkspace', { host, auth: { type: 'pat', token: DEMO.adminToken } });
    assert.ok(connected.ok);
  });

  after(async () => {
    if (api) {
      await resetZipher(api);
      await resetIdentitySettings(api);
    }
    await fake?.stop();
  });

  it('walkthrough keys start false, and every step completes on a key the extension sets', async () => {
    assert.deepEqual(Object.keys(api.identity.setupContext()).sort(), Object.values(SETUP_CONTEXT_KEYS).sort());
    // Connected, no service principal yet: nothing is done.
    await waitFor('every walkthrough key false', () => Object.values(api.identity.setupContext()).every((v) => v === false));

    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8'));
    const declared = new Set((pkg.contributes.commands as { command: string }[]).map((c) => c.command));
    const steps = pkg.contributes.walkthroughs[0].steps as { id: string; description: string; completionEvents: string[]; media: { markdown: string } }[];
    const ownKeys = new Set(Object.values(SETUP_CONTEXT_KEYS));
    for (const step of steps) {
      for (const ev of step.completionEvents) {
        assert.match(ev, /^onContext:/, `${step.id} completes on a click`);
        const key = ev.slice('onContext:'.length).split(' ')[0];
        assert.ok(ownKeys.has(key) || key === 'zipher.connectionState', `${step.id}: unknown context key ${key}`);
      }
      const links = [...step.description.matchAll(/\(command:([\w.]+)\)/g)].map((m) => m[1]);
      assert.ok(links.length > 0, `${step.id} has no button`);
      for (const id of links) assert.ok(declared.has(id), `${step.id} links to undeclared ${id}`);
      assert.ok(fs.existsSync(path.join(ext.extensionPath, step.media.markdown)), `${step.id}: missing ${step.media.markdown}`);
    }
    // Every checklist key is used by a step.
    const used = new Set(steps.flatMap((s) => s.completionEvents.map((e) => e.slice('onContext:'.length).split(' ')[0])));
    for (const key of ownKeys) assert.ok(used.has(key), `no step completes on ${key}`);
  });

  it('without the account console: Create Service Principal says it needs an account admin and changes nothing', async () => {
    const before = fake.state.servicePrincipals.size;
    const result = await vscode.commands.executeCommand<CreateSpResult>('zipher.createServicePrincipal', { host });
    assert.equal(result.ok, false);
    assert.ok(!result.ok && result.needsAccountAdmin === true);
    assert.match(!result.ok ? result.message : '', /account admin/);
    assert.equal(fake.state.servicePrincipals.size, before);
  });

  it('without the account console: a workspace admin generates and deletes secrets through the workspace proxy', async () => {
    await vscode.commands.executeCommand('zipher.setServicePrincipal', { host, applicationId: DEMO.zipherAppId });
    const sp = fake.state.servicePrincipals.get(DEMO.zipherAppId)!;
    const generated = await vscode.commands.executeCommand<GenerateSecretResult>('zipher.generateSpSecret', { host, lifetimeDays: 20 });
    assert.ok(generated.ok, JSON.stringify(generated));
    assert.equal(generated.via, 'workspace');
    const created = sp.secrets!.find((s) => s.id === generated.secretId);
    assert.ok(created, 'the secret is not in the fake');
    seenSecrets.push(created.secret);
    assertNoSecret(fake, JSON.stringify(generated), 'the result');
    const stored = await api.secrets.getSp(host);
    assert.equal(stored?.clientSecret, created.secret);
    assert.equal(stored?.secretId, generated.secretId);

    const listed = await vscode.commands.executeCommand<ManageSecretsResult>('zipher.manageSpSecrets', { host, delete: [generated.secretId] });
    assert.ok(listed.ok, JSON.stringify(listed));
    assert.deepEqual(listed.deleted, [generated.secretId]);
    assert.ok(!sp.secrets!.some((s) => s.id === generated.secretId));
    // The stored value belonged to the deleted secret: it is gone from SecretStorage too.
    assert.equal(await api.secrets.getSp(host), undefined);
  });

  it('refuses account credentials Databricks rejects, and saves nothing', async () => {
    const result = await vscode.commands.executeCommand<ConnectAccountResult>('zipher.connectAccount', {
      accountHost: host,
      accountId: DEMO.accountId,
      clientId: DEMO.accountAdminClientId,
      clientSecret: 'wrong-account-secret-123',
    });
    assert.equal(result.ok, false);
    assert.ok(!JSON.stringify(result).includes('wrong-account-secret-123'));
    assert.equal(vscode.workspace.getConfiguration('zipher.account').get('accountId'), '');
    assert.equal(await api.secrets.getAccount(DEMO.accountId), undefined);
  });

  it('connects the account console: ids in settings, secret only in SecretStorage', async () => {
    const result = await vscode.commands.executeCommand<ConnectAccountResult>('zipher.connectAccount', {
      accountHost: host,
      accountId: DEMO.accountId,
      clientId: DEMO.accountAdminClientId,
      clientSecret: DEMO.accountAdminSecret,
    });
    assert.ok(result.ok, JSON.stringify(result));
    const c = vscode.workspace.getConfiguration('zipher.account');
    assert.equal(c.get('accountId'), DEMO.accountId);
    assert.equal(c.get('clientId'), DEMO.accountAdminClientId);
    assert.equal(c.get('host'), host);
    assert.ok(!JSON.stringify(vscode.workspace.getConfiguration('zipher')).includes(DEMO.accountAdminSecret));
    assert.deepEqual(await api.secrets.getAccount(DEMO.accountId), { clientId: DEMO.accountAdminClientId, clientSecret: DEMO.accountAdminSecret });
  });

  it('creates the service principal once, adds it to the workspace and sets it; a second run reuses it', async () => {
    const first = await vscode.commands.executeCommand<CreateSpResult>('zipher.createServicePrincipal', { host });
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.created, true);
    assert.equal(first.addedToWorkspace, true);
    assert.equal(first.displayName, SP_NAME);
    newAppId = first.applicationId;
    newSpId = first.id;
    assert.equal(fake.state.servicePrincipals.get(newAppId)?.inWorkspace, true);
    assert.equal(api.connections.get(host)?.principal?.applicationId, newAppId);
    assert.equal(api.connections.get(host)?.principal?.scimId, newSpId);

    const second = await vscode.commands.executeCommand<CreateSpResult>('zipher.createServicePrincipal', { host });
    assert.ok(second.ok, JSON.stringify(second));
    assert.equal(second.created, false);
    assert.equal(second.applicationId, newAppId);
    assert.equal([...fake.state.servicePrincipals.values()].filter((sp) => sp.displayName === SP_NAME).length, 1);
  });

  it('generates a secret through the account console: stored with id and expiry, never shown, logged or returned', async () => {
    const result = await vscode.commands.executeCommand<GenerateSecretResult>('zipher.generateSpSecret', { host, lifetimeDays: 30 });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.via, 'account');
    const fakeSecret = fake.state.servicePrincipals.get(newAppId)!.secrets!.find((s) => s.id === result.secretId);
    assert.ok(fakeSecret);
    seenSecrets.push(fakeSecret.secret);
    const days = (Date.parse(result.expiresAt!) - Date.now()) / 86_400_000;
    assert.ok(days > 29 && days <= 30, `expiry in ${days} days`);
    assert.deepEqual(await api.secrets.getSp(host), { applicationId: newAppId, clientSecret: fakeSecret.secret, secretId: result.secretId, expiresAt: result.expiresAt });
    assertNoSecret(fake, JSON.stringify(result), 'the command result');
    for (const doc of vscode.workspace.textDocuments) assertNoSecret(fake, doc.getText(), `document ${doc.uri.toString()}`);

    const logs = await waitFor('the Zipher log to record the new secret', () => {
      const files = logFiles(api.identity.logUri.fsPath);
      return files.some((f) => fs.readFileSync(f, 'utf8').includes(`created OAuth secret ${result.secretId}`)) ? files : undefined;
    });
    for (const f of logs) assertNoSecret(fake, fs.readFileSync(f, 'utf8'), `log ${path.basename(f)}`, seenSecrets);
  });

  it('refuses a lifetime over 730 days without calling Databricks', async () => {
    const writes = fake.calls.filter((c) => c.method === 'POST' && c.path.includes('/credentials/secrets')).length;
    const result = await vscode.commands.executeCommand<GenerateSecretResult>('zipher.generateSpSecret', { host, lifetimeDays: 731 });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /730/);
    assert.equal(fake.calls.filter((c) => c.method === 'POST' && c.path.includes('/credentials/secrets')).length, writes);
  });

  it('status bar tooltip: the stored secret\'s expiry; degraded within 14 days; "unknown" for a secret entered by hand', async () => {
    await api.identity.secretExpiry.refresh(host);
    let snap = api.refreshStatusBar();
    assert.match(snap.tooltip, /OAuth secret .* expires on \d{4}-\d{2}-\d{2} \(in (29|30) days\)/);
    assert.notEqual(snap.level, 'degraded', snap.tooltip);

    const short = await vscode.commands.executeCommand<GenerateSecretResult>('zipher.generateSpSecret', { host, lifetimeDays: 10 });
    assert.ok(short.ok);
    await api.identity.secretExpiry.refresh(host);
    snap = api.refreshStatusBar();
    assert.equal(snap.level, 'degraded', snap.tooltip);
    assert.match(snap.tooltip, /OAuth secret expires on/);
    assert.equal(snap.background, 'statusBarItem.warningBackground');

    // Entered by hand (no id): two active secrets, so nothing tells which one it is.
    const stored = (await api.secrets.getSp(host))!;
    await api.secrets.setSp(host, { applicationId: newAppId, clientSecret: stored.clientSecret });
    await api.identity.secretExpiry.refresh(host);
    snap = api.refreshStatusBar();
    assert.match(snap.tooltip, /expiry unknown/);
    assertNoSecret(fake, snap.tooltip, 'the status bar tooltip');
    await api.secrets.setSp(host, stored);
  });

  it('lists secrets with expiry, marks the stored one, and deletes an old one', async () => {
    const listed = await vscode.commands.executeCommand<ManageSecretsResult>('zipher.manageSpSecrets', { host });
    assert.ok(listed.ok, JSON.stringify(listed));
    assert.equal(listed.secrets.length, 2);
    assert.ok(listed.secrets.every((s) => s.expiresAt && s.daysLeft !== undefined));
    const storedRow = listed.secrets.find((s) => s.stored);
    assert.ok(storedRow, 'the stored secret is not marked');
    const old = listed.secrets.find((s) => !s.stored)!;
    assertNoSecret(fake, JSON.stringify(listed), 'the listing');

    const after = await vscode.commands.executeCommand<ManageSecretsResult>('zipher.manageSpSecrets', { host, delete: [old.id] });
    assert.ok(after.ok);
    assert.deepEqual(after.deleted, [old.id]);
    assert.deepEqual(fake.state.servicePrincipals.get(newAppId)!.secrets!.map((s) => s.id), [storedRow.id]);
    assert.ok(await api.secrets.getSp(host), 'the stored secret was wrongly dropped');
  });

  it('rotates: new secret verified and stored; old ones deleted only when confirmed', async () => {
    const oldIds = fake.state.servicePrincipals.get(newAppId)!.secrets!.map((s) => s.id);
    const first = await vscode.commands.executeCommand<RotateSecretResult>('zipher.rotateSpSecret', { host, lifetimeDays: 60 });
    assert.ok(first.ok, JSON.stringify(first));
    assert.equal(first.state.phase, 'stored', JSON.stringify(first.state.steps));
    const secrets = fake.state.servicePrincipals.get(newAppId)!.secrets!;
    for (const id of oldIds) assert.ok(secrets.some((s) => s.id === id), 'an old secret was deleted without confirmation');
    const fresh = secrets.find((s) => s.id === first.state.newSecretId)!;
    seenSecrets.push(fresh.secret);
    assert.equal((await api.secrets.getSp(host))?.clientSecret, fresh.secret);
    assertNoSecret(fake, JSON.stringify(first), 'the rotation result');
    assertNoSecret(fake, JSON.stringify(api.identity.rotationState(host)), 'the persisted rotation state');

    const second = await vscode.commands.executeCommand<RotateSecretResult>('zipher.rotateSpSecret', { host, confirmDeleteOld: true });
    assert.ok(second.ok);
    assert.equal(second.state.phase, 'done', JSON.stringify(second.state.steps));
    assert.deepEqual(fake.state.servicePrincipals.get(newAppId)!.secrets!.map((s) => s.id), [fresh.id]);
  });

  it('walkthrough keys follow live state: SP, secret and workspace done; jobs and connectivity after grant and verify', async () => {
    await vscode.commands.executeCommand('zipher.refreshSetupChecklist', { host });
    let keys = api.identity.setupContext();
    assert.equal(keys['zipher.setup.spCreated'], true);
    assert.equal(keys['zipher.setup.secretStored'], true);
    assert.equal(keys['zipher.setup.spInWorkspace'], true);
    assert.equal(keys['zipher.setup.jobsManaged'], false);
    assert.equal(keys['zipher.setup.handoffReady'], false);

    const inventory = await waitFor('inventory', () => api.connections.get(host)?.inventory);
    await inventory.load({ priority: 'user' });
    const jobId = jobIdByName(fake, 'nightly-etl');
    const outcomes = await vscode.commands.executeCommand<JobOutcome[]>('zipher.grantAccess', { host, jobIds: [jobId] });
    assert.deepEqual(outcomes.map((o) => o.status), ['granted']);
    await vscode.commands.executeCommand('zipher.verifyConnectivity', { host, show: false });
    const result = await vscode.commands.executeCommand<RefreshChecklistResult>('zipher.refreshSetupChecklist', { host });
    keys = api.identity.setupContext();
    assert.equal(keys['zipher.setup.jobsManaged'], true, JSON.stringify(result.items));
    const connectivity = result.items.find((i) => i.id === 'connectivity')!;
    assert.equal(keys['zipher.setup.connectivity'], connectivity.status === 'done');
    assert.equal(result.items.find((i) => i.id === 'jobs-managed')?.contextKey, 'zipher.setup.jobsManaged');
  });

  it('Allow Egress IPs with the feature off and no allow list: explains, writes nothing, never enables the feature', async () => {
    const writes = fake.calls.filter((c) => c.method !== 'GET' && (c.path.includes('ip-access-lists') || c.path.includes('workspace-conf'))).length;
    const result = await vscode.commands.executeCommand<AllowEgressResult>('zipher.allowEgressIps', { host, ips: ['203.0.113.10'] });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.featureEnabled, false);
    assert.equal(result.plan.action, 'none');
    assert.equal(result.applied, undefined);
    assert.ok(result.notes.some((n) => /never turns/.test(n)), result.notes.join(' '));
    assert.equal(fake.calls.filter((c) => c.method !== 'GET' && (c.path.includes('ip-access-lists') || c.path.includes('workspace-conf'))).length, writes);
  });

  it('Allow Egress IPs creates the one Zipher allow list, leaves other lists alone, and shows block overrides', async () => {
    const now = Date.now();
    fake.state.workspaceConf.set('enableIpAccessLists', 'true');
    fake.state.ipAccessLists.set('office', { list_id: 'office', label: 'office', list_type: 'ALLOW', ip_addresses: ['127.0.0.1/32', '10.0.0.0/16'], enabled: true, created_at: now, updated_at: now });
    fake.state.ipAccessLists.set('bad-actors', { list_id: 'bad-actors', label: 'bad-actors', list_type: 'BLOCK', ip_addresses: ['198.51.100.0/24'], enabled: true, created_at: now, updated_at: now });
    const office = JSON.stringify(fake.state.ipAccessLists.get('office'));
    await vscode.workspace.getConfiguration('zipher').update('egressIps', ['203.0.113.10', '198.51.100.7'], vscode.ConfigurationTarget.Global);

    const result = await vscode.commands.executeCommand<AllowEgressResult>('zipher.allowEgressIps', { host });
    assert.ok(result.ok, JSON.stringify(result));
    assert.equal(result.featureEnabled, true);
    assert.equal(result.access, 'blocked');
    assert.deepEqual(result.blockedBy.map((b) => [b.egress, b.listLabel]), [['198.51.100.7', 'bad-actors']]);
    assert.equal(result.plan.action, 'create');
    assert.equal(result.applied?.action, 'create');
    assert.equal(result.limit, 1000);
    assert.match(result.markdown, /bad-actors/);
    const ours = [...fake.state.ipAccessLists.values()].filter((l) => l.label === 'zipher-egress');
    assert.equal(ours.length, 1);
    assert.deepEqual([...ours[0].ip_addresses].sort(), ['198.51.100.7', '203.0.113.10']);
    assert.equal(ours[0].list_type, 'ALLOW');
    assert.equal(JSON.stringify(fake.state.ipAccessLists.get('office')), office);
    assert.equal(fake.state.ipAccessLists.get('bad-actors')?.ip_addresses.join(), '198.51.100.0/24');

    const again = await vscode.commands.executeCommand<AllowEgressResult>('zipher.allowEgressIps', { host });
    assert.ok(again.ok);
    assert.equal(again.plan.action, 'none');
    assert.equal([...fake.state.ipAccessLists.values()].filter((l) => l.label === 'zipher-egress').length, 1);
  });

  it('rejects an invalid egress address with one sentence, before any call', async () => {
    const result = await vscode.commands.executeCommand<AllowEgressResult>('zipher.allowEgressIps', { host, ips: ['10.0.0.300'] });
    assert.equal(result.ok, false);
    assert.match(!result.ok ? result.message : '', /10\.0\.0\.300/);
  });

  it('shows the audit log: the SP\'s own actions and grant changes by others, exported as CSV without secrets', async () => {
    const csv = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-audit-')), 'audit.csv');
    try {
      const result = await vscode.commands.executeCommand<AuditLogResult>('zipher.showAuditLog', { host, warehouseId: WAREHOUSES.reporting, sinceHours: 24, show: false, exportCsvPath: csv });
      assert.ok(result.ok, JSON.stringify(result));
      assert.equal(result.warehouseId, WAREHOUSES.reporting);
      assert.ok(result.activity.rows.length > 0, 'no rows for the SP');
      assert.ok(result.activity.rows.every((r) => (r.user_identity ?? '').includes(newAppId)), 'a row of someone else');
      assert.ok(result.activity.rows.some((r) => r.action_name === 'list' && r.service_name === 'workspace'));
      assert.ok(result.aclChanges && result.aclChanges.rows.some((r) => r.action_name === 'changeJobAcl'), 'the grant is not among the ACL changes');
      assert.match(result.markdown, /\| event_time \|/);
      const text = fs.readFileSync(csv, 'utf8');
      assert.match(text, /^section,event_time,/);
      assert.ok(text.includes('grant-changed-by-others'));
      assertNoSecret(fake, result.markdown + text, 'the audit log', seenSecrets);

      // Scripted again without a warehouse: the one used is remembered for this workspace.
      const again = await vscode.commands.executeCommand<AuditLogResult>('zipher.showAuditLog', { host, show: false });
      assert.ok(again.ok);
      assert.equal(again.warehouseId, WAREHOUSES.reporting);
    } finally {
      fs.rmSync(path.dirname(csv), { recursive: true, force: true });
    }
  });

  it('emergency revoke removes every secret, grant and the allow list, proves it, and leaves everyone else alone', async () => {
    const jobId = jobIdByName(fake, 'nightly-etl');
    assert.equal(zipherLevel(fake, jobId, newAppId), 'CAN_MANAGE');
    const others = aclWithout(fake, jobId, newAppId);
    const office = JSON.stringify(fake.state.ipAccessLists.get('office'));
    const report = await vscode.commands.executeCommand<IncidentReport>('zipher.emergencyRevokeAll', { host, confirm: true, show: false });
    assert.ok(report, 'no incident report');
    assert.equal(report.applicationId, newAppId);
    const proof = new Map(report.proof.map((p) => [p.name, p.status]));
    assert.equal(proof.get('no-secrets-listed'), 'passed', JSON.stringify(report.proof));
    assert.equal(proof.get('token-refused'), 'passed', JSON.stringify(report.proof));
    assert.equal(proof.get('no-job-acl'), 'passed', JSON.stringify(report.proof));
    assert.equal(proof.get('ip-list-gone'), 'passed');
    assert.equal(proof.get('ledger-objects-clear'), 'passed', JSON.stringify(report.proof));
    assert.deepEqual(report.remaining, []);
    assert.equal(fake.state.servicePrincipals.get(newAppId)!.secrets!.length, 0);
    assert.equal(zipherLevel(fake, jobId, newAppId), undefined);
    assert.deepEqual(aclWithout(fake, jobId, newAppId), others);
    assert.equal([...fake.state.ipAccessLists.values()].some((l) => l.label === 'zipher-egress'), false);
    assert.equal(JSON.stringify(fake.state.ipAccessLists.get('office')), office);
    assert.equal(await api.secrets.getSp(host), undefined);
    assertNoSecret(fake, JSON.stringify(report), 'the incident report', seenSecrets);

    await vscode.commands.executeCommand('zipher.refreshSetupChecklist', { host });
    const keys = api.identity.setupContext();
    assert.equal(keys['zipher.setup.secretStored'], false);
    assert.equal(keys['zipher.setup.handoffReady'], false);
    assert.equal(keys['zipher.setup.spCreated'], true);
  });
});
