import * as assert from 'node:assert/strict';
import { DEMO, defaultSeed, scaleSeed, startFakeWorkspace, type FakeWorkspace } from '../fake-workspace';
import { caller } from '../fake-workspace/http-helper';

describe('fake workspace: jobs (sharp edges 1, 2, 8)', () => {
  let fake: FakeWorkspace;
  let admin: ReturnType<typeof caller>;
  before(async () => {
    fake = await startFakeWorkspace({ seed: scaleSeed(250) });
    admin = caller(fake.url, DEMO.adminToken);
  });
  after(() => fake.stop());

  it('pages newest first with opaque tokens and no token on the last page', async () => {
    const seen: number[] = [];
    let token: string | undefined;
    let pages = 0;
    do {
      const r = await admin('GET', `/api/2.2/jobs/list?limit=100${token ? `&page_token=${encodeURIComponent(token)}` : ''}`);
      assert.equal(r.status, 200);
      pages++;
      seen.push(...r.json.jobs.map((j: { job_id: number }) => j.job_id));
      token = r.json.next_page_token;
      if (token) assert.ok(!/^\d+$/.test(token), 'token is opaque, not an offset');
      assert.equal(r.json.has_more, undefined, '2.2 leaves root has_more out');
    } while (token);
    assert.equal(pages, 3);
    assert.equal(seen.length, 250);
    assert.deepEqual(seen, [...seen].sort((a, b) => b - a));
    assert.equal(new Set(seen).size, 250);
  });

  it('defaults to 20, rejects limits outside 1..100 and offsets above 1000', async () => {
    assert.equal((await admin('GET', '/api/2.2/jobs/list')).json.jobs.length, 20);
    for (const limit of [0, 101]) {
      const r = await admin('GET', `/api/2.2/jobs/list?limit=${limit}`);
      assert.equal(r.status, 400);
      assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
    }
    const r = await admin('GET', '/api/2.1/jobs/list?offset=1001&limit=25');
    assert.equal(r.status, 400);
    assert.equal(r.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.match(r.json.message, /exceeded the value of 1000/);
    assert.match(r.json.message, /page_token/);
    const ok = await admin('GET', '/api/2.1/jobs/list?offset=1000&limit=25');
    assert.equal(ok.status, 200);
  });

  it('omits the jobs key when nothing matches and filters names exactly, case-insensitively', async () => {
    const none = await admin('GET', '/api/2.2/jobs/list?name=no-such-job');
    assert.equal(none.status, 200);
    assert.equal('jobs' in none.json, false);
    assert.equal(none.json.next_page_token, undefined);
    const one = await admin('GET', '/api/2.2/jobs/list?name=JOB-00042');
    assert.deepEqual(one.json.jobs.map((j: { job_id: number }) => j.job_id), [42]);
    const partial = await admin('GET', '/api/2.2/jobs/list?name=job-0004');
    assert.equal('jobs' in partial.json, false);
  });

  it('lists only the jobs a non-admin can see', async () => {
    const viewer = caller(fake.url, DEMO.viewerToken);
    const r = await viewer('GET', '/api/2.2/jobs/list?limit=100');
    assert.equal(r.status, 200);
    // the viewer is in no group on these jobs and owns none of them
    assert.equal('jobs' in r.json, false);
  });

  it('builds and pages a 10,000-job workspace quickly enough for the benchmark', async () => {
    const big = await startFakeWorkspace({ seed: scaleSeed(10_000) });
    try {
      const first = await caller(big.url, DEMO.adminToken)('GET', '/api/2.2/jobs/list?limit=100');
      assert.equal(first.json.jobs[0].job_id, 10_000);
      const second = await caller(big.url, DEMO.adminToken)('GET', `/api/2.2/jobs/list?limit=100&page_token=${first.json.next_page_token}`);
      assert.equal(second.json.jobs[0].job_id, 9_900);
    } finally {
      await big.stop();
    }
  });
});

describe('fake workspace: jobs/get on the demo seed', () => {
  let fake: FakeWorkspace;
  let admin: ReturnType<typeof caller>;
  const byName = (name: string): number => [...fake.state.jobs.values()].find((j) => j.settings.name === name)!.job_id;
  before(async () => {
    fake = await startFakeWorkspace({ seed: defaultSeed() });
    admin = caller(fake.url, DEMO.adminToken);
  });
  after(() => fake.stop());

  it('has the demo shapes: ~40 jobs, legacy ownerless, deleted creator, serverless, for_each, sql_task', async () => {
    assert.ok(fake.state.jobs.size >= 35);
    const legacy = fake.state.jobs.get(byName('legacy-export'))!;
    assert.equal(legacy.acl.some((e) => e.permission_level === 'IS_OWNER'), false);
    const orphan = await admin('GET', `/api/2.2/jobs/get?job_id=${byName('orphaned-cleanup')}`);
    assert.equal('creator_user_name' in orphan.json, false);
    assert.equal(orphan.json.run_as_user_name, DEMO.adminUser);
    const list = await admin('GET', '/api/2.2/jobs/list?limit=100&expand_tasks=true');
    const tasks = list.json.jobs.flatMap((j: { settings: { tasks?: Record<string, unknown>[] } }) => j.settings.tasks ?? []);
    assert.ok(tasks.some((t: Record<string, unknown>) => t.for_each_task));
    assert.ok(tasks.some((t: Record<string, unknown>) => t.sql_task));
    assert.ok(tasks.some((t: Record<string, unknown>) => t.environment_key));
    const unexpanded = await admin('GET', '/api/2.2/jobs/list?limit=5');
    assert.equal(unexpanded.json.jobs[0].settings.tasks, undefined);
  });

  it('pages tasks at 100 on 2.2 and returns them all on 2.1', async () => {
    const id = byName('mega-pipeline');
    const p1 = await admin('GET', `/api/2.2/jobs/get?job_id=${id}`);
    assert.equal(p1.json.settings.tasks.length, 100);
    assert.ok(p1.json.next_page_token);
    const p2 = await admin('GET', `/api/2.2/jobs/get?job_id=${id}&page_token=${p1.json.next_page_token}`);
    assert.equal(p2.json.settings.tasks.length, 30);
    assert.equal(p2.json.next_page_token, undefined);
    assert.equal(p2.json.settings.tasks[29].task_key, 'step_130');
    const all = await admin('GET', `/api/2.1/jobs/get?job_id=${id}`);
    assert.equal(all.json.settings.tasks.length, 130);
    assert.equal(all.json.next_page_token, undefined);
  });

  it('answers 400 "Job N does not exist." to an admin and 403 first to a caller without access', async () => {
    const missing = await admin('GET', '/api/2.2/jobs/get?job_id=999999');
    assert.equal(missing.status, 400);
    assert.equal(missing.json.error_code, 'INVALID_PARAMETER_VALUE');
    assert.equal(missing.json.message, 'Job 999999 does not exist.');
    const viewer = caller(fake.url, DEMO.viewerToken);
    const hidden = await viewer('GET', '/api/2.2/jobs/get?job_id=999999');
    assert.equal(hidden.status, 403);
    assert.equal(hidden.json.error_code, 'PERMISSION_DENIED');
    const noView = await viewer('GET', `/api/2.2/jobs/get?job_id=${byName('serverless-ingest')}`);
    assert.equal(noView.status, 403);
    const viaGroup = await viewer('GET', `/api/2.2/jobs/get?job_id=${byName('nightly-etl')}`);
    assert.equal(viaGroup.status, 200, 'analysts group grants CAN_VIEW');
    const maria = caller(fake.url, DEMO.nonAdminToken);
    assert.equal((await maria('GET', `/api/2.2/jobs/get?job_id=${byName('nightly-etl')}`)).status, 200);
  });

  it('reports run_as_user_name from the owner unless settings.run_as is set', async () => {
    const etl = await admin('GET', `/api/2.2/jobs/get?job_id=${byName('nightly-etl')}`);
    assert.equal(etl.json.run_as_user_name, DEMO.nonAdminUser);
    const retrain = await admin('GET', `/api/2.2/jobs/get?job_id=${byName('model-retrain-weekly')}`);
    assert.equal(retrain.json.run_as_user_name, DEMO.ciBotAppId);
  });
});
