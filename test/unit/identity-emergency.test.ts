import * as assert from 'node:assert/strict';
import { AccessService, DEFAULT_PLAN_OPTIONS, Ledger, MemoryLedgerStore } from '../../src/onboarding';
import {
  SealedSecret,
  ZIPHER_LIST_LABEL,
  accessLedgerRevoker,
  accountSecrets,
  emergencyRevokeAll,
  renderIncidentMarkdown,
  setupChecklist,
  type EmergencyDeps,
  type IncidentReport,
} from '../../src/onboarding/identity';
import { DEMO, type FakeAclEntry, type FakeWorkspaceSeed } from '../fake-workspace';
import { startRig, type IdentityRig } from './identity-fixtures';

const NIGHTLY_ETL = 101;
const ML_FEATURE_REFRESH = 175; // Zipher already has CAN_VIEW
const CUSTOMER_360 = 508;

function withIpLists(s: FakeWorkspaceSeed): void {
  s.workspaceConf = { enableIpAccessLists: 'true' };
  s.ipAccessLists = [
    { list_id: 'office', label: 'office', list_type: 'ALLOW', ip_addresses: ['127.0.0.1', '10.0.0.0/8'], enabled: true, created_at: 1, updated_at: 1 },
    { list_id: 'zip', label: ZIPHER_LIST_LABEL, list_type: 'ALLOW', ip_addresses: ['198.51.100.7'], enabled: true, created_at: 1, updated_at: 1 },
  ];
}

const isZipher = (e: FakeAclEntry) => e.service_principal_name === DEMO.zipherAppId;

/** Every job's non-Zipher direct entries, to prove nobody else lost anything. */
function othersEntries(rig: IdentityRig): Record<number, FakeAclEntry[]> {
  const out: Record<number, FakeAclEntry[]> = {};
  for (const j of rig.fake.state.jobs.values()) out[j.job_id] = structuredClone(j.acl.filter((e) => !isZipher(e)));
  return out;
}

function jobsWithZipher(rig: IdentityRig): number[] {
  return [...rig.fake.state.jobs.values()].filter((j) => j.acl.some(isZipher)).map((j) => j.job_id);
}

async function grantThroughAccessService(rig: IdentityRig, jobIds: number[]): Promise<AccessService> {
  const service = new AccessService({
    api: rig.workspace,
    principal: { applicationId: DEMO.zipherAppId, displayName: DEMO.zipherDisplayName, scimId: DEMO.zipherScimId },
    ledger: new Ledger(new MemoryLedgerStore()),
    options: DEFAULT_PLAN_OPTIONS,
    actor: DEMO.adminUser,
  });
  const applied = await service.apply(await service.planGrant(jobIds));
  assert.deepEqual(applied.jobs.map((j) => j.status), jobIds.map(() => 'granted'));
  return service;
}

function baseDeps(rig: IdentityRig, extra: Partial<EmergencyDeps> = {}): EmergencyDeps {
  return {
    workspace: rig.workspace,
    account: rig.account,
    sp: { id: DEMO.zipherScimId, applicationId: DEMO.zipherAppId },
    secrets: accountSecrets(rig.account),
    tryToken: rig.tryToken,
    knownSecrets: [new SealedSecret(DEMO.zipherSecret)],
    concurrency: 6,
    ...extra,
  };
}

const statusOf = (r: IncidentReport) => Object.fromEntries([...r.steps.map((s) => [s.name, s.status]), ...r.proof.map((p) => [`proof:${p.name}`, p.status])]);

