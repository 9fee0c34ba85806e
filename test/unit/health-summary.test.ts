import * as assert from 'node:assert/strict';
import type { StateCounts, ZipherPrincipal } from '../../src/onboarding/model';
import { summarizeHealth, type HealthInput } from '../../src/onboarding/health';
import type { CheckResult, VerifyReport } from '../../src/onboarding/verify';

const HOST = 'https://adb-1.2.azuredatabricks.net';
const SP: ZipherPrincipal = { applicationId: '6f1c2b9e-0d4a-4c1e-9b7a-3e5d2f8a1c40', displayName: 'zipher-optimization-sp' };
const NOW = new Date('2026-06-01T12:00:00Z');

function counts(partial: Partial<StateCounts>): StateCounts {
  return { managed: 0, partial: 0, none: 0, unknown: 0, loading: 0, ...partial };
}

function report(statuses: CheckResult['status'][]): VerifyReport {
  const checks = statuses.map((status, i) => ({ id: `c${i}`, title: `Check ${i}`, status, detail: status }));
  const status = statuses.includes('fail') ? 'error' : statuses.includes('warn') ? 'degraded' : 'healthy';
  return { host: HOST, time: '2026-06-01T11:00:00.000Z', status, checks };
}

function connected(extra: Partial<HealthInput> = {}): HealthInput {
  return {
    host: HOST,
    connection: { state: 'connected', userName: 'admin@example.com', isAdmin: true },
    principal: SP,
    inventory: { loaded: true, counts: counts({ managed: 12, none: 30 }) },
    now: NOW,
    ...extra,
  };
}

describe('summarizeHealth', () => {
  it('is not-configured when no workspace is connected', () => {
    const h = summarizeHealth({ connection: { state: 'not-connected' }, now: NOW });
    assert.equal(h.level, 'not-configured');
    assert.match(h.text, /not connected/);
    assert.match(h.details.join('\n'), /Connect Workspace/);
  });

  it('is not-configured while connecting', () => {
    const h = summarizeHealth({ host: HOST, connection: { state: 'connecting' }, now: NOW });
    assert.equal(h.level, 'not-configured');
    assert.match(h.text, /connecting/);
  });

  it('is not-configured when connected without a service principal', () => {
    const h = summarizeHealth({ ...connected(), principal: undefined });
    assert.equal(h.level, 'not-configured');
    assert.match(h.text, /service principal/);
    assert.match(h.tooltip, /Set Service Principal/);
  });

  it('is an error with the kind in the text when the connection failed', () => {
    const h = summarizeHealth({
      host: HOST,
      connection: { state: 'error', kind: 'auth', message: `${HOST} rejected your credentials.` },
      now: NOW,
    });
    assert.equal(h.level, 'error');
    assert.match(h.text, /credentials rejected/);
    assert.deepEqual(h.details, [`${HOST} rejected your credentials.`]);
    assert.equal(h.icon, 'error');
  });

  it('explains an IP block without a message from the caller', () => {
    const h = summarizeHealth({ host: HOST, connection: { state: 'error', kind: 'ip-blocked' }, now: NOW });
    assert.equal(h.level, 'error');
    assert.match(h.text, /IP blocked/);
    assert.match(h.details[0] ?? '', /IP blocked/);
  });

  it('is healthy with the managed count in the text', () => {
    const h = summarizeHealth(connected({ lastVerify: report(['pass', 'pass', 'skipped']) }));
    assert.equal(h.level, 'healthy');
    assert.equal(h.text, 'Zipher: 12 jobs managed');
    assert.match(h.tooltip, /12 of 42 jobs managed/);
    assert.match(h.tooltip, /Last check .* passed/);
    assert.equal(h.icon, 'pass');
  });

  it('says "1 job" in the singular and shows loading before the inventory is loaded', () => {
    assert.equal(summarizeHealth(connected({ inventory: { loaded: true, counts: counts({ managed: 1 }) } })).text, 'Zipher: 1 job managed');
    const loading = summarizeHealth(connected({ inventory: { loaded: false } }));
    assert.equal(loading.level, 'healthy');
    assert.match(loading.text, /loading jobs/);
  });

  it('mentions partial and unreadable jobs without degrading', () => {
    const h = summarizeHealth(connected({ inventory: { loaded: true, counts: counts({ managed: 2, partial: 3, unknown: 4 }) } }));
    assert.equal(h.level, 'healthy');
    assert.match(h.tooltip, /3 jobs have a level below CAN_MANAGE/);
    assert.match(h.tooltip, /4 jobs whose permissions could not be read/);
  });

  it('is degraded when drift was found', () => {
    const h = summarizeHealth(connected({ driftCount: 2 }));
    assert.equal(h.level, 'degraded');
    assert.match(h.tooltip, /2 changes made outside Zipher/);
    assert.equal(h.icon, 'warning');
  });

  it('is degraded with the date when the secret expires within 14 days', () => {
    const h = summarizeHealth(connected({ secretExpiry: '2026-06-10T00:00:00Z' }));
    assert.equal(h.level, 'degraded');
    assert.match(h.tooltip, /expires on 2026-06-10/);
  });

  it('stays healthy when the secret expires in more than 14 days', () => {
    assert.equal(summarizeHealth(connected({ secretExpiry: '2026-07-01T00:00:00Z' })).level, 'healthy');
  });

  it('is an error when the secret has expired', () => {
    const h = summarizeHealth(connected({ secretExpiry: '2026-05-01T00:00:00Z' }));
    assert.equal(h.level, 'error');
    assert.match(h.tooltip, /expired on 2026-05-01/);
  });

  it('is degraded after a verify report with warnings, an error after one with failures', () => {
    const warned = summarizeHealth(connected({ lastVerify: report(['pass', 'warn']) }));
    assert.equal(warned.level, 'degraded');
    assert.match(warned.tooltip, /Check 1/);
    const failed = summarizeHealth(connected({ lastVerify: report(['pass', 'fail', 'warn']), driftCount: 1 }));
    assert.equal(failed.level, 'error');
    assert.match(failed.tooltip, /failed: Check 1/);
    assert.match(failed.text, /action needed/);
  });
});
