import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { ConnectResult } from '../../src/vscode/commands/ids';
import type { ZipherTestApi } from '../../src/vscode/container';
import { DEMO, type FakeWorkspace } from '../fake-workspace';
import { EXTENSION_ID, jobIdByName, resetZipher, waitFor, useSeededWorkspace } from './zipher-fixtures';

interface MenuEntry {
  command: string;
  when?: string;
  group?: string;
}

function itemMenus(): MenuEntry[] {
  const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
  const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8'));
  return pkg.contributes.menus['view/item/context'];
}

/** Evaluates the `viewItem =~ /.../` part of a when clause against a contextValue. */
function menuShows(entry: MenuEntry, contextValue: string): boolean {
  const m = /viewItem =~ \/(.+?)\/(\s|$)/.exec(entry.when ?? '');
  assert.ok(m, `menu entry for ${entry.command} has no viewItem regex`);
  return new RegExp(m[1]).test(contextValue);
}

function commandsFor(contextValue: string): string[] {
  return [...new Set(itemMenus().filter((e) => menuShows(e, contextValue)).map((e) => e.command))].sort();
}

describe('Zipher jobs tree', function () {
  let fake: FakeWorkspace;
  let api: ZipherTestApi;

  const env = useSeededWorkspace();
  before(() => ({ fake, api } = env));

  it('shows nothing (the welcome view) before a workspace is connected', () => {
    assert.deepEqual(api.tree.snapshot(), []);
  });

  it('lists the workspace and its jobs with Zipher\'s state once the view is visible', async () => {
    const result = await vscode.commands.executeCommand<ConnectResult>('zipher.connectWorkspace', { host: fake.url, auth: { type: 'pat', token: DEMO.adminToken } });
    assert.ok(result.ok, JSON.stringify(result));
    await vscode.commands.executeCommand('zipher.setServicePrincipal', { host: fake.url, applicationId: DEMO.zipherAppId });
    await vscode.commands.executeCommand('zipher.jobs.focus');
    const inventory = await waitFor('the inventory', () => api.connections.get(fake.url)?.inventory);
    await waitFor('jobs loaded with states', () => inventory.status === 'loaded' && inventory.rows().every((r) => r.state !== 'loading'));
    const [root] = await waitFor('tree snapshot with jobs', () => {
      const snap = api.tree.snapshot();
      return snap.length === 1 && snap[0].children.some((c) => c.jobId !== undefined) ? snap : undefined;
    });
    assert.equal(root.host, fake.url);
    assert.equal(root.contextValue, 'zipherWorkspace+connected+spSet');
    const byName = new Map(root.children.map((c) => [c.label, c]));
    // Seeded grants were not made by the extension: noted (+unrecorded), not drift.
    assert.equal(byName.get('billing-aggregation')?.contextValue, 'zipherJob+managed+unrecorded');
    assert.equal(byName.get('nightly-etl')?.contextValue, 'zipherJob+none');
    assert.equal(byName.get('ml-feature-refresh')?.contextValue, 'zipherJob+partial+unrecorded');
    assert.equal(root.children.filter((c) => c.jobId !== undefined).length, fake.state.jobs.size);
    assert.ok(api.treeView.description && /managed/.test(api.treeView.description), `view description: ${api.treeView.description}`);
    const managed = [...fake.state.jobs.values()].filter((j) => j.acl.some((e) => e.service_principal_name === DEMO.zipherAppId && e.permission_level === 'CAN_MANAGE')).length;
    assert.equal(api.treeView.badge?.value, managed, 'the activity bar badge counts the jobs Zipher manages');
    assert.match(api.treeView.badge?.tooltip ?? '', /partial/);
  });

  it('renders tooltips with job id, owner and Zipher\'s level', async () => {
    const jobId = jobIdByName(fake, 'billing-aggregation');
    const node = api.tree.jobNode(fake.url, jobId);
    assert.ok(node);
    const item = api.tree.getTreeItem(node);
    const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip);
    assert.match(tooltip, new RegExp(String(jobId)));
    assert.match(tooltip, /Owner/);
    assert.match(tooltip, /CAN\\?_MANAGE/);
    assert.ok(item.iconPath instanceof vscode.ThemeIcon);
  });

  it('menu contract: grant on none/partial/unknown jobs, revoke on managed/partial', () => {
    assert.deepEqual(commandsFor('zipherJob+none'), ['zipher.grantAccess', 'zipher.openJob']);
    assert.deepEqual(commandsFor('zipherJob+unknown'), ['zipher.grantAccess', 'zipher.openJob']);
    assert.deepEqual(commandsFor('zipherJob+partial'), ['zipher.grantAccess', 'zipher.openJob', 'zipher.revokeAccess']);
    assert.deepEqual(commandsFor('zipherJob+managed'), ['zipher.openJob', 'zipher.revokeAccess']);
    assert.deepEqual(commandsFor('zipherJob+managed+drift'), ['zipher.openJob', 'zipher.reconcile', 'zipher.revokeAccess']);
    assert.deepEqual(commandsFor('zipherJob+none+drift'), ['zipher.grantAccess', 'zipher.openJob', 'zipher.reconcile']);
    assert.deepEqual(commandsFor('zipherJob+managed+unrecorded'), ['zipher.openJob', 'zipher.revokeAccess']);
    assert.ok(commandsFor('zipherWorkspace+connected+spSet').includes('zipher.showLedger'));
    assert.ok(commandsFor('zipherWorkspace+connected+spSet').includes('zipher.copySecret'));
    assert.ok(!commandsFor('zipherWorkspace+connected').includes('zipher.copySecret'));
    assert.ok(commandsFor('zipherWorkspace+error').includes('zipher.disconnectWorkspace'));
  });

  it('filters by name and by state, and clears', async () => {
    await vscode.commands.executeCommand('zipher.filterJobs', { text: 'billing' });
    let jobs = api.tree.snapshot()[0].children.filter((c) => c.jobId !== undefined);
    assert.deepEqual(jobs.map((j) => j.label), ['billing-aggregation']);
    await vscode.commands.executeCommand('zipher.filterJobs', { states: ['partial'] });
    jobs = api.tree.snapshot()[0].children.filter((c) => c.jobId !== undefined);
    assert.ok(jobs.length > 0 && jobs.every((j) => /^zipherJob\+partial(\+|$)/.test(j.contextValue ?? '')));
    await vscode.commands.executeCommand('zipher.filterJobs', { text: 'no-such-job-name' });
    assert.deepEqual(api.tree.snapshot()[0].children.map((c) => c.label), ['No jobs match the filter.']);
    await vscode.commands.executeCommand('zipher.clearFilter');
    assert.equal(api.tree.snapshot()[0].children.filter((c) => c.jobId !== undefined).length, fake.state.jobs.size);
  });

  it('refreshes the affected row after grant and revoke', async () => {
    const jobId = jobIdByName(fake, 'daily-report-sql');
    const node = api.tree.jobNode(fake.url, jobId);
    assert.ok(node);
    const outcomes = await vscode.commands.executeCommand<{ status: string }[]>('zipher.grantAccess', { host: node.host, jobIds: [node.jobId] });
    assert.deepEqual(outcomes.map((o) => o.status), ['granted']);
    await waitFor('row refreshed to managed', () => api.tree.getTreeItem(node).contextValue === 'zipherJob+managed');
    await vscode.commands.executeCommand('zipher.revokeAccess', { host: node.host, jobIds: [node.jobId] });
    await waitFor('row back to none', () => api.tree.getTreeItem(node).contextValue === 'zipherJob+none');
  });

  it('shows a workspace whose credentials fail as an error, and the welcome state when it is the only one', async () => {
    await resetZipher(api);
    await vscode.workspace
      .getConfiguration('zipher')
      .update('workspaces', [{ host: fake.url, auth: 'pat' }], vscode.ConfigurationTarget.Global);
    const c = await waitFor('connection in error', () => (api.connections.get(fake.url)?.status === 'error' ? api.connections.get(fake.url) : undefined));
    assert.match(c.error?.message ?? '', /No access token is stored/);
    assert.deepEqual(api.tree.snapshot(), []);
  });

  it('connects a workspace from settings with profile auth and no stored secret', async () => {
    await resetZipher(api);
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-cfg-'));
    const cfg = path.join(dir, 'databrickscfg');
    fs.writeFileSync(cfg, `[zipher-host-test]\nhost = ${fake.url}\ntoken = ${DEMO.adminToken}\n`);
    const previous = process.env.DATABRICKS_CONFIG_FILE;
    process.env.DATABRICKS_CONFIG_FILE = cfg;
    try {
      await vscode.workspace
        .getConfiguration('zipher')
        .update('workspaces', [{ host: fake.url, auth: 'profile', profile: 'zipher-host-test', servicePrincipal: DEMO.zipherAppId }], vscode.ConfigurationTarget.Global);
      const c = await waitFor('profile connection', () => (api.connections.get(fake.url)?.status === 'connected' && api.connections.get(fake.url)?.principal?.displayName ? api.connections.get(fake.url) : undefined));
      assert.equal(c.identity?.userName, DEMO.adminUser);
      assert.equal(await api.secrets.getAuth(fake.url), undefined);
    } finally {
      await resetZipher(api);
      if (previous === undefined) delete process.env.DATABRICKS_CONFIG_FILE;
      else process.env.DATABRICKS_CONFIG_FILE = previous;
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
