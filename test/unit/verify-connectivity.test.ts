import * as assert from 'node:assert/strict';
import { createWorkspaceClient, type WorkspaceApi } from '../../src/databricks';
import type { ZipherPrincipal } from '../../src/onboarding/model';
import { CHECK_IDS, renderVerifyMarkdown, verifyConnectivity, type CheckResult, type VerifyInput, type VerifyReport } from '../../src/onboarding/verify';
import { DEMO, defaultSeed, scaleSeed, startFakeWorkspace, type FakeWorkspace, type FakeWorkspaceSeed } from '../fake-workspace';

const RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 };
const ZIPHER: ZipherPrincipal = { applicationId: DEMO.zipherAppId, displayName: DEMO.zipherDisplayName, scimId: DEMO.zipherScimId };

function pat(host: string, token: string): Promise<WorkspaceApi> {
  return createWorkspaceClient({ host, auth: { type: 'pat', token }, retry: RETRY, timeoutMs: 5000 });
}

function asSp(host: string, clientId: string, clientSecret: string): () => Promise<WorkspaceApi> {
  return () => createWorkspaceClient({ host, auth: { type: 'oauth-m2m', clientId, clientSecret }, retry: RETRY, timeoutMs: 5000 });
}

function check(report: VerifyReport, id: string): CheckResult {
  const found = report.checks.find((c) => c.id === id);
  assert.ok(found, `check ${id} in ${report.checks.map((c) => c.id).join(', ')}`);
  return found;
}

function statuses(report: VerifyReport): Record<string, string> {
  return Object.fromEntries(report.checks.map((c) => [c.id, c.status]));
}

/** Jobs on which the seed already gives Zipher CAN_MANAGE. */
function managedJobIds(fake: FakeWorkspace): number[] {
  return [...fake.state.jobs.values()]
    .filter((j) => j.acl.some((e) => e.service_principal_name === DEMO.zipherAppId && e.permission_level === 'CAN_MANAGE'))
    .map((j) => j.job_id)
    .sort((a, b) => a - b);
}

async function withFake(seed: FakeWorkspaceSeed, run: (fake: FakeWorkspace) => Promise<void>): Promise<void> {
  const fake = await startFakeWorkspace({ seed });
  try {
    await run(fake);
  } finally {
    await fake.stop();
  }
}