describe('identity: emergency revocation', function () {
  // Each test starts its own fake workspace and scans its jobs over HTTP.
  this.timeout(15_000);
  let rig: IdentityRig;
  afterEach(async () => rig.fake.stop());

  it('removes secrets, recorded grants, every other job entry and the IP list, deactivates, and proves it', async () => {
    rig = await startRig(withIpLists);
    const service = await grantThroughAccessService(rig, [NIGHTLY_ETL, CUSTOMER_360]);
    assert.ok(jobsWithZipher(rig).length >= 8);
    const others = othersEntries(rig);
    const seen: string[] = [];
    const report = await emergencyRevokeAll(baseDeps(rig, { ledger: accessLedgerRevoker(service), deactivate: true, onStep: (s) => seen.push(s.name) }));

    assert.deepEqual(seen, ['delete-secrets', 'revoke-ledger-grants', 'remove-direct-job-entries', 'remove-ip-allow-list', 'deactivate-sp']);
    assert.deepEqual(statusOf(report), {
      'delete-secrets': 'done',
      'revoke-ledger-grants': 'done',
      'remove-direct-job-entries': 'done',
      'remove-ip-allow-list': 'done',
      'deactivate-sp': 'done',
      'proof:token-refused': 'passed',
      'proof:no-secrets-listed': 'passed',
      'proof:no-job-acl': 'passed',
      'proof:ledger-objects-clear': 'passed',
      'proof:ip-list-gone': 'passed',
      'proof:sp-deactivated': 'passed',
    });
    assert.deepEqual(report.remaining, []);
    assert.deepEqual(jobsWithZipher(rig), []);
    assert.deepEqual(othersEntries(rig), others, 'no one else lost an entry, and every owner stayed');
    assert.deepEqual([...rig.fake.state.ipAccessLists.keys()], ['office']);
    assert.equal(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)?.active, false);
    assert.deepEqual(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)?.secrets, []);
    for (const s of report.steps) assert.ok(Date.parse(s.startedAt) <= Date.parse(s.finishedAt));

    const md = renderIncidentMarkdown(report);
    assert.match(md, /all access removed and proven/);
    assert.match(md, new RegExp(report.steps[0].startedAt.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')));
    assert.ok(!md.includes(DEMO.zipherSecret));
  });

  it('runs every step even when one fails, and the report says what is left', async () => {
    rig = await startRig(withIpLists);
    rig.fake.faults.inject({ match: 'DELETE /api/2.0/ip-access-lists/', times: 10, kind: { type: 'status', status: 500, body: '{"error_code":"INTERNAL_ERROR","message":"boom"}', contentType: 'application/json' } });
    const report = await emergencyRevokeAll(baseDeps(rig, { secrets: undefined, deactivate: true }));
    const st = statusOf(report);
    assert.equal(st['delete-secrets'], 'skipped');
    assert.equal(st['remove-direct-job-entries'], 'done');
    assert.equal(st['remove-ip-allow-list'], 'failed');
    assert.equal(st['deactivate-sp'], 'done', 'a failed step does not stop the next');
    assert.equal(st['proof:ip-list-gone'], 'failed');
    assert.equal(st['proof:no-job-acl'], 'passed');
    assert.equal(st['proof:no-secrets-listed'], 'unknown');
    // Deactivation alone already makes the token endpoint refuse the secret.
    assert.equal(st['proof:token-refused'], 'passed');
    assert.ok(report.remaining.some((r) => /OAuth secrets were not deleted/.test(r)));
    assert.ok(report.remaining.some((r) => /Remove Zipher IP allow list/.test(r)));
    assert.ok(report.remaining.some((r) => /IP allow list gone — FAILED/.test(r)));
    assert.ok(rig.fake.state.ipAccessLists.has('zip'));
    assert.deepEqual(jobsWithZipher(rig), []);
    assert.match(renderIncidentMarkdown(report), /item\(s\) need attention/);
  });

  it('fails the proof when access was not really removed (a secret and an entry put back behind its back)', async () => {
    rig = await startRig();
    const report = await emergencyRevokeAll(
      baseDeps(rig, {
        onStep: (s) => {
          if (s.name !== 'remove-ip-allow-list') return;
          rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.push({ id: 'again', secret: DEMO.zipherSecret });
          rig.fake.state.jobs.get(NIGHTLY_ETL)!.acl.push({ service_principal_name: DEMO.zipherAppId, permission_level: 'CAN_MANAGE' });
        },
      }),
    );
    const st = statusOf(report);
    assert.equal(st['delete-secrets'], 'done');
    assert.equal(st['remove-direct-job-entries'], 'done');
    assert.equal(st['proof:token-refused'], 'failed');
    assert.equal(st['proof:no-secrets-listed'], 'failed');
    assert.equal(st['proof:no-job-acl'], 'failed');
    assert.match(report.proof.find((p) => p.name === 'no-job-acl')!.detail, new RegExp(`${NIGHTLY_ETL} \\(CAN_MANAGE\\)`));
    assert.ok(report.remaining.some((r) => /yield a token/.test(r)));
    assert.ok(report.remaining.some((r) => /Still on 1 job/.test(r)));
  });

  it('fails the ledger proof when a recorded dependency keeps the grant', async () => {
    rig = await startRig();
    const service = await grantThroughAccessService(rig, [NIGHTLY_ETL]);
    const objects = [...(await service.context.ledger.grants(rig.workspace.host, DEMO.zipherAppId)).values()].map((g) => g.object);
    const dependency = objects.find((o) => o.kind !== 'job' && o.kind !== 'secret-scope');
    assert.ok(dependency, 'nightly-etl has a recorded dependency');
    const revoker = accessLedgerRevoker(service);
    const report = await emergencyRevokeAll(
      baseDeps(rig, {
        ledger: revoker,
        onStep: (s) => {
          if (s.name !== 'revoke-ledger-grants') return;
          const map = { cluster: rig.fake.state.clusters, 'instance-pool': rig.fake.state.instancePools, 'cluster-policy': rig.fake.state.clusterPolicies } as const;
          const obj = map[dependency.kind as keyof typeof map].get(dependency.id)!;
          obj.acl.push({ service_principal_name: DEMO.zipherAppId, permission_level: dependency.kind === 'cluster-policy' ? 'CAN_USE' : 'CAN_ATTACH_TO' });
        },
      }),
    );
    assert.equal(statusOf(report)['proof:ledger-objects-clear'], 'failed');
    assert.ok(report.remaining.some((r) => r.includes(dependency.id) || (dependency.label !== undefined && r.includes(dependency.label))));
  });

  it('keeps an entry someone else adds between our read and our write', async () => {
    rig = await startRig();
    rig.fake.onceAfterPermissionsRead('jobs', String(ML_FEATURE_REFRESH), (s) => {
      s.jobs.get(ML_FEATURE_REFRESH)!.acl.push({ user_name: 'sam.chen@example.com', permission_level: 'CAN_MANAGE_RUN' });
    });
    const report = await emergencyRevokeAll(baseDeps(rig));
    assert.equal(statusOf(report)['remove-direct-job-entries'], 'done');
    const acl = rig.fake.state.jobs.get(ML_FEATURE_REFRESH)!.acl;
    assert.ok(acl.some((e) => e.user_name === 'sam.chen@example.com' && e.permission_level === 'CAN_MANAGE_RUN'));
    assert.ok(!acl.some(isZipher));
  });

  it('reports a job the SP owns instead of breaking its ownership', async () => {
    rig = await startRig();
    const job = rig.fake.state.jobs.get(CUSTOMER_360)!;
    job.acl = [...job.acl.filter((e) => e.permission_level !== 'IS_OWNER'), { service_principal_name: DEMO.zipherAppId, permission_level: 'IS_OWNER' }];
    const report = await emergencyRevokeAll(baseDeps(rig));
    assert.equal(statusOf(report)['remove-direct-job-entries'], 'partial');
    assert.ok(report.remaining.some((r) => new RegExp(`owns job ${CUSTOMER_360}`).test(r)));
    assert.equal(statusOf(report)['proof:no-job-acl'], 'failed');
    assert.ok(job.acl.some((e) => isZipher(e) && e.permission_level === 'IS_OWNER'));
  });
});

