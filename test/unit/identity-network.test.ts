import * as assert from 'node:assert/strict';
import {
  ZIPHER_LIST_LABEL,
  applyAllowList,
  covers,
  inspectIpAccess,
  parseIp,
  planAllowList,
  removeAllowList,
  validateIps,
} from '../../src/onboarding/identity';
import type { FakeIpList } from '../fake-workspace';
import { startRig, type IdentityRig } from './identity-fixtures';

const ZIPHER_EGRESS = ['198.51.100.7', '198.51.100.8', '198.51.100.64/26'];

function list(id: string, label: string, type: 'ALLOW' | 'BLOCK', ips: string[], enabled = true): FakeIpList {
  return { list_id: id, label, list_type: type, ip_addresses: ips, enabled, created_at: 1, updated_at: 1 };
}

function snapshot(rig: IdentityRig, exceptLabel = ZIPHER_LIST_LABEL): unknown[] {
  return [...rig.fake.state.ipAccessLists.values()].filter((l) => l.label !== exceptLabel).map((l) => structuredClone(l));
}

function confEdits(rig: IdentityRig): number {
  return rig.fake.calls.filter((c) => c.action === 'workspace.workspaceConfEdit').length;
}

describe('identity: IP addresses', () => {
  it('accepts IPv4/IPv6 addresses and CIDR blocks, and rejects malformed ones with a reason', () => {
    for (const ok of ['10.0.0.1', '10.0.0.0/8', '0.0.0.0/0', '2001:db8::1', '2001:db8::/32', '::ffff:192.0.2.1', ' 192.0.2.5 ']) assert.ok(parseIp(ok).ok, ok);
    const bad: Record<string, RegExp> = {
      '256.1.1.1': /0–255/,
      '10.0.0.1/33': /prefix length/,
      '01.2.3.4': /leading zeros/,
      '1.2.3.999': /leading zeros|0–255/,
      zipher: /not an IPv4 or IPv6/,
      '10.0.0.1/24': /host bits.*10\.0\.0\.0\/24/,
      '2001:db8::/129': /prefix length/,
      '1.2.3.4/8/9': /more than one/,
      'fe80::1%eth0': /not an IPv4 or IPv6/,
    };
    for (const [input, reason] of Object.entries(bad)) {
      const r = parseIp(input);
      assert.equal(r.ok, false, input);
      assert.match(!r.ok ? r.reason : '', reason, input);
    }
    const v = validateIps(['10.0.0.1', 'nope', '', '2001:DB8:0:0::1']);
    assert.deepEqual(v.valid.map((b) => b.text), ['10.0.0.1', '2001:db8::1']);
    assert.deepEqual(v.invalid.map((i) => i.input), ['nope']);
  });

  it('knows which block covers which', () => {
    const p = (s: string) => {
      const r = parseIp(s, { lenient: true });
      assert.ok(r.ok);
      return r.block;
    };
    assert.equal(covers(p('10.0.0.0/8'), p('10.1.2.3')), true);
    assert.equal(covers(p('10.1.2.3'), p('10.0.0.0/8')), false);
    assert.equal(covers(p('0.0.0.0/0'), p('203.0.113.9')), true);
    assert.equal(covers(p('2001:db8::/32'), p('2001:db8:42::/48')), true);
    assert.equal(covers(p('2001:db8::/32'), p('10.0.0.1')), false);
    assert.equal(covers(p('198.51.100.7/24'), p('198.51.100.200')), true);
  });
});

