import * as assert from 'assert';
import { DatabricksError, describeError, isCancellation, RequestScheduler } from '../../src/databricks';
import { FakeWorkspace, startFakeWorkspace } from '../fake-workspace';
import { patClient, RecordingLogger, RecordingScheduler, seed, SP_SCIM_ID } from './client-fixtures';

const ME = 'GET /api/2.0/preview/scim/v2/Me';
const SECRETS = `POST /api/2.0/accounts/servicePrincipals/${SP_SCIM_ID}/credentials/secrets`;
const STATEMENTS = 'POST /api/2.0/sql/statements';
const json = 'application/json';

function retryLines(logger: RecordingLogger): string[] {
  return logger.lines.filter((l) => l.level === 'debug' && /retry \d+ of/.test(l.m)).map((l) => l.m);
}

async function failure(p: Promise<unknown>): Promise<DatabricksError> {
  const e = await p.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof DatabricksError, `expected DatabricksError, got ${String(e)}`);
  return e;
}

describe('client: retries', () => {
  let fake: FakeWorkspace;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: seed() });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('429 with Retry-After: waits the given seconds, tells the scheduler, then succeeds', async () => {
    const logger = new RecordingLogger();
    const scheduler = new RecordingScheduler();
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 429, body: '{"error_code":"TOO_MANY_REQUESTS","message":"slow down"}', contentType: json, headers: { 'Retry-After': '1' } } });
    const client = await patClient(fake.url, { logger, scheduler });
    await client.me();
    assert.strictEqual(fake.requestCount(ME), 2);
    assert.deepStrictEqual(retryLines(logger), ['GET /api/2.0/preview/scim/v2/Me: 429 TOO_MANY_REQUESTS; retry 1 of 5 in 1000 ms']);
    assert.deepStrictEqual(scheduler.feedback[0], { type: 'throttled', retryAfterMs: 1000, cause: 'rate' });
    assert.strictEqual(scheduler.feedback[1].type, 'ok');
    assert.deepStrictEqual(scheduler.acquired, ['read', 'read'], 'every attempt goes through the scheduler');
  });

  it('a 429 that names the concurrent limit tells the scheduler it hit the cap, not a rate', async () => {
    const scheduler = new RecordingScheduler();
    fake.faults.inject({
      match: ME,
      kind: { type: 'status', status: 429, body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"Your request exceeded the concurrent limit of 20 requests"}', contentType: json, headers: { 'Retry-After': '1' } },
    });
    const client = await patClient(fake.url, { scheduler });
    await client.me();
    assert.deepStrictEqual(scheduler.feedback[0], { type: 'throttled', retryAfterMs: 1000, cause: 'concurrency' });
  });

  it('REQUEST_LIMIT_EXCEEDED under 400 and RESOURCE_EXHAUSTED under 500 are retried', async () => {
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 400, body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"Rate limit"}', contentType: json } });
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 500, body: '{"error_code":"RESOURCE_EXHAUSTED","message":"Quota"}', contentType: json, headers: { 'Retry-After': '0' } } });
    const client = await patClient(fake.url);
    await client.me();
    assert.strictEqual(fake.requestCount(ME), 3);
  });

  it('503 and 504 on reads, and connection resets on idempotent calls, are retried', async () => {
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 503, body: '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"}', contentType: json } });
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 504, body: '' } });
    fake.faults.inject({ match: ME, kind: { type: 'reset' } });
    const client = await patClient(fake.url);
    await client.me();
    assert.strictEqual(fake.requestCount(ME), 4);

    fake.faults.inject({ match: 'PATCH /api/2.0/permissions/jobs/1', kind: { type: 'reset' } });
    await client.updatePermissions('jobs', '1', [{ user_name: 'admin@example.com', permission_level: 'IS_OWNER' }]);
    assert.strictEqual(fake.requestCount('PATCH /api/2.0/permissions/jobs/1'), 2);
  });

  it('a 504 on a write is not retried', async () => {
    fake.faults.inject({ match: 'PUT /api/2.0/permissions/jobs/1', kind: { type: 'status', status: 504, body: '' } });
    const client = await patClient(fake.url);
    const e = await failure(client.setPermissions('jobs', '1', [{ user_name: 'admin@example.com', permission_level: 'IS_OWNER' }]));
    assert.strictEqual(e.kind, 'unavailable');
    assert.strictEqual(fake.requestCount('PUT /api/2.0/permissions/jobs/1'), 1);
  });

  it('never retries a non-idempotent POST on 503 or a reset (secret creation, statements)', async () => {
    const client = await patClient(fake.url);
    fake.faults.inject({ match: SECRETS, kind: { type: 'status', status: 503, body: '{"error_code":"TEMPORARILY_UNAVAILABLE","message":"try later"}', contentType: json } });
    const e = await failure(client.createWorkspaceSpSecret(SP_SCIM_ID, 3600));
    assert.strictEqual(e.kind, 'unavailable');
    assert.strictEqual(fake.requestCount(SECRETS), 1);

    fake.faults.inject({ match: SECRETS, kind: { type: 'reset' } });
    assert.strictEqual((await failure(client.createWorkspaceSpSecret(SP_SCIM_ID, 3600))).kind, 'network');
    assert.strictEqual(fake.requestCount(SECRETS), 2);

    fake.faults.inject({ match: STATEMENTS, kind: { type: 'status', status: 503, body: '' } });
    await failure(client.executeStatement({ warehouse_id: 'wh1', statement: 'SELECT 1' }));
    assert.strictEqual(fake.requestCount(STATEMENTS), 1);
  });

  it('does retry a non-idempotent POST on 429 (refused before processing)', async () => {
    const client = await patClient(fake.url);
    fake.faults.inject({ match: SECRETS, kind: { type: 'status', status: 429, body: '', headers: { 'Retry-After': '0' } } });
    const created = await client.createWorkspaceSpSecret(SP_SCIM_ID, 3600);
    assert.ok(created.secret);
    assert.strictEqual(fake.requestCount(SECRETS), 2);
  });

  it('gives up after maxAttempts with the last error', async () => {
    fake.faults.inject({ match: ME, times: 10, kind: { type: 'status', status: 429, body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"Too many requests"}', contentType: json, headers: { 'Retry-After': '0' } } });
    const client = await patClient(fake.url, { retry: { maxAttempts: 3, baseDelayMs: 1, maxDelayMs: 2 } });
    const e = await failure(client.me());
    assert.strictEqual(e.kind, 'rate-limit');
    assert.strictEqual(fake.requestCount(ME), 3);
    assert.match(describeError(e), /rate-limiting requests \(429 Too many requests\)/);
  });

  it('without Retry-After uses capped backoff with jitter', async () => {
    const logger = new RecordingLogger();
    fake.faults.inject({ match: ME, times: 4, kind: { type: 'status', status: 503, body: '' } });
    const client = await patClient(fake.url, { logger, retry: { maxAttempts: 6, baseDelayMs: 10, maxDelayMs: 25 } });
    await client.me();
    const delays = retryLines(logger).map((l) => Number(/in (\d+) ms/.exec(l)?.[1]));
    assert.strictEqual(delays.length, 4);
    const caps = [10, 20, 25, 25];
    delays.forEach((d, i) => assert.ok(d >= 0 && d <= caps[i], `delay ${i + 1} = ${d} exceeds ${caps[i]}`));
  });
});

