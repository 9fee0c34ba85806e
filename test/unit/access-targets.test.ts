import * as assert from 'node:assert/strict';
import { Ledger, MemoryLedgerStore, targetJobs, type JobRow, type LedgerRecord } from '../../src/onboarding';

const HOST = 'https://adb-1.1.azuredatabricks.net';
const SP = '7f3c2a1e-5b8d-4c6f-9a0e-2d4b6c8e0f12';

function row(jobId: number, state: JobRow['state']): JobRow {
  return { jobId, name: `job-${jobId}`, state };
}

function granted(jobId: number, action: LedgerRecord['action'] = 'add'): LedgerRecord {
  return {
    time: new Date(Date.UTC(2026, 0, jobId)).toISOString(),
    host: HOST,
    object: { kind: 'job', id: String(jobId) },
    principal: SP,
    action,
    levelAfter: action === 'remove' ? undefined : 'CAN_MANAGE',
    reasons: ['test'],
    jobIds: [jobId],
    actor: 'admin@example.com',
  };
}

describe('access: target jobs (what Zipher is meant to manage)', () => {
  it('are the managed jobs plus the ones the ledger granted, never the partial ones', async () => {
    const ledger = new Ledger(new MemoryLedgerStore());
    await ledger.append([granted(7), granted(9)]);
    const rows = [row(1, 'managed'), row(2, 'partial'), row(3, 'none'), row(7, 'none'), row(8, 'unknown')];
    const t = await targetJobs({ host: HOST, rows, principal: { applicationId: SP }, ledger });
    // 7 lost its grant behind our back and 9 is not in the tree: both still targets, so checks report them.
    assert.deepEqual(t.jobIds, [1, 7, 9]);
    assert.equal(t.ledgerProblem, undefined);
  });

  it('drop a job the extension revoked', async () => {
    const ledger = new Ledger(new MemoryLedgerStore());
    await ledger.append([granted(7)]);
    await ledger.append([{ ...granted(7, 'remove'), time: new Date(Date.UTC(2026, 1, 1)).toISOString() }]);
    const t = await targetJobs({ host: HOST, rows: [row(7, 'none')], principal: { applicationId: SP }, ledger });
    assert.deepEqual(t.jobIds, []);
  });

  it('fall back to live state and say why when the ledger is unreadable', async () => {
    const ledger = new Ledger(new MemoryLedgerStore('{not json'));
    const t = await targetJobs({ host: HOST, rows: [row(4, 'managed'), row(5, 'partial')], principal: { applicationId: SP }, ledger });
    assert.deepEqual(t.jobIds, [4]);
    assert.ok(t.ledgerProblem && t.ledgerProblem.length > 0);
  });
});