describe('identity: setup checklist', () => {
  it('is unknown for everything before any live state arrives', () => {
    assert.deepEqual(setupChecklist({}).map((i) => i.status), ['unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown', 'unknown']);
  });

  it('computes done / todo / unknown from live state', () => {
    const all = setupChecklist({
      sp: { applicationId: DEMO.zipherAppId, id: DEMO.zipherScimId, active: true },
      activeSecretCount: 1,
      secretInStorage: true,
      spInWorkspace: true,
      targetJobs: { total: 3, managed: 3, unknown: 0 },
      egressAccess: 'unrestricted',
      connectivity: { ok: true, at: '2026-01-01T00:00:00Z' },
    });
    assert.deepEqual(Object.fromEntries(all.map((i) => [i.id, i.status])), {
      'sp-created': 'done',
      'secret-stored': 'done',
      'sp-in-workspace': 'done',
      'jobs-managed': 'done',
      'egress-allowed': 'done',
      connectivity: 'done',
      'handoff-ready': 'done',
    });
    const partial = setupChecklist({
      sp: { applicationId: DEMO.zipherAppId, active: false },
      activeSecretCount: 0,
      spInWorkspace: true,
      targetJobs: { total: 3, managed: 2, unknown: 1 },
      egressAccess: 'blocked',
    });
    assert.deepEqual(Object.fromEntries(partial.map((i) => [i.id, i.status])), {
      'sp-created': 'todo',
      'secret-stored': 'todo',
      'sp-in-workspace': 'done',
      'jobs-managed': 'unknown',
      'egress-allowed': 'todo',
      connectivity: 'unknown',
      'handoff-ready': 'todo',
    });
    assert.equal(setupChecklist({ sp: null }).find((i) => i.id === 'sp-created')?.status, 'todo');
    assert.equal(setupChecklist({ targetJobs: { total: 0, managed: 0, unknown: 0 } }).find((i) => i.id === 'jobs-managed')?.status, 'todo');
  });
});
