import { strict as assert } from 'node:assert';
import type { AclEntry } from '../../src/databricks';
import { AccessService, buildObjectPlan, grantAction, LEVEL_ORDER, zipherDirectLevel, type AclLine, type ObjectKind, type Plan } from '../../src/onboarding';
import type { FakeAclEntry, FakeWorkspaceSeed } from '../fake-workspace/types';
import { ADMIN, ADMIN_TOKEN, ALICE, BOB, CAROL, CI_BOT, ZIPHER, othersSnapshot, prng, snapshot, startRig, type Rig } from './access-fixtures';

const USERS = [ALICE, BOB, CAROL, ADMIN];
const GROUPS = ['data-eng', 'analysts'];
const SPS = [CI_BOT, ZIPHER];

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

function randomAcl(r: Rand, kind: ObjectKind): FakeAclEntry[] {
  const levels = LEVEL_ORDER[kind].filter((l) => l !== 'IS_OWNER');
  const acl: FakeAclEntry[] = [];
  const used = new Set<string>();
  if (kind === 'job' && r() < 0.9) {
    const o = r() < 0.8 ? { user_name: pick(r, USERS) } : { service_principal_name: r() < 0.05 ? ZIPHER : CI_BOT };
    acl.push({ ...o, permission_level: 'IS_OWNER' });
    used.add(JSON.stringify(o));
  }
  const n = Math.floor(r() * 5);
  for (let i = 0; i < n; i++) {
    const p = r() < 0.4 ? { user_name: pick(r, USERS) } : r() < 0.6 ? { group_name: pick(r, GROUPS) } : { service_principal_name: pick(r, SPS) };
    if (used.has(JSON.stringify(p))) continue;
    used.add(JSON.stringify(p));
    acl.push({ ...p, permission_level: pick(r, levels) });
  }
  // a direct admins entry exists on some objects, always at CAN_MANAGE (admins cannot be lowered)
  if (kind !== 'cluster-policy' && r() < 0.2) acl.push({ group_name: 'admins', permission_level: 'CAN_MANAGE' });
  return acl;
}

function randomSeed(r: Rand, jobs: number): FakeWorkspaceSeed {
  const clusters = ['c1', 'c2', 'c3', 'c4'];
  const pools = ['p1', 'p2'];
  return {
    users: USERS.map((u) => (u === ADMIN ? { userName: u, groups: ['admins'], token: ADMIN_TOKEN } : { userName: u })),
    groups: [...GROUPS, 'admins'],
    servicePrincipals: [
      { id: '1', applicationId: ZIPHER, displayName: 'zipher' },
      { id: '2', applicationId: CI_BOT, displayName: 'ci-bot' },
    ],
    clusters: clusters.map((id) => ({ id, acl: randomAcl(r, 'cluster') })),
    instancePools: pools.map((id) => ({ id, acl: randomAcl(r, 'instance-pool') })),
    clusterPolicies: [{ id: 'pol', acl: randomAcl(r, 'cluster-policy') }],
    jobs: Array.from({ length: jobs }, (_, i) => ({
      job_id: i + 1,
      created_time: 1_700_000_000_000 + i,
      creator_user_name: ALICE,
      settings: {
        name: `random-${i + 1}`,
        tasks: [
          r() < 0.6 ? { task_key: 'a', existing_cluster_id: pick(r, clusters) } : { task_key: 'a', new_cluster: { instance_pool_id: pick(r, pools), ...(r() < 0.5 ? { policy_id: 'pol' } : {}) } },
        ],
      },
      acl: randomAcl(r, 'job'),
    })),
  };
}

/** The test's own check, independent of assertPlanInvariant. */
function checkPlan(plan: Plan): void {
  const others = (lines: AclLine[]) =>
    lines
      .filter((l) => l.principal !== ZIPHER)
      .map((l) => `${l.principalKind}|${l.principal}|${l.level}|${l.inherited}`)
      .sort();
  for (const op of plan.objects) {
    assert.deepEqual(others(op.after), others(op.before), `others unchanged on ${op.object.kind}:${op.object.id}`);
    const owner = (lines: AclLine[]) => lines.filter((l) => l.level === 'IS_OWNER').map((l) => l.principal);
    assert.deepEqual(owner(op.after), owner(op.before), `owner unchanged on ${op.object.kind}:${op.object.id}`);
  }
}

