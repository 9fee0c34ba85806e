import * as assert from 'node:assert/strict';
import { buildHandoff, type HandoffInput } from '../../src/onboarding/handoff';
import type { VerifyReport } from '../../src/onboarding/verify';

const HOST = 'https://acme.cloud.databricks.com';
const APP_ID = '6f1c2b9e-0d4a-4c1e-9b7a-3e5d2f8a1c40';

function input(extra: Partial<HandoffInput> = {}): HandoffInput {
  return {
    host: HOST,
    workspaceId: '1234567890123456',
    principal: { applicationId: APP_ID, displayName: 'zipher-optimization-sp', scimId: '7001' },
    spInWorkspace: true,
    secretStored: true,
    secretExpiresAt: '2028-01-01T00:00:00Z',
    jobs: [
      { jobId: 42, name: 'nightly-etl', zipherLevel: 'CAN_MANAGE', state: 'managed' },
      { jobId: 7, name: 'billing | aggregation', zipherLevel: 'CAN_MANAGE', state: 'managed' },
    ],
    objects: [{ kind: 'cluster', id: '0923-abc', label: 'shared-etl', level: 'CAN_ATTACH_TO' }],
    preparedBy: 'admin@acme.com',
    generatedAt: '2026-06-01T12:00:00.000Z',
    ...extra,
  };
}

function item(h: ReturnType<typeof buildHandoff>, id: string) {
  const found = h.json.checklist.find((c) => c.id === id);
  assert.ok(found, `checklist item ${id}`);
  return found;
}

describe('buildHandoff', () => {
  it('lists what Zipher needs: URL, application id, jobs with names and levels', () => {
    const h = buildHandoff(input());
    assert.match(h.markdown, /\*\*Workspace URL:\*\* https:\/\/acme\.cloud\.databricks\.com \(workspace id 1234567890123456\)/);
    assert.match(h.markdown, new RegExp(`\`${APP_ID}\` \\(zipher-optimization-sp\\)`));
    assert.match(h.markdown, /\| 7 \| billing \\\| aggregation \| CAN_MANAGE \|/);
    assert.match(h.markdown, /\| 42 \| nightly-etl \| CAN_MANAGE \|/);
    assert.ok(h.markdown.indexOf('| 7 |') < h.markdown.indexOf('| 42 |'), 'jobs sorted by id');
    assert.match(h.markdown, /\| cluster \| 0923-abc \| shared-etl \| CAN_ATTACH_TO \|/);
    assert.deepEqual(h.json.workspace, { url: HOST, workspaceId: '1234567890123456' });
    assert.deepEqual(h.json.servicePrincipal, { applicationId: APP_ID, displayName: 'zipher-optimization-sp' });
    assert.deepEqual(
      h.json.jobs.map((j) => [j.jobId, j.level, j.managed]),
      [
        [7, 'CAN_MANAGE', true],
        [42, 'CAN_MANAGE', true],
      ],
    );
    assert.deepEqual(h.json.oauthSecret, { stored: true, expiresAt: '2028-01-01T00:00:00Z', included: false });
  });

  it('ticks the checklist from the live state and says what was not checked', () => {
    const h = buildHandoff(input());
    assert.equal(item(h, 'sp-exists').status, 'done');
    assert.equal(item(h, 'secret-stored').status, 'done');
    assert.equal(item(h, 'sp-in-workspace').status, 'done');
    assert.equal(item(h, 'jobs-managed').status, 'done');
    assert.equal(item(h, 'egress-ips').status, 'not-checked');
    assert.equal(item(h, 'connectivity').status, 'not-checked');
    assert.match(h.markdown, /- \[x\] CAN_MANAGE granted on all target jobs: 2 jobs\./);
    assert.match(h.markdown, /- \[ \] Zipher's egress IPs allowed .*_\(not checked\)_/);
    assert.match(h.markdown, /- \[ \] Connectivity verified _\(not checked\)_/);
  });

  it('marks jobs without CAN_MANAGE and lists their ids', () => {
    const h = buildHandoff(
      input({
        jobs: [
          { jobId: 1, name: 'a', zipherLevel: 'CAN_MANAGE' },
          { jobId: 2, name: 'b', zipherLevel: 'CAN_VIEW', state: 'partial' },
          { jobId: 3, name: 'c', state: 'none' },
        ],
      }),
    );
    const jobs = item(h, 'jobs-managed');
    assert.equal(jobs.status, 'missing');
    assert.match(jobs.detail, /Missing on 2 of 3: 2, 3/);
    assert.match(h.markdown, /\| 2 \| b \| CAN_VIEW \(needs CAN_MANAGE\) \|/);
    assert.match(h.markdown, /\| 3 \| c \| none \(needs CAN_MANAGE\) \|/);
  });

  it('takes the SP membership and connectivity from a verify report', () => {
    const report: VerifyReport = {
      host: HOST,
      time: '2026-06-01T11:59:00.000Z',
      status: 'error',
      checks: [
        { id: 'workspace-reachable', title: 'Workspace API reachable', status: 'pass', detail: '' },
        { id: 'sp-in-workspace', title: "Zipher's service principal is in the workspace", status: 'fail', detail: '' },
      ],
    };
    const h = buildHandoff(input({ spInWorkspace: undefined, verify: report, egressIpsAllowed: true }));
    assert.equal(item(h, 'sp-in-workspace').status, 'missing');
    assert.equal(item(h, 'connectivity').status, 'missing');
    assert.match(item(h, 'connectivity').detail, /service principal is in the workspace/);
    assert.equal(item(h, 'egress-ips').status, 'done');
    assert.deepEqual(h.json.connectivity, { status: 'error', checkedAt: report.time, failedChecks: ['sp-in-workspace'] });

    const ok = buildHandoff(input({ verify: { ...report, status: 'healthy', checks: [report.checks[0]!] } }));
    assert.equal(item(ok, 'connectivity').status, 'done');
  });

  it('tells the admin to send the secret separately over a secure channel', () => {
    const stored = buildHandoff(input());
    assert.match(stored.markdown, /\*\*OAuth secret:\*\* not in this document/);
    assert.match(stored.markdown, /OAuth secret \*\*separately\*\*, through a secure channel/);
    assert.match(stored.markdown, /Copy Service Principal Secret/);
    const notStored = buildHandoff(input({ secretStored: false, secretExpiresAt: undefined }));
    assert.equal(item(notStored, 'secret-stored').status, 'not-checked');
    assert.match(notStored.markdown, /No secret is stored in this editor/);
    assert.equal(notStored.json.oauthSecret.included, false);
  });

  it('still renders with no service principal and no jobs', () => {
    const h = buildHandoff({ host: HOST, secretStored: false, jobs: [] });
    assert.equal(item(h, 'sp-exists').status, 'missing');
    assert.equal(item(h, 'jobs-managed').status, 'missing');
    assert.match(h.markdown, /application id:\*\* not set yet/);
    assert.equal(h.json.servicePrincipal, undefined);
  });
});
