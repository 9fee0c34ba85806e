import { strict as assert } from 'node:assert';
import { AccessService, planToJson, renderAclText, renderPlanMarkdown, toAclLines } from '../../src/onboarding';
import { ZIPHER, accessSeed, startRig, type Rig } from './access-fixtures';

describe('access: plan reports', () => {
  let rig: Rig;
  before(async () => {
    rig = await startRig(accessSeed());
  });
  after(() => rig.stop());

  it('renders a change-ticket Markdown with a summary, a table per object, and the ACL diff', async () => {
    const plan = await new AccessService(rig.ctx).planGrant([1, 7, 424242]);
    const md = renderPlanMarkdown(plan);
    assert.match(md, /^# Zipher access: grant plan/);
    assert.match(md, /- Jobs: 3/);
    assert.match(md, new RegExp(`- Objects: ${plan.objects.length} \\(`));
    assert.match(md, /### job `nightly-etl` \(1\)/);
    assert.match(md, /\| add \| — → CAN_MANAGE \| Zipher manages job `nightly-etl` \(1\) \|/);
    assert.match(md, /\| raise \| CAN_VIEW → CAN_MANAGE \|/);
    assert.match(md, /cluster c-shared is used by task `ingest`/);
    assert.match(md, new RegExp(`\\+ service-principal ${ZIPHER}: CAN_MANAGE`));
    assert.match(md, /- service-principal .*: CAN_VIEW/);
    assert.match(md, /## Problems\n\n- job 424242: Job 424242 does not exist\./);
  });

  it('JSON omits the raw observed ACLs; ACL text is stable whatever the order', async () => {
    const plan = await new AccessService(rig.ctx).planGrant([1]);
    const json = JSON.parse(planToJson(plan));
    assert.equal(json.kind, 'grant');
    assert.equal(json.objects.length, plan.objects.length);
    assert.ok(json.objects.every((o: Record<string, unknown>) => !('observed' in o)));
    const acl = (await rig.api.getPermissions('jobs', '1')).access_control_list;
    const a = renderAclText(toAclLines(acl));
    const b = renderAclText(toAclLines([...acl].reverse()));
    assert.equal(a, b);
    assert.match(a, /^group admins: CAN_MANAGE \(inherited\)$/m);
    assert.match(a, /^user alice@example.com.*: IS_OWNER$/m);
    assert.equal(a.trim().split('\n').length, new Set(toAclLines(acl).map((l) => l.principal)).size, 'one principal per line');
  });
});
