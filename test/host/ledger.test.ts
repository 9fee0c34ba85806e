import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { JobOutcome } from '../../src/onboarding/model';
import type { ZipherTestApi } from '../../src/vscode/container';
import { DEMO, type FakeWorkspace } from '../fake-workspace';
import { aclWithout, jobIdByName, waitFor, zipherLevel, useSeededWorkspace } from './zipher-fixtures';

const APP = DEMO.zipherAppId;

describe('Zipher: Show Ledger', function () {
  let fake: FakeWorkspace;
  let api: ZipherTestApi;

  const env = useSeededWorkspace();
  before(async () => {
    ({ fake, api } = env);
    await vscode.commands.executeCommand('zipher.connectWorkspace', { host: fake.url, auth: { type: 'pat', token: DEMO.adminToken } });
    await vscode.commands.executeCommand('zipher.setServicePrincipal', { host: fake.url, applicationId: APP, clientSecret: DEMO.zipherSecret });
    await waitFor('access service', () => api.connections.get(fake.url)?.access);
  });


  it('is empty before anything was granted', async () => {
    const markdown = await vscode.commands.executeCommand<string>('zipher.showLedger', { host: fake.url, show: false });
    assert.match(markdown, /^# Zipher access ledger — 127\.0\.0\.1:\d+/);
    assert.match(markdown, /No changes recorded yet/);
  });

  it('lists every change after grants and a revoke, newest first, with levels, reasons, jobs and actor', async () => {
    const first = jobIdByName(fake, 'daily-report-sql');
    const second = jobIdByName(fake, 'legacy-export');
    const othersFirst = aclWithout(fake, first, APP);
    const othersSecond = aclWithout(fake, second, APP);
    const granted = await vscode.commands.executeCommand<JobOutcome[]>('zipher.grantAccess', { host: fake.url, jobIds: [first] });
    assert.deepEqual(granted.map((o) => o.status), ['granted']);
    // the ledger orders by time; make sure the second grant is a later millisecond
    await new Promise((r) => setTimeout(r, 5));
    const again = await vscode.commands.executeCommand<JobOutcome[]>('zipher.grantAccess', { host: fake.url, jobIds: [second] });
    assert.deepEqual(again.map((o) => o.status), ['granted']);
    await new Promise((r) => setTimeout(r, 5));
    const revoked = await vscode.commands.executeCommand<JobOutcome[]>('zipher.revokeAccess', { host: fake.url, jobIds: [second] });
    assert.deepEqual(revoked.map((o) => o.status), ['revoked']);
    assert.equal(zipherLevel(fake, first, APP), 'CAN_MANAGE');
    assert.equal(zipherLevel(fake, second, APP), undefined);
    assert.deepEqual(aclWithout(fake, first, APP), othersFirst);
    assert.deepEqual(aclWithout(fake, second, APP), othersSecond);

    const markdown = await vscode.commands.executeCommand<string>('zipher.showLedger', { host: fake.url, show: false });
    assert.match(markdown, /\| Time \| Object \| Change \| Level \| Reason \| Jobs \| Actor \|/);
    const rows = markdown.split('\n').filter((l) => l.startsWith('| 20'));
    const jobRow = (id: number, change: string) => rows.findIndex((r) => /^ job /.test(r.split('|')[2]) && r.split('|')[2].includes(`(${id})`) && r.includes(`| ${change} |`));
    const addedFirst = jobRow(first, 'added');
    const addedSecond = jobRow(second, 'added');
    const removedSecond = jobRow(second, 'removed');
    assert.ok(addedFirst >= 0 && addedSecond >= 0 && removedSecond >= 0, markdown);
    assert.ok(removedSecond < addedSecond && addedSecond < addedFirst, 'not newest first');
    assert.match(rows[addedFirst], /— → CAN_MANAGE/);
    assert.match(rows[removedSecond], /CAN_MANAGE → —/);
    assert.match(rows[addedFirst], new RegExp(`\\| ${first} \\| ${DEMO.adminUser.replace('.', '\\.')} \\|$`));
    const reason = rows[addedFirst].split('|')[5].trim();
    assert.ok(reason.length > 5, `no reason in: ${rows[addedFirst]}`);
    const times = rows.map((r) => r.split('|')[1].trim());
    assert.deepEqual([...times].sort().reverse(), times, 'rows are not sorted newest first');
    for (const secret of [DEMO.adminToken, DEMO.zipherSecret]) assert.ok(!markdown.includes(secret), 'a secret leaked into the ledger view');
  });

  it('opens the ledger as a Markdown document when shown', async () => {
    const markdown = await vscode.commands.executeCommand<string>('zipher.showLedger', { host: fake.url });
    const doc = await waitFor('ledger document', () => vscode.workspace.textDocuments.find((d) => d.languageId === 'markdown' && d.getText() === markdown));
    assert.equal(doc.uri.scheme, 'zipher-report', 'the ledger opens read-only, not as an untitled file');
  });
});