describe('identity: IP allow list', function () {
  // Each test starts its own fake workspace and scans its jobs over HTTP.
  this.timeout(15_000);
  let rig: IdentityRig | undefined;
  afterEach(async () => {
    await rig?.fake.stop();
    rig = undefined;
  });

  it('with the feature off: explains lists have no effect and the lockout risk, and never turns it on', async () => {
    rig = await startRig();
    const r = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(r.ok, !r.ok ? r.problem.message : '');
    assert.equal(r.value.featureEnabled, false);
    assert.equal(r.value.access, 'unrestricted');
    assert.match(r.value.notes.join(' '), /no effect until it is turned on/);
    assert.match(r.value.notes.join(' '), /locks them out/);
    const plan = planAllowList(r.value);
    assert.ok(plan.ok);
    assert.equal(plan.value.action, 'none');
    assert.equal(confEdits(rig), 0);
  });

  it('treats any value but "true" as off', async () => {
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'TRUE ' };
      s.ipAccessLists = [list('office', 'office', 'ALLOW', ['127.0.0.1', '10.0.0.0/8'])];
    });
    const r = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(r.ok);
    assert.equal(r.value.featureEnabled, false);
    assert.equal(r.value.access, 'unrestricted');
  });

  it('creates one ALLOW list for Zipher beside the existing ones, then updates only it', async () => {
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'true' };
      s.ipAccessLists = [list('office', 'office', 'ALLOW', ['127.0.0.1', '10.0.0.0/8']), list('bad', 'bad-actors', 'BLOCK', ['192.0.2.0/24'])];
    });
    const others = snapshot(rig);
    const r = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(r.ok);
    assert.equal(r.value.access, 'not-allowed');
    assert.deepEqual(r.value.uncovered, ZIPHER_EGRESS);
    assert.equal(r.value.totalAddresses, 3);
    const plan = planAllowList(r.value);
    assert.ok(plan.ok);
    assert.equal(plan.value.action, 'create');
    assert.equal(plan.value.addressesAfter, 6);
    const applied = await applyAllowList(rig.workspace, plan.value);
    assert.ok(applied.ok, !applied.ok ? applied.problem.message : '');
    const ours = [...rig.fake.state.ipAccessLists.values()].filter((l) => l.label === ZIPHER_LIST_LABEL);
    assert.equal(ours.length, 1);
    assert.equal(ours[0].list_type, 'ALLOW');
    assert.deepEqual(ours[0].ip_addresses, ZIPHER_EGRESS);
    assert.deepEqual(snapshot(rig), others);

    const again = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(again.ok);
    assert.equal(again.value.access, 'allowed');
    const noop = planAllowList(again.value);
    assert.ok(noop.ok);
    assert.equal(noop.value.action, 'none');

    const moved = await inspectIpAccess(rig.workspace, ['198.51.100.9']);
    assert.ok(moved.ok);
    const update = planAllowList(moved.value);
    assert.ok(update.ok);
    assert.equal(update.value.action, 'update');
    assert.equal(update.value.listId, ours[0].list_id);
    assert.ok((await applyAllowList(rig.workspace, update.value)).ok);
    assert.deepEqual(rig.fake.state.ipAccessLists.get(ours[0].list_id)?.ip_addresses, ['198.51.100.9']);
    assert.deepEqual(snapshot(rig), others);
    assert.equal(confEdits(rig), 0);
  });

  it('reports a BLOCK list that covers a Zipher address (block lists win)', async () => {
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'true' };
      s.ipAccessLists = [list('office', 'office', 'ALLOW', ['127.0.0.1']), list('b', 'cloud-ranges', 'BLOCK', ['198.51.100.0/24'])];
    });
    const r = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(r.ok);
    assert.equal(r.value.access, 'blocked');
    assert.deepEqual(r.value.blockedBy.map((b) => `${b.listLabel}:${b.egress}`), ['cloud-ranges:198.51.100.7', 'cloud-ranges:198.51.100.8', 'cloud-ranges:198.51.100.64/26']);
    const plan = planAllowList(r.value);
    assert.ok(plan.ok);
    assert.match(plan.value.warnings.join(' '), /stays blocked/);
  });

  it('with no allow list in use, plans nothing: a first allow list would shut everyone else out', async () => {
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'true' };
    });
    const r = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(r.ok);
    assert.equal(r.value.access, 'unrestricted');
    const plan = planAllowList(r.value);
    assert.ok(plan.ok);
    assert.equal(plan.value.action, 'none');
    assert.match(plan.value.reasons[0], /shut out every address/);
    // A disabled Zipher list is not switched on either: it would be the only allow list.
    rig.fake.state.ipAccessLists.set('z', { list_id: 'z', label: ZIPHER_LIST_LABEL, list_type: 'ALLOW', ip_addresses: ['198.51.100.1'], enabled: false, created_at: 1, updated_at: 1 });
    const again = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(again.ok);
    const plan2 = planAllowList(again.value);
    assert.ok(plan2.ok);
    assert.equal(plan2.value.action, 'none');
    assert.match(plan2.value.reasons[0], /enabling one would shut out/);
  });

  it('refuses before writing when the 1000-address quota would be exceeded, and explains the server\'s QUOTA_EXCEEDED', async () => {
    const many = Array.from({ length: 999 }, (_, i) => `10.${Math.floor(i / 250)}.${i % 250}.1`);
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'true' };
      s.ipAccessLists = [list('big', 'partners', 'ALLOW', ['127.0.0.1', ...many.slice(0, 998)])];
    });
    const r = await inspectIpAccess(rig.workspace, ZIPHER_EGRESS);
    assert.ok(r.ok);
    const plan = planAllowList(r.value);
    assert.equal(plan.ok, false);
    assert.equal(!plan.ok && plan.problem.kind, 'quota');
    assert.match(!plan.ok ? plan.problem.message : '', /at most 1000 addresses.*1002/);

    // The server's own refusal (e.g. another list grew meanwhile) reads as a sentence too.
    rig.fake.state.ipAccessLists.get('big')!.ip_addresses.splice(1, 10);
    const fits = await inspectIpAccess(rig.workspace, ['198.51.100.7']);
    assert.ok(fits.ok);
    const fitPlan = planAllowList(fits.value);
    assert.ok(fitPlan.ok);
    rig.fake.faults.inject({ match: 'POST /api/2.0/ip-access-lists', kind: { type: 'status', status: 400, body: '{"error_code":"QUOTA_EXCEEDED","message":"IP access list quota exceeded"}', contentType: 'application/json' } });
    const applied = await applyAllowList(rig.workspace, fitPlan.value);
    assert.equal(applied.ok, false);
    assert.equal(!applied.ok && applied.problem.kind, 'quota');
    assert.match(!applied.ok ? applied.problem.message : '', /QUOTA_EXCEEDED.*Remove unused entries/);
  });

  it('surfaces the server\'s lockout refusal (INVALID_STATE) as a sentence and changes nothing', async () => {
    // The admin connects from 203.0.113.50, covered only by the Zipher list (set up earlier by hand).
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'true' };
      s.callerIp = '203.0.113.50';
      s.ipAccessLists = [list('office', 'office', 'ALLOW', ['10.0.0.0/8']), list('z', ZIPHER_LIST_LABEL, 'ALLOW', ['198.51.100.7', '203.0.113.0/24'])];
    });
    const before = structuredClone([...rig.fake.state.ipAccessLists.values()]);
    const r = await inspectIpAccess(rig.workspace, ['198.51.100.7']);
    assert.ok(r.ok, !r.ok ? r.problem.message : '');
    const plan = planAllowList(r.value);
    assert.ok(plan.ok);
    assert.equal(plan.value.action, 'update');
    const applied = await applyAllowList(rig.workspace, plan.value);
    assert.equal(applied.ok, false);
    assert.equal(!applied.ok && applied.problem.kind, 'lockout');
    assert.match(!applied.ok ? applied.problem.message : '', /would block the address you are connecting from \(INVALID_STATE\)\. Nothing was changed/);
    const removed = await removeAllowList(rig.workspace);
    assert.equal(!removed.ok && removed.problem.kind, 'lockout');
    assert.deepEqual([...rig.fake.state.ipAccessLists.values()], before);
    assert.equal(confEdits(rig), 0);
  });

  it('warns about IPv6 egress and surfaces the server refusing it', async () => {
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'true' };
      s.ipAccessLists = [list('office', 'office', 'ALLOW', ['127.0.0.1'])];
    });
    const r = await inspectIpAccess(rig.workspace, ['198.51.100.7', '2001:db8:42::/48']);
    assert.ok(r.ok);
    const plan = planAllowList(r.value);
    assert.ok(plan.ok);
    assert.match(plan.value.warnings.join(' '), /IPv6/);
    const applied = await applyAllowList(rig.workspace, plan.value);
    assert.equal(!applied.ok && applied.problem.kind, 'invalid');
    assert.match(!applied.ok ? applied.problem.message : '', /Writing allow list "zipher-egress" failed/);
  });

  it('removes only the Zipher allow list', async () => {
    rig = await startRig((s) => {
      s.workspaceConf = { enableIpAccessLists: 'true' };
      s.ipAccessLists = [
        list('office', 'office', 'ALLOW', ['127.0.0.1']),
        list('z', ZIPHER_LIST_LABEL, 'ALLOW', ['198.51.100.7']),
        list('zb', ZIPHER_LIST_LABEL, 'BLOCK', ['192.0.2.1']),
      ];
    });
    const others = snapshot(rig, '__none__').filter((l) => (l as FakeIpList).list_id !== 'z');
    const r = await removeAllowList(rig.workspace);
    assert.ok(r.ok);
    assert.deepEqual(r.value.removed, ['z']);
    assert.deepEqual(snapshot(rig, '__none__'), others);
    const again = await removeAllowList(rig.workspace);
    assert.ok(again.ok);
    assert.deepEqual(again.value.removed, []);
  });

  it('rejects invalid or missing egress settings without calling Databricks', async () => {
    rig = await startRig();
    const before = rig.fake.calls.length;
    const bad = await inspectIpAccess(rig.workspace, ['198.51.100.7', '300.1.1.1']);
    assert.equal(!bad.ok && bad.problem.kind, 'validation');
    assert.match(!bad.ok ? bad.problem.message : '', /"300\.1\.1\.1"/);
    const empty = await inspectIpAccess(rig.workspace, ['  ']);
    assert.match(!empty.ok ? empty.problem.message : '', /No Zipher egress addresses/);
    assert.equal(rig.fake.calls.length, before);
  });
});
