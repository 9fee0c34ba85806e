import * as assert from 'assert';
import { DatabricksError } from '../../src/databricks';
import { stringFields, orThrow } from '../../src/vscode/shapes';
import { FakeWorkspace, startFakeWorkspace } from '../fake-workspace';
import { patClient, seed } from './client-fixtures';

const json = 'application/json';

describe('response schemas (zod/mini) through the real client', () => {
  let fake: FakeWorkspace;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: seed() });
  });
  afterEach(async () => {
    await fake.stop();
  });

  it('tolerates unknown fields, coerces string ids and numbers, and fills the omitted defaults', async () => {
    fake.faults.inject({
      match: 'GET /api/2.2/jobs/list',
      kind: { type: 'status', status: 200, contentType: json, body: JSON.stringify({ jobs: [{ job_id: '42', created_time: '1700000000000', brand_new_field: { x: 1 } }], has_more: false }) },
    });
    const client = await patClient(fake.url);
    const pages: unknown[][] = [];
    for await (const page of client.listJobPages()) pages.push(page);
    assert.deepStrictEqual(pages, [[{ job_id: 42, created_time: 1700000000000, brand_new_field: { x: 1 }, settings: {} }]]);

    fake.faults.inject({ match: 'GET /api/2.0/permissions/jobs/7', kind: { type: 'status', status: 200, contentType: json, body: '{"object_id":"/jobs/7","object_type":"job"}' } });
    const acl = await client.getPermissions('jobs', '7');
    assert.deepStrictEqual(acl.access_control_list, [], 'an omitted list reads as empty');
  });

  it('a wrong or missing field is bad-response with zod\'s English wording, naming endpoint and field', async () => {
    fake.faults.inject({ match: 'GET /api/2.0/permissions/jobs/1', kind: { type: 'status', status: 200, contentType: json, body: '{"object_type":"job","access_control_list":[]}' } });
    const client = await patClient(fake.url);
    const e = await client.getPermissions('jobs', '1').then(
      () => assert.fail('expected a bad-response error'),
      (err: unknown) => err,
    );
    assert.ok(e instanceof DatabricksError);
    assert.strictEqual(e.kind, 'bad-response');
    assert.strictEqual(e.message, 'GET /api/2.0/permissions/jobs/1 answered without a valid "object_id" (Invalid input: expected string, received undefined).');

    fake.faults.inject({ match: 'GET /api/2.2/jobs/list', kind: { type: 'status', status: 200, contentType: json, body: '{"jobs":[{"job_id":"12abc"}]}' } });
    const bad = await (async () => {
      for await (const page of client.listJobPages()) void page;
    })().then(
      () => assert.fail('expected a bad-response error'),
      (err: unknown) => err,
    );
    assert.ok(bad instanceof DatabricksError);
    assert.match(bad.message, /"jobs\.0\.job_id" \(Invalid input\)/);
  });
});

describe('stringFields (settings and SecretStorage shapes)', () => {
  const check = stringFields({ host: {}, auth: { oneOf: ['pat', 'profile'] }, profile: { optional: true } });

  it('keeps the known fields only and leaves absent optional ones out', () => {
    assert.deepStrictEqual(check({ host: 'h', auth: 'pat', extra: 'dropped' }), { ok: true, value: { host: 'h', auth: 'pat' } });
    assert.deepStrictEqual(check({ host: 'h', auth: 'profile', profile: 'dev' }), { ok: true, value: { host: 'h', auth: 'profile', profile: 'dev' } });
  });

  it('names the field that is missing, empty, of the wrong type or not an allowed value', () => {
    assert.deepStrictEqual(check({ auth: 'pat' }), { ok: false, reason: '"host" is missing' });
    assert.deepStrictEqual(check({ host: '', auth: 'pat' }), { ok: false, reason: '"host" must be a non-empty string' });
    assert.deepStrictEqual(check({ host: 'h', auth: 'pat', profile: null }), { ok: false, reason: '"profile" must be a non-empty string' });
    assert.deepStrictEqual(check({ host: 'h', auth: 'oauth' }), { ok: false, reason: '"auth" must be one of "pat", "profile"' });
    for (const notAnObject of [null, 'h', 3, ['h']]) assert.deepStrictEqual(check(notAnObject), { ok: false, reason: 'expected an object' });
  });

  it('orThrow says what is wrong without echoing the value', () => {
    const secretCheck = stringFields({ clientId: {}, clientSecret: {} });
    assert.deepStrictEqual(orThrow(secretCheck({ clientId: 'a', clientSecret: 's3cr3t-value' }), 'credential'), { clientId: 'a', clientSecret: 's3cr3t-value' });
    assert.throws(
      () => orThrow(secretCheck({ clientId: 's3cr3t-value', clientSecret: 7 }), 'credential'),
      (e: Error) => e.message === 'Invalid credential: "clientSecret" must be a non-empty string.' && !e.message.includes('s3cr3t'),
    );
  });
});
