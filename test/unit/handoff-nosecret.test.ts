import * as assert from 'node:assert/strict';
import { createWorkspaceClient, type WorkspaceApi } from '../../src/databricks';
import { checkConnection, lookupServicePrincipal } from '../../src/onboarding/connectionCheck';
import { buildHandoff, type HandoffInput, type HandoffJob } from '../../src/onboarding/handoff';
import type { ZipherPrincipal } from '../../src/onboarding/model';
import { renderVerifyMarkdown, verifyConnectivity } from '../../src/onboarding/verify';
import { DEMO, defaultSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';

const RETRY = { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 };

function pat(host: string, token: string): Promise<WorkspaceApi> {
  return createWorkspaceClient({ host, auth: { type: 'pat', token }, retry: RETRY, timeoutMs: 5000 });
}

/** Zipher's level on each job, read live through the admin client. */
async function liveJobs(api: WorkspaceApi, jobIds: number[]): Promise<HandoffJob[]> {
  return Promise.all(
    jobIds.map(async (jobId) => {
      const [job, perms] = await Promise.all([api.getJob(jobId), api.getPermissions('jobs', String(jobId))]);
      const entry = perms.access_control_list.find((e) => e.service_principal_name === DEMO.zipherAppId);
      return { jobId, name: job.settings.name, zipherLevel: entry?.all_permissions.find((p) => !p.inherited)?.permission_level };
    }),
  );
}

describe('handoff from the live workspace (real HTTP)', () => {
  let fake: FakeWorkspace;
  let admin: WorkspaceApi;
  let targets: number[];

  before(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    admin = await pat(fake.url, DEMO.adminToken);
    targets = [...fake.state.jobs.values()]
      .filter((j) => j.acl.some((e) => e.service_principal_name === DEMO.zipherAppId && e.permission_level === 'CAN_MANAGE'))
      .map((j) => j.job_id);
  });
  after(async () => {
    await fake.stop();
  });

  async function liveInput(): Promise<HandoffInput> {
    const conn = await checkConnection(admin);
    assert.ok(conn.ok);
    const lookup = await lookupServicePrincipal(admin, DEMO.zipherAppId);
    assert.ok(lookup.found);
    const principal: ZipherPrincipal = { applicationId: lookup.sp.applicationId, displayName: lookup.sp.displayName, scimId: lookup.sp.id };
    const verify = await verifyConnectivity({
      api: admin,
      principal,
      connectAsServicePrincipal: () =>
        createWorkspaceClient({ host: fake.url, auth: { type: 'oauth-m2m', clientId: DEMO.zipherAppId, clientSecret: DEMO.zipherSecret }, retry: RETRY }),
      targetJobIds: targets,
    });
    assert.equal(verify.status, 'healthy', renderVerifyMarkdown(verify));
    const secrets = await admin.listWorkspaceSpSecrets(lookup.sp.id);
    return {
      host: admin.host,
      workspaceId: conn.workspaceId,
      principal,
      spInWorkspace: true,
      secretStored: true,
      secretExpiresAt: secrets[0]?.expire_time,
      jobs: await liveJobs(admin, targets),
      verify,
      preparedBy: conn.identity.userName,
    };
  }

  it('carries the URL, application id, jobs with names and levels, and a fully ticked checklist', async () => {
    const handoff = buildHandoff(await liveInput());
    assert.match(handoff.markdown, new RegExp(`\\*\\*Workspace URL:\\*\\* ${fake.url.replace(/\./g, '\\.')} \\(workspace id ${DEMO.workspaceId}\\)`));
    assert.match(handoff.markdown, new RegExp(`\`${DEMO.zipherAppId}\` \\(${DEMO.zipherDisplayName}\\)`));
    for (const jobId of targets) {
      const name = fake.state.jobs.get(jobId)!.settings.name as string;
      assert.match(handoff.markdown, new RegExp(`\\| ${jobId} \\| ${name} \\| CAN_MANAGE \\|`));
    }
    assert.deepEqual(
      handoff.json.checklist.map((c) => [c.id, c.status]),
      [
        ['sp-exists', 'done'],
        ['secret-stored', 'done'],
        ['sp-in-workspace', 'done'],
        ['jobs-managed', 'done'],
        ['egress-ips', 'not-checked'],
        ['connectivity', 'done'],
      ],
    );
    assert.ok(handoff.json.oauthSecret.expiresAt, 'expiry read from the workspace');
    assert.match(handoff.markdown, /send it separately/);
  });

  it('never contains the SP secret, whatever input it is smuggled into', async () => {
    const secret = DEMO.zipherSecret;
    const input = await liveInput();
    // A failed SP login whose callback error message carries the secret, and a wrong secret.
    const leakyVerify = await verifyConnectivity({
      api: admin,
      principal: input.principal,
      connectAsServicePrincipal: () => Promise.reject(new Error(`could not build client with secret ${secret}`)),
      targetJobIds: targets,
    });
    const wrongVerify = await verifyConnectivity({
      api: admin,
      principal: input.principal,
      connectAsServicePrincipal: () =>
        createWorkspaceClient({ host: fake.url, auth: { type: 'oauth-m2m', clientId: DEMO.zipherAppId, clientSecret: `${secret}-x` }, retry: RETRY }),
      targetJobIds: targets,
    });
    assert.equal(leakyVerify.checks.find((c) => c.id === 'sp-oauth-token')?.status, 'fail');
    assert.equal(wrongVerify.checks.find((c) => c.id === 'sp-oauth-token')?.status, 'fail');

    const smuggled = {
      ...input,
      principal: { ...input.principal!, secret, clientSecret: secret } as ZipherPrincipal,
      jobs: input.jobs.map((j) => ({ ...j, secret }) as HandoffJob),
      objects: [{ kind: 'secret-scope' as const, id: 'ml-secrets', level: 'READ', value: secret }],
      secret,
      clientSecret: secret,
      oauthSecret: secret,
    };
    // @ts-expect-error buildHandoff has no parameter a secret could be passed in
    const typed = buildHandoff({ ...input, clientSecret: secret });
    const outputs = [
      typed,
      buildHandoff(smuggled),
      buildHandoff({ ...input, verify: leakyVerify }),
      buildHandoff({ ...input, verify: wrongVerify }),
    ];
    for (const out of outputs) {
      assert.ok(!out.markdown.includes(secret), 'markdown leaks the secret');
      assert.ok(!JSON.stringify(out.json).includes(secret), 'json leaks the secret');
    }
    for (const report of [leakyVerify, wrongVerify]) {
      assert.ok(!JSON.stringify(report).includes(secret));
      assert.ok(!renderVerifyMarkdown(report).includes(secret));
    }
  });

  it('ticks "CAN_MANAGE on all target jobs" off when a grant disappears', async () => {
    const jobId = targets[0]!;
    const job = fake.state.jobs.get(jobId)!;
    const before = job.acl;
    job.acl = before.filter((e) => e.service_principal_name !== DEMO.zipherAppId);
    try {
      const jobs = await liveJobs(admin, targets);
      const handoff = buildHandoff({ host: admin.host, principal: { applicationId: DEMO.zipherAppId }, secretStored: false, jobs });
      const item = handoff.json.checklist.find((c) => c.id === 'jobs-managed')!;
      assert.equal(item.status, 'missing');
      assert.match(item.detail, new RegExp(`Missing on 1 of ${targets.length}: ${jobId}\\.`));
      assert.match(handoff.markdown, new RegExp(`\\| ${jobId} \\| [^|]+ \\| none \\(needs CAN_MANAGE\\) \\|`));
    } finally {
      job.acl = before;
    }
  });
});
