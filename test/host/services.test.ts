import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { COMMAND_IDS, TREE_ONLY_COMMAND_IDS } from '../../src/vscode/commands/ids';
import { jobNodesFromTreeArgs, parseJobIds } from '../../src/vscode/commands/interaction';
import type { ZipherTestApi } from '../../src/vscode/container';
import { SecretMasker } from '../../src/vscode/logging';
import { SecretStore } from '../../src/vscode/secrets';
import { DEMO, type FakeWorkspace } from '../fake-workspace';
import { EXTENSION_ID, resetZipher, waitFor, useSeededWorkspace } from './zipher-fixtures';

/** An in-memory SecretStorage, to feed the store values another writer could have left behind. */
class MemorySecretStorage implements vscode.SecretStorage {
  readonly values = new Map<string, string>();
  private readonly emitter = new vscode.EventEmitter<vscode.SecretStorageChangeEvent>();
  readonly onDidChange = this.emitter.event;
  keys(): Thenable<string[]> {
    return Promise.resolve([...this.values.keys()]);
  }
  async get(key: string) {
    return this.values.get(key);
  }
  async store(key: string, value: string) {
    this.values.set(key, value);
    this.emitter.fire({ key });
  }
  async delete(key: string) {
    this.values.delete(key);
    this.emitter.fire({ key });
  }
}