describe('verifyConnectivity (real HTTP, default seed)', () => {
  let fake: FakeWorkspace;
  let admin: WorkspaceApi;
  let targets: number[];

  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    admin = await pat(fake.url, DEMO.adminToken);
    targets = managedJobIds(fake);
    assert.ok(targets.length >= 3, 'the seed has jobs Zipher manages');
  });
  afterEach(async () => {
    await fake.stop();
  });

  function input(extra: Partial<VerifyInput> = {}): VerifyInput {
    return {
      api: admin,
      principal: ZIPHER,
      connectAsServicePrincipal: asSp(fake.url, DEMO.zipherAppId, DEMO.zipherSecret),
      targetJobIds: targets,
      ...extra,
    };
  }

  it('passes every check when Zipher has CAN_MANAGE on the target jobs', async () => {
    const report = await verifyConnectivity(input());
    assert.equal(report.host, fake.url);
    assert.ok(!Number.isNaN(Date.parse(report.time)));
    assert.deepEqual(statuses(report), {
      [CHECK_IDS.reachable]: 'pass',
      [CHECK_IDS.identity]: 'pass',
      [CHECK_IDS.spConfigured]: 'pass',
      [CHECK_IDS.spInWorkspace]: 'pass',
      [CHECK_IDS.spToken]: 'pass',
      [CHECK_IDS.spReach]: 'pass',
      [CHECK_IDS.jobGrants]: 'pass',
      [CHECK_IDS.spJobAccess]: 'pass',
      [CHECK_IDS.notOwner]: 'pass',
    });
    assert.equal(report.status, 'healthy');
    assert.match(check(report, CHECK_IDS.identity).detail, new RegExp(`${DEMO.adminUser}\\), a workspace admin`));
    assert.match(check(report, CHECK_IDS.spToken).detail, new RegExp(`answers as ${DEMO.zipherAppId}`));
    assert.match(check(report, CHECK_IDS.jobGrants).detail, new RegExp(`all ${targets.length} target jobs`));
    // The SP really called the workspace with its own token.
    const spCalls = fake.calls.filter((c) => c.principal === DEMO.zipherAppId);
    assert.ok(spCalls.some((c) => c.path.includes('/workspace/list')));
    assert.equal(spCalls.filter((c) => c.path.includes('/jobs/get')).length >= targets.length, true);
  });

  it('fails the grant check with the job id when one job lost its grant', async () => {
    const lost = targets[1]!;
    const job = fake.state.jobs.get(lost)!;
    job.acl = job.acl.filter((e) => e.service_principal_name !== DEMO.zipherAppId);
    const report = await verifyConnectivity(input());
    const grants = check(report, CHECK_IDS.jobGrants);
    assert.equal(grants.status, 'fail');
    assert.match(grants.detail, new RegExp(`lacks CAN_MANAGE on 1 of ${targets.length} jobs: ${lost} \\(no entry\\)`));
    assert.match(grants.action ?? '', /Grant Zipher Access/);
    const spJobs = check(report, CHECK_IDS.spJobAccess);
    assert.equal(spJobs.status, 'fail');
    assert.match(spJobs.detail, new RegExp(`refused access to 1 job: ${lost}\\.`));
    assert.equal(report.status, 'error');
    assert.equal(check(report, CHECK_IDS.spToken).status, 'pass');
  });

  it('names the lower level Zipher holds and a job that no longer exists', async () => {
    const partial = [...fake.state.jobs.values()].find((j) =>
      j.acl.some((e) => e.service_principal_name === DEMO.zipherAppId && e.permission_level === 'CAN_VIEW'),
    )!;
    const report = await verifyConnectivity(input({ targetJobIds: [...targets, partial.job_id, 999_999] }));
    const grants = check(report, CHECK_IDS.jobGrants);
    assert.equal(grants.status, 'fail');
    assert.match(grants.detail, new RegExp(`${partial.job_id} \\(CAN_VIEW\\)`));
    assert.match(grants.detail, /1 job does not exist any more: 999999/);
    // CAN_VIEW still lets the SP open the job; the deleted one it cannot.
    assert.match(check(report, CHECK_IDS.spJobAccess).detail, /1 job does not exist: 999999/);
  });

  it('fails the token check with a clear action when the SP secret is wrong, and never shows the secret', async () => {
    const wrongSecret = 'fake-zipher-secret-WRONG-4242';
    const report = await verifyConnectivity(input({ connectAsServicePrincipal: asSp(fake.url, DEMO.zipherAppId, wrongSecret) }));
    const token = check(report, CHECK_IDS.spToken);
    assert.equal(token.status, 'fail');
    assert.match(token.detail, /did not accept the client id and OAuth secret/);
    assert.match(token.action ?? '', /Generate a new OAuth secret/);
    assert.equal(check(report, CHECK_IDS.spReach).status, 'skipped');
    assert.equal(check(report, CHECK_IDS.spJobAccess).status, 'skipped');
    // the admin-side checks still ran
    assert.equal(check(report, CHECK_IDS.jobGrants).status, 'pass');
    assert.equal(report.status, 'error');
    const text = JSON.stringify(report) + renderVerifyMarkdown(report);
    assert.ok(!text.includes(wrongSecret));
    assert.ok(!text.includes(DEMO.zipherSecret));
  });

  it('fails when the SP is not in the workspace, from SCIM and from its own login', async () => {
    const outsider: ZipherPrincipal = { applicationId: DEMO.outsiderAppId };
    const report = await verifyConnectivity(
      input({ principal: outsider, connectAsServicePrincipal: asSp(fake.url, DEMO.outsiderAppId, DEMO.outsiderSecret) }),
    );
    const inWs = check(report, CHECK_IDS.spInWorkspace);
    assert.equal(inWs.status, 'fail');
    assert.match(inWs.detail, /No service principal with application id/);
    assert.match(inWs.action ?? '', /add the service principal as a User/);
    const token = check(report, CHECK_IDS.spToken);
    assert.equal(token.status, 'fail');
    assert.match(token.detail, /not added to this workspace/);
    assert.equal(check(report, CHECK_IDS.jobGrants).status, 'fail');
  });

  it('skips the SP login checks when no secret is stored, and says how to include them', async () => {
    const report = await verifyConnectivity(input({ connectAsServicePrincipal: undefined }));
    const token = check(report, CHECK_IDS.spToken);
    assert.equal(token.status, 'skipped');
    assert.match(token.detail, /OAuth secret is not stored/);
    assert.equal(check(report, CHECK_IDS.jobGrants).status, 'pass');
    assert.equal(report.status, 'healthy');
  });

  it('fails "SP set" and skips what depends on it when no principal is configured', async () => {
    const report = await verifyConnectivity(input({ principal: undefined, connectAsServicePrincipal: undefined }));
    const sp = check(report, CHECK_IDS.spConfigured);
    assert.equal(sp.status, 'fail');
    assert.match(sp.action ?? '', /Set Service Principal/);
    for (const id of [CHECK_IDS.spInWorkspace, CHECK_IDS.spToken, CHECK_IDS.jobGrants, CHECK_IDS.notOwner]) {
      assert.equal(check(report, id).status, 'skipped', id);
    }
    assert.equal(check(report, CHECK_IDS.reachable).status, 'pass');
    assert.equal(report.status, 'error');
  });

  it('fails when Zipher is the owner of a job', async () => {
    const jobId = targets[0]!;
    const job = fake.state.jobs.get(jobId)!;
    job.acl = job.acl
      .filter((e) => e.permission_level !== 'IS_OWNER' && e.service_principal_name !== DEMO.zipherAppId)
      .concat({ service_principal_name: DEMO.zipherAppId, permission_level: 'IS_OWNER' });
    const report = await verifyConnectivity(input());
    const owner = check(report, CHECK_IDS.notOwner);
    assert.equal(owner.status, 'fail');
    assert.match(owner.detail, new RegExp(`owner \\(IS_OWNER\\) of 1 job: ${jobId}\\.`));
    assert.equal(check(report, CHECK_IDS.jobGrants).status, 'pass', 'IS_OWNER includes CAN_MANAGE');
  });

  it('warns when connected as a non-admin who cannot read some job ACLs', async () => {
    const maria = await pat(fake.url, DEMO.nonAdminToken);
    const report = await verifyConnectivity(input({ api: maria }));
    const identity = check(report, CHECK_IDS.identity);
    assert.equal(identity.status, 'warn');
    assert.match(identity.detail, /not a workspace admin/);
    const grants = check(report, CHECK_IDS.jobGrants);
    // Maria manages some of Zipher's jobs but not all: the others are unknown, not failures.
    assert.equal(grants.status, 'warn', grants.detail);
    assert.match(grants.detail, /permissions of \d+ jobs? could not be read \(you need workspace admin or CAN_MANAGE/);
    assert.match(grants.action ?? '', /workspace admin/);
    assert.equal(check(report, CHECK_IDS.spJobAccess).status, 'pass');
    assert.equal(report.status, 'degraded');
  });

  it('explains an IP block on the SP\'s address', async () => {
    fake.state.callerIps.set(DEMO.zipherAppId, '203.0.113.9');
    fake.state.ipAccessLists.set('blk', {
      list_id: 'blk',
      label: 'blocked',
      list_type: 'BLOCK',
      ip_addresses: ['203.0.113.9'],
      enabled: true,
      created_at: 0,
      updated_at: 0,
    });
    fake.state.workspaceConf.set('enableIpAccessLists', 'true');
    const report = await verifyConnectivity(input());
    assert.equal(check(report, CHECK_IDS.reachable).status, 'pass');
    const token = check(report, CHECK_IDS.spToken);
    assert.equal(token.status, 'fail');
    assert.match(token.detail, /blocked the service principal's request from this machine's IP address/);
    assert.match(token.action ?? '', /egress IPs/);
  });

  it('stops early and says so when cancelled', async () => {
    const controller = new AbortController();
    controller.abort();
    const report = await verifyConnectivity(input({ signal: controller.signal }));
    assert.equal(report.cancelled, true);
    assert.notEqual(report.status, 'healthy');
    // only the local "SP set" check can finish without the network
    assert.deepEqual(
      report.checks.filter((c) => c.status === 'pass').map((c) => c.id),
      [CHECK_IDS.spConfigured],
    );
  });

  it('renders a Markdown report with each check and what to do', async () => {
    const job = fake.state.jobs.get(targets[0]!)!;
    job.acl = job.acl.filter((e) => e.service_principal_name !== DEMO.zipherAppId);
    const md = renderVerifyMarkdown(await verifyConnectivity(input()));
    assert.match(md, /^# Zipher connectivity check: Problems found/);
    assert.match(md, new RegExp(`- Workspace: ${fake.url.replace(/\./g, '\\.')}`));
    assert.match(md, /\| ✅ \| Workspace API reachable \|/);
    assert.match(md, /\| ❌ \| Zipher holds CAN_MANAGE on the \d+ target jobs \|/);
    assert.match(md, /## What to do/);
  });
});

describe('verifyConnectivity (real HTTP, edge cases)', () => {
  it('skips every workspace check when the host is unreachable', async () => {
    const fake = await startFakeWorkspace({ seed: defaultSeed() });
    const url = fake.url;
    await fake.stop();
    const report = await verifyConnectivity({
      api: await pat(url, DEMO.adminToken),
      principal: ZIPHER,
      connectAsServicePrincipal: asSp(url, DEMO.zipherAppId, DEMO.zipherSecret),
      targetJobIds: [1, 2],
    });
    const reachable = check(report, CHECK_IDS.reachable);
    assert.equal(reachable.status, 'fail');
    assert.match(reachable.detail, /could not be reached/);
    for (const id of [CHECK_IDS.spInWorkspace, CHECK_IDS.spToken, CHECK_IDS.jobGrants, CHECK_IDS.spJobAccess]) {
      assert.equal(check(report, id).status, 'skipped', id);
    }
    assert.equal(report.status, 'error');
  });

  it('summarises many failing jobs in one check with a capped id list', async () => {
    await withFake(scaleSeed(60), async (fake) => {
      const report = await verifyConnectivity({
        api: await pat(fake.url, DEMO.adminToken),
        principal: ZIPHER,
        targetJobIds: Array.from({ length: 60 }, (_, i) => 60 - i),
      });
      const grants = report.checks.filter((c) => c.id === CHECK_IDS.jobGrants);
      assert.equal(grants.length, 1);
      assert.equal(grants[0]!.status, 'fail');
      assert.match(grants[0]!.detail, /lacks CAN_MANAGE on 60 of 60 jobs: 1 \(no entry\), 2 \(no entry\),/);
      assert.match(grants[0]!.detail, /20 \(no entry\) and 40 more\./);
      assert.ok(!grants[0]!.detail.includes('21 (no entry)'));
    });
  });

  it('warns when there are no target jobs yet', async () => {
    await withFake(defaultSeed(), async (fake) => {
      const report = await verifyConnectivity({ api: await pat(fake.url, DEMO.adminToken), principal: ZIPHER, targetJobIds: [] });
      const grants = check(report, CHECK_IDS.jobGrants);
      assert.equal(grants.status, 'warn');
      assert.match(grants.action ?? '', /Grant Zipher Access/);
      assert.equal(report.status, 'degraded');
    });
  });
});