describe('access: plan invariant over randomized ACLs', () => {
  it('pure planning: 200 random ACLs × every action keep others and the owner', () => {
    const r = prng(20240601);
    const kinds = Object.keys(LEVEL_ORDER) as ObjectKind[];
    for (let i = 0; i < 200; i++) {
      const kind = pick(r, kinds.filter((k) => k !== 'secret-scope'));
      const observed: AclEntry[] = randomAcl(r, kind).map((e) => {
        const { permission_level, ...p } = e;
        return { ...p, all_permissions: [{ permission_level, inherited: false }, ...(r() < 0.2 ? [{ permission_level: LEVEL_ORDER[kind][0]!, inherited: true, inherited_from_object: ['/x/'] }] : [])] };
      });
      observed.push({ group_name: 'admins', all_permissions: [{ permission_level: 'CAN_MANAGE', inherited: true, inherited_from_object: ['/jobs/'] }] });
      const target = pick(r, LEVEL_ORDER[kind].filter((l) => l !== 'IS_OWNER'));
      const current = zipherDirectLevel(kind, observed, ZIPHER);
      const grant = grantAction(kind, current, target);
      const plans = [
        buildObjectPlan({ kind, id: String(i) }, observed, ZIPHER, { ...grant, reasons: [], jobIds: [i] }),
        buildObjectPlan({ kind, id: String(i) }, observed, ZIPHER, { action: 'remove', after: undefined, reasons: [], jobIds: [i] }),
        buildObjectPlan({ kind, id: String(i) }, observed, ZIPHER, { action: 'restore', after: target, reasons: [], jobIds: [i] }),
      ];
      const plan: Plan = { kind: 'grant', principal: { applicationId: ZIPHER }, jobs: [], objects: plans, problems: [], createdAt: '' };
      checkPlan(plan);
      if (current !== undefined && current !== 'IS_OWNER') {
        assert.ok(grant.action === 'unchanged' || LEVEL_ORDER[kind].indexOf(grant.after!) > LEVEL_ORDER[kind].indexOf(current), 'never a downgrade');
      }
    }
  });

  describe('through the fake: 200 random jobs, grant then revoke', () => {
    let rig: Rig;
    before(async () => {
      rig = await startRig(randomSeed(prng(7), 200));
    });
    after(() => rig.stop());

    it('grant changes only Zipher; revoke returns every ACL to the original, byte for byte', async () => {
      const svc = new AccessService(rig.ctx);
      const ids = [...rig.fake.state.jobs.keys()];
      const original = snapshot(rig.fake);
      const others = othersSnapshot(rig.fake);
      const grant = await svc.planGrant(ids);
      checkPlan(grant);
      const g = await svc.apply(grant);
      assert.equal(g.status, 'done', JSON.stringify(g.objects.filter((o) => o.status === 'failed')));
      assert.deepEqual(othersSnapshot(rig.fake), others);
      for (const id of ids) {
        const level = rig.fake.state.jobs.get(id)!.acl.find((e) => e.service_principal_name === ZIPHER)?.permission_level;
        assert.ok(level === 'CAN_MANAGE' || level === 'IS_OWNER', `job ${id} managed after grant`);
      }
      const revoke = await svc.planRevoke(ids);
      checkPlan(revoke);
      const v = await svc.apply(revoke);
      assert.equal(v.status, 'done', JSON.stringify([...v.objects.filter((o) => o.status !== 'applied' && o.status !== 'unchanged'), ...v.jobs.filter((j) => j.status === 'failed')].slice(0, 5)));
      assert.deepEqual(snapshot(rig.fake), original);
    });
  });
});