describe('Zipher services in the extension host', function () {
  let fake: FakeWorkspace;
  let api: ZipherTestApi;

  const env = useSeededWorkspace();
  before(() => ({ fake, api } = env));

  it('the typed command id list matches package.json, and tree-only commands are hidden from the palette', () => {
    const ext = vscode.extensions.getExtension(EXTENSION_ID)!;
    const pkg = JSON.parse(fs.readFileSync(path.join(ext.extensionPath, 'package.json'), 'utf8'));
    const declared = (pkg.contributes.commands as { command: string; category?: string }[]).map((c) => c.command).sort();
    assert.deepEqual([...COMMAND_IDS].sort(), declared);
    for (const c of pkg.contributes.commands) assert.equal(c.category, 'Zipher', `${c.command} has no Zipher category`);
    const hidden = (pkg.contributes.menus.commandPalette as { command: string; when: string }[]).filter((m) => m.when === 'false').map((m) => m.command);
    assert.deepEqual(hidden.sort(), [...TREE_ONLY_COMMAND_IDS].sort());
  });

  it('tree invocations act on the whole selection when it contains the clicked job', () => {
    const a = { type: 'job', host: 'https://h', jobId: 1 } as const;
    const b = { type: 'job', host: 'https://h', jobId: 2 } as const;
    const c = { type: 'job', host: 'https://h', jobId: 3 } as const;
    assert.deepEqual(jobNodesFromTreeArgs([a, [a, b]]), [a, b]);
    // Right-click outside the selection acts on the clicked row only, as VS Code's own views do.
    assert.deepEqual(jobNodesFromTreeArgs([c, [a, b]]), [c]);
    assert.deepEqual(jobNodesFromTreeArgs([a]), [a]);
    assert.equal(jobNodesFromTreeArgs([{ jobIds: [1] }]), undefined);
  });

  it('scripted job ids: numbers or numeric strings, one sentence for anything else', () => {
    assert.deepEqual(parseJobIds([3, '4', 3]), [3, 4]);
    assert.throws(() => parseJobIds([]), /at least one job id/);
    assert.throws(() => parseJobIds(['abc']), /"abc" is not a job id/);
    assert.throws(() => parseJobIds([-1]), /is not a job id/);
    assert.throws(() => parseJobIds([1.5]), /is not a job id/);
  });

  it('SecretStorage round trip through the real storage, keyed per host', async () => {
    const host = 'https://adb-1.2.azuredatabricks.net';
    await api.secrets.setSp(host, { applicationId: DEMO.zipherAppId, clientSecret: 'round-trip-secret-1' });
    await api.secrets.setAuth(host, { type: 'pat', token: 'round-trip-token-1' });
    assert.deepEqual(await api.secrets.getSp(host), { applicationId: DEMO.zipherAppId, clientSecret: 'round-trip-secret-1' });
    assert.deepEqual(await api.secrets.getAuth(host), { type: 'pat', token: 'round-trip-token-1' });
    assert.equal(await api.secrets.getAuth('https://other.cloud.databricks.com'), undefined);
    await api.secrets.deleteAll(host);
    assert.equal(await api.secrets.getSp(host), undefined);
    assert.equal(await api.secrets.getAuth(host), undefined);
  });

  it('a corrupt or foreign stored value reads as absent, and changes are announced', async () => {
    const storage = new MemorySecretStorage();
    const store = new SecretStore(storage);
    const changed: string[] = [];
    store.onDidChange((host) => changed.push(host));
    storage.values.set('zipher/auth/https://x.cloud.databricks.com', '{not json');
    storage.values.set('zipher/sp/https://x.cloud.databricks.com', JSON.stringify({ clientSecret: 'no app id' }));
    assert.equal(await store.getAuth('https://x.cloud.databricks.com'), undefined);
    assert.equal(await store.getSp('https://x.cloud.databricks.com'), undefined);
    await store.setAuth('https://x.cloud.databricks.com', { type: 'oauth-m2m', clientSecret: 'abcdef-secret' });
    assert.deepEqual(changed, ['https://x.cloud.databricks.com']);
    store.dispose();
  });

  it('log masking hides known secrets and token shapes', () => {
    const masker = new SecretMasker();
    masker.add(DEMO.zipherSecret);
    const line = masker.mask(`POST /oidc/v1/token client_secret=${DEMO.zipherSecret} Authorization: Bearer abc.def-123 secret ${DEMO.zipherSecret}`);
    assert.ok(!line.includes(DEMO.zipherSecret), line);
    assert.ok(!line.includes('abc.def-123'), line);
  });

  it('status bar: not connected → counts (grants made before the extension are not drift) → error background when credentials are missing', async () => {
    let snap = api.refreshStatusBar();
    assert.equal(snap.level, 'not-configured');
    assert.match(snap.text, /not connected/);
    assert.equal(snap.background, undefined);
    assert.equal(snap.command, 'zipher.verifyConnectivity');

    await vscode.commands.executeCommand('zipher.connectWorkspace', { host: fake.url, auth: { type: 'pat', token: DEMO.adminToken } });
    snap = api.refreshStatusBar();
    assert.equal(snap.level, 'not-configured');
    assert.match(snap.text, /service principal/i);

    await vscode.commands.executeCommand('zipher.setServicePrincipal', { host: fake.url, applicationId: DEMO.zipherAppId });
    const inventory = await waitFor('inventory', () => api.connections.get(fake.url)?.inventory);
    await inventory.load({ priority: 'user' });
    snap = api.refreshStatusBar();
    // The seed's Zipher grants were made before the extension: a note on the rows, not drift.
    assert.equal(snap.level, 'healthy', snap.tooltip);
    assert.match(snap.text, /managed/);
    assert.doesNotMatch(snap.tooltip, /drift/);
    assert.equal(snap.background, undefined);
    assert.ok(!snap.tooltip.includes(DEMO.adminToken));

    await resetZipher(api);
    await vscode.workspace.getConfiguration('zipher').update('workspaces', [{ host: fake.url, auth: 'pat' }], vscode.ConfigurationTarget.Global);
    await waitFor('connection in error', () => api.connections.get(fake.url)?.status === 'error');
    snap = api.refreshStatusBar();
    assert.equal(snap.level, 'error');
    assert.equal(snap.background, 'statusBarItem.errorBackground');
    await resetZipher(api);
    assert.equal(api.refreshStatusBar().level, 'not-configured');
  });
});