describe('client: cancellation and timeouts', () => {
  let fake: FakeWorkspace;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: seed() });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('an abort during the request rejects with kind cancelled', async () => {
    fake.faults.inject({ match: ME, kind: { type: 'delay', ms: 3000 } });
    const client = await patClient(fake.url);
    const ac = new AbortController();
    const p = client.me({ signal: ac.signal });
    await waitFor(() => fake.faults.inFlight > 0);
    ac.abort();
    const e = await failure(p);
    assert.strictEqual(e.kind, 'cancelled');
    assert.ok(isCancellation(e));
    assert.strictEqual(describeError(e), 'The operation was cancelled.');
  });

  it('an abort during the backoff sleep stops retrying', async () => {
    const ac = new AbortController();
    const logger = new RecordingLogger((level, m) => {
      if (level === 'debug' && /retry 1 of/.test(m)) ac.abort();
    });
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 429, body: '', headers: { 'Retry-After': '30' } } });
    const client = await patClient(fake.url, { logger });
    const e = await failure(client.me({ signal: ac.signal }));
    assert.strictEqual(e.kind, 'cancelled');
    assert.strictEqual(fake.requestCount(ME), 1);
  });

  it('an abort while queued in the scheduler rejects without sending', async () => {
    const scheduler = new RequestScheduler({ ceiling: 1 });
    const client = await patClient(fake.url, { scheduler });
    fake.faults.inject({ match: ME, kind: { type: 'delay', ms: 300 } });
    const first = client.me();
    await waitFor(() => scheduler.stats().inFlight === 1);
    const ac = new AbortController();
    const second = client.listWorkspace('/', { signal: ac.signal });
    await waitFor(() => scheduler.stats().queued === 1);
    ac.abort();
    assert.strictEqual((await failure(second)).kind, 'cancelled');
    await first;
    assert.strictEqual(fake.requestCount('GET /api/2.0/workspace/list'), 0);
    assert.strictEqual(scheduler.stats().inFlight, 0, 'every permit released');
  });

  it('an already-aborted signal sends nothing', async () => {
    const client = await patClient(fake.url);
    const e = await failure(client.me({ signal: AbortSignal.abort() }));
    assert.strictEqual(e.kind, 'cancelled');
    assert.strictEqual(fake.requestCount(ME), 0);
  });

  it('a slow answer is kind timeout after the per-request timeout; a read is retried', async () => {
    fake.faults.inject({ match: ME, kind: { type: 'delay', ms: 5000 } });
    const once = await patClient(fake.url, { timeoutMs: 300, retry: { maxAttempts: 1 } });
    const e = await failure(once.me());
    assert.strictEqual(e.kind, 'timeout');
    assert.match(describeError(e), /did not answer in time/);

    fake.faults.inject({ match: ME, kind: { type: 'delay', ms: 5000 } });
    // generous: the second attempt must answer within it even on a loaded machine
    const retrying = await patClient(fake.url, { timeoutMs: 1500, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    assert.ok((await retrying.me()).userName);
  });
});

async function waitFor(cond: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !cond(); i++) await new Promise((r) => setTimeout(r, 5));
  assert.ok(cond(), 'condition not reached');
}
