/**
 * The scheduler in front of the fake workspace over real HTTP: its concurrency cap, write rate
 * limit and injected 429s. Requests go through plain `fetch` the way the client sends them:
 * acquire, one attempt, release with feedback, on 429 sleep Retry-After and try again.
 * Assertions count requests, 429s and requests in flight; none measures wall-clock speed.
 */
import * as assert from 'assert';
import { RequestKind, RequestScheduler, ThrottleCause } from '../../src/databricks/scheduler';
import { DEMO, FakeWorkspace, scaleSeed, startFakeWorkspace } from '../fake-workspace';

const JOBS = 200;

interface Traffic {
  ok: number;
  throttled: number;
  /** when each kind was last throttled and for how long the server asked us to wait */
  pauses: { kind: RequestKind; from: number; until: number }[];
  /** times permits were granted, per kind */
  grants: { kind: RequestKind; at: number }[];
  peakInFlight: number;
  /** peak in flight at grants made after the first Retry-After pause, with a cap known */
  peakWithCapKnown: number;
  /** the highest cap the scheduler believed in at any of those grants */
  highestCapKnown: number;
}

function newTraffic(): Traffic {
  return { ok: 0, throttled: 0, pauses: [], grants: [], peakInFlight: 0, peakWithCapKnown: 0, highestCapKnown: 0 };
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** One call as the HTTP layer makes it. */
async function send(fake: FakeWorkspace, s: RequestScheduler, traffic: Traffic, kind: RequestKind, method: string, path: string, body?: unknown): Promise<number> {
  for (let attempt = 0; attempt < 30; attempt++) {
    const permit = await s.acquire(kind, 'user');
    const grantedAt = performance.now();
    traffic.grants.push({ kind, at: grantedAt });
    const st = s.stats();
    traffic.peakInFlight = Math.max(traffic.peakInFlight, st.inFlight);
    const warm = traffic.pauses.length > 0 && grantedAt > traffic.pauses[0].until;
    if (warm && st.concurrencyCap !== undefined) {
      traffic.peakWithCapKnown = Math.max(traffic.peakWithCapKnown, st.inFlight);
      traffic.highestCapKnown = Math.max(traffic.highestCapKnown, st.concurrencyCap);
    }
    let status: number;
    let text: string;
    let retryAfter: string | null;
    try {
      const res = await fetch(`${fake.url}${path}`, {
        method,
        headers: { Authorization: `Bearer ${DEMO.adminToken}`, 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      text = await res.text();
      status = res.status;
      retryAfter = res.headers.get('retry-after');
    } catch (e) {
      permit.release({ type: 'error' });
      throw e;
    }
    if (status !== 429) {
      permit.release(status < 400 ? { type: 'ok', latencyMs: performance.now() - grantedAt } : { type: 'error' });
      traffic.ok++;
      return status;
    }
    const retryAfterMs = retryAfter === null ? 1000 : Number(retryAfter) * 1000;
    const cause: ThrottleCause | undefined = /concurrent limit/i.test(text) ? 'concurrency' : undefined;
    const now = performance.now();
    traffic.throttled++;
    traffic.pauses.push({ kind, from: now, until: now + retryAfterMs });
    permit.release({ type: 'throttled', retryAfterMs, cause });
    await sleep(retryAfterMs);
  }
  throw new Error(`gave up on ${method} ${path}`);
}

const jobIds = (n: number) => Array.from({ length: n }, (_, i) => (i % JOBS) + 1);
const readAcl = (fake: FakeWorkspace, s: RequestScheduler, t: Traffic, id: number) => send(fake, s, t, 'read', 'GET', `/api/2.0/permissions/jobs/${id}`);
const writeAcl = (fake: FakeWorkspace, s: RequestScheduler, t: Traffic, id: number) =>
  send(fake, s, t, 'write', 'PATCH', `/api/2.0/permissions/jobs/${id}`, { access_control_list: [{ group_name: 'data-eng', permission_level: 'CAN_MANAGE_RUN' }] });

/** Grants that happened while their kind was paused by a 429's Retry-After. */
function grantsDuringPauses(t: Traffic): number {
  // Permits are granted synchronously in the scheduler but recorded once the awaiting code
  // resumes, so allow a couple of milliseconds of slack around the pause's edges.
  return t.grants.filter((g) => t.pauses.some((p) => p.kind === g.kind && g.at > p.from + 2 && g.at < p.until - 2)).length;
}

describe('RequestScheduler against the fake workspace', function () {
  this.timeout(60_000);
  let fake: FakeWorkspace;

  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: scaleSeed(JOBS) });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('with the ceiling at the cap, never trips it', async () => {
    fake.faults.concurrencyCap = 20;
    fake.faults.latencyMs = 10;
    const s = new RequestScheduler({ ceiling: 20 });
    const t = newTraffic();
    const statuses = await Promise.all(jobIds(600).map((id) => readAcl(fake, s, t, id)));
    assert.ok(statuses.every((x) => x === 200));
    assert.strictEqual(fake.faults.throttledCount, 0);
    assert.strictEqual(t.peakInFlight, 20, 'it used all it was allowed');
    // how many overlap at the server also depends on how busy this machine is
    assert.ok(fake.faults.maxInFlightSeen >= 10 && fake.faults.maxInFlightSeen <= 20);
  });

  it('finds the cap above a higher ceiling, then sits below it', async () => {
    fake.faults.concurrencyCap = 20;
    fake.faults.latencyMs = 20;
    const s = new RequestScheduler({ ceiling: 40 });
    const t = newTraffic();
    let learnedAt = -1;
    const work = jobIds(1200).map(async (id) => {
      await readAcl(fake, s, t, id);
      if (learnedAt < 0 && s.stats().concurrencyCap !== undefined) learnedAt = fake.faults.throttledCount;
    });
    await Promise.all(work);
    assert.strictEqual(t.ok, 1200);
    assert.ok(fake.faults.throttledCount <= 30, `${fake.faults.throttledCount} 429s`);
    assert.ok(learnedAt >= 0, 'the cap was learned');
    const cap = s.stats().concurrencyCap;
    assert.ok(cap !== undefined && cap <= 20 && cap >= 16, `learned cap ${cap}`);
    // After warm-up: at most one above the cap it believes in, when probing whether it has gone up.
    // On a loaded machine a probe can succeed (the server finished a request the client has not
    // read yet), so the belief may rise for a while; the fake's own cap keeps the server honest.
    assert.ok(t.peakWithCapKnown > 0 && t.peakWithCapKnown <= t.highestCapKnown + 1, `sent with ${t.peakWithCapKnown} in flight after warm-up, cap believed ${t.highestCapKnown}`);
    assert.ok(fake.maxInFlightSeen <= 20, `the server saw ${fake.maxInFlightSeen} accepted at once`);
    assert.ok(fake.faults.throttledCount - learnedAt <= 10, 'few 429s once the cap was known');
    assert.strictEqual(grantsDuringPauses(t), 0, 'no read sent while reads were paused by Retry-After');
  });

  it('learns the write rate and paces just below it', async () => {
    fake.faults.writeRatePerSecond = 60;
    const s = new RequestScheduler({ ceiling: 20 });
    const t = newTraffic();
    const statuses = await Promise.all(jobIds(360).map((id) => writeAcl(fake, s, t, id)));
    assert.ok(statuses.every((x) => x === 200));
    const rate = s.stats().rate.write;
    assert.ok(rate !== undefined && rate > 40 && rate < 80, `learned ${rate}/s for a limit of 60/s`);
    assert.ok(fake.faults.throttledCount <= 40, `${fake.faults.throttledCount} 429s for 360 writes`);
    assert.strictEqual(s.stats().concurrencyCap, undefined, 'a rate limit is not taken for a concurrency cap');
    assert.strictEqual(grantsDuringPauses(t), 0, 'no write sent while writes were paused by Retry-After');
  });

  it('reads keep flowing while writes are paced', async () => {
    fake.faults.writeRatePerSecond = 40;
    const s = new RequestScheduler({ ceiling: 10 });
    const t = newTraffic();
    let readsDoneBeforeWrites = 0;
    let writesDone = 0;
    const writes = jobIds(120).map(async (id) => {
      await writeAcl(fake, s, t, id);
      writesDone++;
    });
    const reads = jobIds(300).map(async (id) => {
      await readAcl(fake, s, t, id);
      if (writesDone < 120) readsDoneBeforeWrites++;
    });
    await Promise.all([...writes, ...reads]);
    assert.ok(fake.faults.throttledCount > 0, 'the write limit was hit');
    assert.ok(readsDoneBeforeWrites >= 250, `${readsDoneBeforeWrites} of 300 reads finished before the writes`);
    assert.strictEqual(fake.faults.maxInFlightSeen <= 10, true);
  });

  it('never exceeds the user ceiling, all kinds together', async () => {
    fake.faults.latencyMs = 5; // else the fake answers each request before the next arrives
    const s = new RequestScheduler({ ceiling: 6 });
    const t = newTraffic();
    const work = jobIds(400).map((id, i) => (i % 4 === 0 ? writeAcl(fake, s, t, id) : readAcl(fake, s, t, id)));
    const statuses = await Promise.all(work);
    assert.ok(statuses.every((x) => x === 200));
    assert.ok(fake.faults.maxInFlightSeen <= 6, `the fake saw ${fake.faults.maxInFlightSeen} at once`);
    assert.strictEqual(t.peakInFlight, 6);
  });

  it('honours Retry-After and recovers after an injected burst of 429s', async () => {
    fake.faults.latencyMs = 5;
    const s = new RequestScheduler({ ceiling: 10 });
    const t = newTraffic();
    await Promise.all(jobIds(200).map((id) => readAcl(fake, s, t, id)));
    assert.strictEqual(s.stats().limit.read, 10);
    assert.strictEqual(t.throttled, 0);

    fake.faults.inject({
      match: 'GET /api/2.0/permissions/jobs',
      times: 5,
      kind: {
        type: 'status',
        status: 429,
        headers: { 'Retry-After': '1', 'Content-Type': 'application/json' },
        body: JSON.stringify({ error_code: 'REQUEST_LIMIT_EXCEEDED', message: 'Too many requests. Please retry later.' }),
      },
    });
    await Promise.all(jobIds(600).map((id) => readAcl(fake, s, t, id)));
    assert.strictEqual(t.throttled, 5, 'only the injected 429s');
    assert.strictEqual(t.ok, 800);
    assert.strictEqual(grantsDuringPauses(t), 0, 'nothing sent while paused');

    // Recovered: back at the ceiling, every slot in use again.
    t.peakInFlight = 0;
    await Promise.all(jobIds(300).map((id) => readAcl(fake, s, t, id)));
    assert.strictEqual(s.stats().limit.read, 10);
    assert.strictEqual(t.peakInFlight, 10);
    assert.strictEqual(s.stats().concurrencyCap, undefined, 'a burst of 429s is not a cap');
  });
});
