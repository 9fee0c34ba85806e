import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { renderAclText } from '../../src/onboarding';
import type { JobOutcome } from '../../src/onboarding/model';
import type { Connection } from '../../src/vscode/connections';
import type { ZipherTestApi } from '../../src/vscode/container';
import { CLUSTERS, DEMO, POLICIES, POOLS, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { ScriptedPrompter } from './planPrompter';
import { jobIdByName, principalOf, resetZipher, waitFor, zipherApi, zipherLevel } from './zipher-fixtures';

const APP = DEMO.zipherAppId;

/** Every ACL in the fake without Zipher's entries: other principals and owners must never move. */
function othersEverywhere(fake: FakeWorkspace): string {
  const strip = (acl: { permission_level: string }[]) =>
    acl
      .filter((e) => principalOf(e as never) !== APP)
      .map((e) => `${principalOf(e as never)}=${e.permission_level}`)
      .sort();
  const s = fake.state;
  const out: Record<string, string[]> = {};
  for (const [id, j] of s.jobs) out[`job/${id}`] = strip(j.acl);
  for (const [kind, map] of [['cluster', s.clusters], ['pool', s.instancePools], ['policy', s.clusterPolicies], ['warehouse', s.warehouses]] as const) {
    for (const [id, o] of map) out[`${kind}/${id}`] = strip(o.acl);
  }
  for (const [name, scope] of s.secretScopes) out[`scope/${name}`] = scope.acls.filter((a) => a.principal !== APP).map((a) => `${a.principal}=${a.permission}`).sort();
  return JSON.stringify(out);
}

function objectZipherLevel(fake: FakeWorkspace, map: 'clusters' | 'instancePools' | 'clusterPolicies', id: string): string | undefined {
  return fake.state[map].get(id)?.acl.find((e) => e.service_principal_name === APP)?.permission_level;
}

function writes(fake: FakeWorkspace): number {
  return fake.calls.filter((c) => c.method !== 'GET').length;
}

function tooltipOf(item: vscode.TreeItem): string {
  return item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : String(item.tooltip ?? '');
}

describe('Zipher plan review, apply, retry, drift and reconcile', function () {
  let fake: FakeWorkspace;
  let api: ZipherTestApi;
  let c: Connection;
  let others: string;
  let initial: FakeWorkspace['state'];
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'zipher-plan-export-'));

  before(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    initial = structuredClone({ instancePools: fake.state.instancePools, clusterPolicies: fake.state.clusterPolicies }) as FakeWorkspace['state'];
    api = await zipherApi();
    await resetZipher(api);
    await vscode.commands.executeCommand('zipher.connectWorkspace', { host: fake.url, auth: { type: 'pat', token: DEMO.adminToken } });
    await vscode.commands.executeCommand('zipher.setServicePrincipal', { host: fake.url, applicationId: APP });
    await vscode.commands.executeCommand('zipher.jobs.focus');
    c = api.connections.get(fake.url)!;
    const inventory = await waitFor('inventory', () => c.inventory);
    await inventory.load({ priority: 'user' });
    others = othersEverywhere(fake);
  });

  after(async () => {
    await vscode.workspace.getConfiguration('zipher.grants').update('includeWarehouses', undefined, vscode.ConfigurationTarget.Global);
    if (api) await resetZipher(api);
    await fake?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('first connect: grants made before the extension are a note (+unrecorded), not drift; the status bar stays healthy', async () => {
    const row = c.inventory!.row(jobIdByName(fake, 'billing-aggregation'));
    assert.deepEqual(row?.drift?.map((d) => d.kind), ['grant-added-outside']);
    const node = await waitFor('tree node', () => {
      api.tree.snapshot();
      return api.tree.jobNode(fake.url, row!.jobId);
    });
    const item = api.tree.getTreeItem(node);
    assert.equal(item.contextValue, 'zipherJob+managed+unrecorded');
    assert.doesNotMatch(String(item.description), /drift/);
    assert.match(tooltipOf(item), /granted outside the extension/);
    const snap = api.refreshStatusBar();
    assert.equal(snap.level, 'healthy', snap.tooltip);
    assert.equal(snap.background, undefined);
  });

  it('review: summary, per-object diff, export Markdown and JSON, then Grant; nobody else changes', async () => {
    const jobId = jobIdByName(fake, 'nightly-etl');
    const md = vscode.Uri.file(path.join(tmp, 'plan.md'));
    const json = vscode.Uri.file(path.join(tmp, 'plan.json'));
    let diff: { original: string; modified: string } | undefined;
    const prompter = new ScriptedPrompter([
      {
        kind: 'message',
        modal: true,
        match: /Grant Zipher's service principal access on 1 job/,
        check: (p) => {
          assert.match(p.detail ?? '', /CAN_MANAGE on 1 job/);
          assert.match(p.detail ?? '', /CAN_ATTACH_TO on 2 instance pools/);
          assert.match(p.detail ?? '', /\d+ objects, \d+ changes, 1 job, 0 problems/);
          assert.match(p.detail ?? '', /Nothing else changes/);
          assert.deepEqual(p.choices, ['Grant', 'Review Changes', 'Export Plan…']);
        },
        answer: 'Review Changes',
      },
      { kind: 'pick', match: /Review which object/, choose: (items) => items.find((i) => i.label.includes('nightly-etl')) },
      { kind: 'message', modal: false, answer: 'Export Plan…' },
      { kind: 'pick', match: /Export/, choose: (items) => items.find((i) => i.label === 'Markdown file') },
      { kind: 'save', answer: md },
      { kind: 'message', modal: false, match: /Plan exported to .*plan\.md/, answer: 'Export Plan…' },
      { kind: 'pick', match: /Export/, choose: (items) => items.find((i) => i.label === 'JSON file') },
      { kind: 'save', answer: json },
      { kind: 'message', modal: false, match: /Plan exported to .*plan\.json/, answer: 'Review Changes' },
      { kind: 'pick', match: /Review which object/, choose: (items) => items.find((i) => /All \d+ changed objects/.test(i.label)) },
      {
        kind: 'message',
        modal: false,
        check: () => {
          const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
          assert.ok(input instanceof vscode.TabInputTextDiff, 'no diff editor is open');
          assert.equal(input.original.scheme, 'zipher-plan');
          diff = { original: input.original.toString(), modified: input.modified.toString() };
        },
        answer: 'Grant',
      },
      { kind: 'message', modal: false, match: /Zipher now manages 1 job/, answer: undefined },
    ]);
    const run = await api.plans.flow(prompter).run('grant', c, [jobId], true);
    assert.deepEqual(run.outcomes.map((o) => [o.jobId, o.status]), [[jobId, 'granted']]);
    await run.followUp;
    prompter.assertDone();

    // the combined diff: before without Zipher, after with it on every changed object
    assert.ok(diff);
    const before = (await vscode.workspace.openTextDocument(vscode.Uri.parse(diff.original))).getText();
    const after = (await vscode.workspace.openTextDocument(vscode.Uri.parse(diff.modified))).getText();
    assert.ok(!before.includes(APP), before);
    assert.match(after, new RegExp(`service-principal ${APP}.*: CAN_MANAGE`));
    assert.match(after, /## job `nightly-etl`/);

    const markdown = fs.readFileSync(md.fsPath, 'utf8');
    assert.match(markdown, /^# Zipher access: grant plan/);
    assert.match(markdown, /nightly-etl/);
    const plan = JSON.parse(fs.readFileSync(json.fsPath, 'utf8'));
    assert.equal(plan.kind, 'grant');
    assert.deepEqual(plan.jobs.map((j: { jobId: number }) => j.jobId), [jobId]);
    assert.ok(plan.objects.every((o: object) => !('observed' in o)), 'raw ACLs leaked into the export');
    for (const secret of [DEMO.adminToken, DEMO.zipherSecret]) assert.ok(!markdown.includes(secret) && !JSON.stringify(plan).includes(secret));

    assert.equal(zipherLevel(fake, jobId, APP), 'CAN_MANAGE');
    assert.equal(objectZipherLevel(fake, 'instancePools', POOLS.general), 'CAN_ATTACH_TO');
    assert.equal(othersEverywhere(fake), others, 'another principal or an owner changed');
  });

  it('zipher-plan: documents serve renderAclText of each object, before and after', async () => {
    const jobId = jobIdByName(fake, 'daily-report-sql');
    const plan = await c.access!.planGrant([jobId]);
    const id = api.plans.documents.add(plan);
    for (let i = 0; i < plan.objects.length; i++) {
      const op = plan.objects[i];
      for (const side of ['before', 'after'] as const) {
        const doc = await vscode.workspace.openTextDocument(api.plans.documents.objectUri(id, i, side));
        assert.equal(doc.uri.scheme, 'zipher-plan');
        assert.equal(doc.getText(), renderAclText(side === 'before' ? op.before : op.after));
      }
    }
    const job = plan.objects.findIndex((o) => o.object.kind === 'job');
    const jobAfter = (await vscode.workspace.openTextDocument(api.plans.documents.objectUri(id, job, 'after'))).getText();
    assert.match(jobAfter, /IS_OWNER/);
    assert.match(jobAfter, new RegExp(`service-principal ${APP}.*: CAN_MANAGE`));
  });

  it('cancelling the review writes nothing', async () => {
    const jobId = jobIdByName(fake, 'daily-report-sql');
    const before = writes(fake);
    const prompter = new ScriptedPrompter([{ kind: 'message', modal: true, answer: undefined }]);
    await assert.rejects(api.plans.flow(prompter).run('grant', c, [jobId], true), (e: Error) => e.name === 'UserCancelled');
    prompter.assertDone();
    assert.equal(writes(fake), before);
    assert.equal(zipherLevel(fake, jobId, APP), undefined);
  });

  it('a write that fails is reported with "Retry Failed", which retries only that object', async () => {
    const jobId = jobIdByName(fake, 'customer-360-refresh');
    fake.faults.inject({
      match: `PATCH /api/2.0/permissions/jobs/${jobId}`,
      kind: { type: 'status', status: 500, body: JSON.stringify({ error_code: 'INTERNAL_ERROR', message: 'Injected failure.' }), contentType: 'application/json' },
    });
    const prompter = new ScriptedPrompter([
      { kind: 'message', modal: false, match: /1 failed/, check: (p) => assert.deepEqual(p.choices, ['Retry Failed', 'Show Details']), answer: 'Retry Failed' },
      { kind: 'message', modal: false, match: /Zipher now manages 1 job/, answer: undefined },
    ]);
    const run = await api.plans.flow(prompter).run('grant', c, [jobId], false);
    assert.deepEqual(run.outcomes.map((o) => o.status), ['failed']);
    assert.equal(run.result.status, 'partial');
    const sharedBefore = fake.calls.filter((x) => x.method !== 'GET' && x.path.includes(CLUSTERS.sharedEtl)).length;
    const final: JobOutcome[] = await run.followUp;
    prompter.assertDone();
    assert.deepEqual(final.map((o) => o.status), ['granted']);
    // the cluster was granted the first time: the retry did not write it again
    assert.equal(fake.calls.filter((x) => x.method !== 'GET' && x.path.includes(CLUSTERS.sharedEtl)).length, sharedBefore);
    assert.equal(zipherLevel(fake, jobId, APP), 'CAN_MANAGE');
    assert.equal(othersEverywhere(fake), others, 'another principal or an owner changed');
  });

  it('drift: a grant removed behind our back shows on the row and in the status bar; Reconcile puts it back', async () => {
    const jobId = jobIdByName(fake, 'customer-360-refresh');
    const job = fake.state.jobs.get(jobId)!;
    job.acl = job.acl.filter((e) => e.service_principal_name !== APP);
    await vscode.commands.executeCommand('zipher.refresh', { host: fake.url });
    const row = await waitFor('drift on the row', () => {
      // the tree loads it when visible; load() again after it finished would start over
      if (c.inventory?.status === 'idle') void c.inventory.load({ priority: 'user' });
      const r = c.inventory?.status === 'loaded' ? c.inventory.row(jobId) : undefined;
      return r?.drift?.length ? r : undefined;
    });
    assert.deepEqual(row.drift!.map((d) => d.kind), ['grant-removed']);
    const node = await waitFor('tree node', () => {
      api.tree.snapshot();
      return api.tree.jobNode(fake.url, jobId);
    });
    const item = api.tree.getTreeItem(node);
    assert.equal(item.contextValue, 'zipherJob+none+drift');
    assert.match(String(item.description), /drift/);
    assert.match(tooltipOf(item), /removed outside the extension/);
    assert.equal((item.iconPath as vscode.ThemeIcon).id, 'warning');
    let snap = api.refreshStatusBar();
    assert.equal(snap.level, 'degraded', snap.tooltip);
    assert.match(snap.tooltip, /1 change made outside Zipher \(drift\)/);

    const prompter = new ScriptedPrompter([
      { kind: 'message', modal: true, match: /Reconcile Zipher's access on 1 job/, check: (p) => assert.match(p.detail ?? '', /Add CAN_MANAGE on 1 job/), answer: 'Reconcile' },
      { kind: 'message', modal: false, match: /Zipher now manages 1 job/, answer: undefined },
    ]);
    const run = await api.plans.flow(prompter).run('reconcile', c, [jobId], true);
    await run.followUp;
    prompter.assertDone();
    assert.deepEqual(run.outcomes.map((o) => o.status), ['granted']);
    assert.equal(zipherLevel(fake, jobId, APP), 'CAN_MANAGE');
    assert.equal(c.inventory!.row(jobId)?.drift, undefined);
    await waitFor('row repainted', () => api.tree.getTreeItem(node).contextValue === 'zipherJob+managed');
    snap = api.refreshStatusBar();
    assert.equal(snap.level, 'healthy', snap.tooltip);
    assert.equal(othersEverywhere(fake), others, 'another principal or an owner changed');
  });

  it('a level lowered behind our back is drift too, and zipher.reconcile {jobIds} fixes it without prompts', async () => {
    const jobId = jobIdByName(fake, 'customer-360-refresh');
    fake.state.jobs.get(jobId)!.acl.find((e) => e.service_principal_name === APP)!.permission_level = 'CAN_VIEW';
    await c.inventory!.refreshJobs([jobId]);
    assert.deepEqual(c.inventory!.row(jobId)?.drift?.map((d) => d.kind), ['level-changed']);
    assert.match(api.tree.getTreeItem(api.tree.jobNode(fake.url, jobId)!).contextValue ?? '', /^zipherJob\+partial\+drift$/);
    const outcomes = await vscode.commands.executeCommand<JobOutcome[]>('zipher.reconcile', { host: fake.url, jobIds: [jobId] });
    assert.deepEqual(outcomes.map((o) => o.status), ['granted']);
    assert.equal(zipherLevel(fake, jobId, APP), 'CAN_MANAGE');
    assert.equal(c.inventory!.row(jobId)?.drift, undefined);
    assert.equal(othersEverywhere(fake), others, 'another principal or an owner changed');
  });

  it('revoke through the review takes back exactly our grants; a cluster another granted job needs stays', async () => {
    const jobId = jobIdByName(fake, 'nightly-etl');
    const prompter = new ScriptedPrompter([
      { kind: 'message', modal: true, match: /Remove Zipher's access from 1 job/, check: (p) => assert.match(p.detail ?? '', /Only Zipher's own entries/), answer: 'Revoke' },
      { kind: 'message', modal: false, match: /Zipher's access removed from 1 job/, answer: undefined },
    ]);
    const run = await api.plans.flow(prompter).run('revoke', c, [jobId], true);
    await run.followUp;
    prompter.assertDone();
    assert.deepEqual(run.outcomes.map((o) => o.status), ['revoked']);
    assert.equal(zipherLevel(fake, jobId, APP), undefined);
    for (const id of [POOLS.general, POOLS.driver]) assert.deepEqual(fake.state.instancePools.get(id)!.acl, initial.instancePools.get(id)!.acl);
    assert.deepEqual(fake.state.clusterPolicies.get(POLICIES.jobCompute)!.acl, initial.clusterPolicies.get(POLICIES.jobCompute)!.acl);
    assert.ok(objectZipherLevel(fake, 'clusters', CLUSTERS.sharedEtl), 'the shared cluster customer-360-refresh still needs lost Zipher');
    assert.equal(othersEverywhere(fake), others, 'another principal or an owner changed');
  });

  it('zipher.grants.* settings reach the access service', async () => {
    assert.equal(c.access?.context.options.includeWarehouses, false);
    await vscode.workspace.getConfiguration('zipher.grants').update('includeWarehouses', true, vscode.ConfigurationTarget.Global);
    const access = await waitFor('rebuilt access service', () => (api.connections.get(fake.url)?.access?.context.options.includeWarehouses ? api.connections.get(fake.url)!.access : undefined));
    const plan = await access.planGrant([jobIdByName(fake, 'daily-report-sql')]);
    assert.ok(plan.objects.some((o) => o.object.kind === 'warehouse'), 'no warehouse in the plan');
  });
});
