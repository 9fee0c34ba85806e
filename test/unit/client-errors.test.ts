import * as assert from 'assert';
import * as net from 'net';
import type { ErrorKind } from '../../src/databricks';
import { createWorkspaceClient, DatabricksError, describeError, isCancellation } from '../../src/databricks';
import { FakeWorkspace, startFakeWorkspace } from '../fake-workspace';
import { ADMIN_PAT, patClient, RecordingLogger, seed } from './client-fixtures';

const ME = 'GET /api/2.0/preview/scim/v2/Me';
const json = 'application/json';

async function failure(p: Promise<unknown>): Promise<DatabricksError> {
  const e = await p.then(
    () => assert.fail('expected the call to fail'),
    (err: unknown) => err,
  );
  assert.ok(e instanceof DatabricksError, `expected DatabricksError, got ${String(e)}`);
  return e;
}

function assertReadable(e: DatabricksError): void {
  for (const text of [e.message, describeError(e)]) {
    assert.ok(text.length > 10, `too short: ${text}`);
    assert.ok(!/\{\}|\[object Object\]|undefined/.test(text), `unreadable: ${text}`);
    assert.ok(!text.includes(ADMIN_PAT), `leaks the token: ${text}`);
  }
}

describe('client: error bodies become one readable error', () => {
  let fake: FakeWorkspace;
  beforeEach(async () => {
    fake = await startFakeWorkspace({ seed: seed() });
  });
  afterEach(async () => {
    await fake.stop();
  });

  interface Case {
    name: string;
    status: number;
    body: string;
    contentType?: string;
    headers?: Record<string, string>;
    kind: ErrorKind;
    code?: string | number;
    says: string;
    advice: RegExp;
  }
  const cases: Case[] = [
    {
      name: '{error_code (string), message, details}',
      status: 400,
      body: '{"error_code":"INVALID_PARAMETER_VALUE","message":"The job must have exactly one owner.","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"X"}]}',
      contentType: 'application/json',
      kind: 'invalid',
      code: 'INVALID_PARAMETER_VALUE',
      says: 'The job must have exactly one owner.',
      advice: /refused the request \(400 The job must have exactly one owner\)/,
    },
    {
      name: '{error_code (integer) 403, message} for a blocked IP',
      status: 403,
      body: '{"error_code":403,"message":"Source IP address: 10.1.2.3 is blocked by Databricks IP ACL for workspace: 42"}',
      contentType: 'application/json',
      kind: 'ip-blocked',
      code: 403,
      says: 'Source IP address: 10.1.2.3 is blocked by Databricks IP ACL for workspace: 42',
      advice: /IP access list/,
    },
    {
      name: '{error, error_description}',
      status: 401,
      body: '{"error":"invalid_token","error_description":"The access token has expired"}',
      contentType: 'application/json',
      kind: 'auth',
      code: 'invalid_token',
      says: 'The access token has expired',
      advice: /Create a new personal access token/,
    },
    {
      name: 'SCIM {detail, status, scimType}',
      status: 409,
      body: '{"schemas":["urn:ietf:params:scim:api:messages:2.0:Error"],"detail":"Service principal already exists","status":"409","scimType":"uniqueness"}',
      contentType: 'application/scim+json',
      kind: 'invalid',
      code: 'uniqueness',
      says: 'Service principal already exists',
      advice: /Check the input/,
    },
    {
      name: 'plain text CODE: message',
      status: 400,
      body: 'INVALID_STATE: Cannot access cluster 0101-abc that was terminated 40 days ago.',
      contentType: 'text/plain',
      kind: 'invalid',
      code: 'INVALID_STATE',
      says: 'Cannot access cluster 0101-abc that was terminated 40 days ago.',
      advice: /refused the request/,
    },
    {
      name: 'HTML with <pre>',
      status: 500,
      body: '<html><head><title>Error 500</title></head><body><h2>HTTP ERROR 500</h2><pre>java.lang.IllegalStateException: boom &amp; &lt;bust&gt;</pre></body></html>',
      contentType: 'text/html',
      kind: 'unavailable',
      says: 'java.lang.IllegalStateException: boom & <bust>',
      advice: /temporarily unavailable.*Try again/,
    },
    {
      name: 'empty body (status text)',
      status: 502,
      body: '',
      kind: 'unavailable',
      says: 'Bad Gateway',
      advice: /\(502 Bad Gateway\)/,
    },
    {
      name: 'JSON with nothing useful',
      status: 400,
      body: '{}',
      contentType: 'application/json',
      kind: 'invalid',
      says: 'Bad Request',
      advice: /\(400 Bad Request\)/,
    },
    {
      name: 'PERMISSION_DENIED',
      status: 403,
      body: '{"error_code":"PERMISSION_DENIED","message":"alice does not have Manage permissions on Job 7."}',
      contentType: 'application/json',
      kind: 'permission',
      code: 'PERMISSION_DENIED',
      says: 'alice does not have Manage permissions on Job 7.',
      advice: /You do not have permission/,
    },
    {
      name: 'REQUEST_LIMIT_EXCEEDED under 400 (after retries)',
      status: 400,
      body: '{"error_code":"REQUEST_LIMIT_EXCEEDED","message":"Too many requests."}',
      contentType: 'application/json',
      kind: 'rate-limit',
      code: 'REQUEST_LIMIT_EXCEEDED',
      says: 'Too many requests.',
      advice: /rate-limiting/,
    },
  ];

  for (const c of cases) {
    it(`${c.name} → kind ${c.kind}`, async () => {
      fake.faults.inject({ match: ME, kind: { type: 'status', status: c.status, body: c.body, contentType: c.contentType, headers: c.headers } });
      const client = await patClient(fake.url, { retry: { maxAttempts: 1 } });
      const e = await failure(client.me());
      assert.strictEqual(e.kind, c.kind);
      assert.strictEqual(e.status, c.status);
      assert.strictEqual(e.errorCode, c.code);
      assert.strictEqual(e.serverMessage, c.says);
      assert.strictEqual(e.method, 'GET');
      assert.strictEqual(e.path, '/api/2.0/preview/scim/v2/Me');
      assert.strictEqual(e.requestId, fake.calls.at(-1)?.requestId, 'request id kept from x-request-id');
      assert.ok(e.message.includes(c.says), e.message);
      assert.match(describeError(e), c.advice);
      assertReadable(e);
    });
  }

  it('an unknown endpoint (404 ENDPOINT_NOT_FOUND) is kind not-found', async () => {
    const client = await patClient(fake.url);
    const missing = await failure(client.getStatement('nope'));
    assert.strictEqual(missing.kind, 'not-found');
    assert.match(describeError(missing), /was not found\. It may have been deleted/);
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 404, contentType: json, body: `{"error_code":"ENDPOINT_NOT_FOUND","message":"No API found for 'GET /preview/scim/v2/Me'"}` } });
    const e = await failure(client.me());
    assert.strictEqual(e.kind, 'not-found');
    assert.match(describeError(e), /^http:\/\/127\.0\.0\.1:\d+ does not offer GET \/api\/2\.0\/preview\/scim\/v2\/Me \(404 No API found/);
    assertReadable(e);
  });

  it('a 200 HTML page or a non-JSON body is kind not-databricks', async () => {
    const client = await patClient(fake.url);
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 200, body: '<!doctype html><html><body>Sign in</body></html>', contentType: 'text/html' } });
    const html = await failure(client.me());
    assert.strictEqual(html.kind, 'not-databricks');
    assert.match(describeError(html), /does not look like a Databricks workspace/);
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 200, body: 'hello from nginx', contentType: 'text/plain' } });
    const text = await failure(client.me());
    assert.strictEqual(text.kind, 'not-databricks');
    fake.faults.inject({ match: ME, kind: { type: 'status', status: 302, body: '', headers: { Location: 'https://login.example.com/' } } });
    const redirect = await failure(client.me());
    assert.strictEqual(redirect.kind, 'not-databricks');
    assertReadable(redirect);
  });

  it('a JSON answer without a required field is kind bad-response naming endpoint and field', async () => {
    const client = await patClient(fake.url);
    fake.faults.inject({ match: 'GET /api/2.0/permissions/jobs/1', kind: { type: 'status', status: 200, body: '{"object_type":"job","access_control_list":[]}', contentType: 'application/json' } });
    const e = await failure(client.getPermissions('jobs', '1'));
    assert.strictEqual(e.kind, 'bad-response');
    assert.match(e.message, /GET \/api\/2\.0\/permissions\/jobs\/1 answered without a valid "object_id"/);
    fake.faults.inject({ match: 'GET /api/2.2/jobs/list', kind: { type: 'status', status: 200, body: '{"jobs":[{"settings":{}}]}', contentType: 'application/json' } });
    const list = await failure((async () => {
      for await (const page of client.listJobPages()) void page;
    })());
    assert.match(list.message, /"jobs\.0\.job_id"/);
  });

  it('never puts a token or secret from the server answer into a message or log', async () => {
    const logger = new RecordingLogger();
    const client = await patClient(fake.url, { logger, retry: { maxAttempts: 1 } });
    fake.faults.inject({
      match: ME,
      kind: {
        type: 'status',
        status: 400,
        contentType: 'application/json',
        body: JSON.stringify({ error_code: 'BAD_REQUEST', message: `header was Authorization: Bearer ${ADMIN_PAT}; also token=${ADMIN_PAT} client_secret=dose0000aaaa1111bbbb2222cccc3333dddd and raw ${ADMIN_PAT}` }),
      },
    });
    const e = await failure(client.me());
    const all = `${e.message} ${e.serverMessage} ${describeError(e)} ${logger.text()} ${JSON.stringify(e)}`;
    assert.ok(!all.includes(ADMIN_PAT), all);
    assert.ok(!all.includes('dose0000aaaa1111bbbb2222cccc3333dddd'), all);
    assert.match(e.message, /Bearer \*\*\*/);
    assert.ok(logger.lines.some((l) => l.level === 'trace' && /GET \/api\/2\.0\/preview\/scim\/v2\/Me → 400 in \d+ ms \(request [\w-]+\) \(attempt 1\)/.test(l.m)), logger.text());
  });
});

describe('client: network failures', () => {
  it('connection refused is kind network naming the host', async () => {
    const port = await closedPort();
    const client = await createWorkspaceClient({ host: `http://127.0.0.1:${port}`, auth: { type: 'pat', token: ADMIN_PAT }, env: {}, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 2 } });
    const e = await failure(client.me());
    assert.strictEqual(e.kind, 'network');
    assert.strictEqual(describeError(e), `Could not reach http://127.0.0.1:${port} (the connection was refused). Check the host name, your network connection and proxy settings.`);
  });

  it('an unresolvable host is kind network and says so', async () => {
    const client = await createWorkspaceClient({ host: 'nonexistent-zipher-host.invalid', auth: { type: 'pat', token: ADMIN_PAT }, env: {}, retry: { maxAttempts: 1 } });
    const e = await failure(client.me());
    assert.strictEqual(e.kind, 'network');
    assert.match(describeError(e), /^Could not reach https:\/\/nonexistent-zipher-host\.invalid \((the host name nonexistent-zipher-host\.invalid could not be resolved|network error \w+)\)\./);
  });
});

describe('client: describeError covers every kind', () => {
  const kinds: ErrorKind[] = ['auth', 'ip-blocked', 'permission', 'not-found', 'invalid', 'rate-limit', 'unavailable', 'network', 'timeout', 'cancelled', 'not-databricks', 'bad-response', 'config'];
  for (const kind of kinds) {
    it(kind, () => {
      const e = new DatabricksError({ kind, message: `GET /x failed: something about ${kind}.`, host: 'https://h.cloud.databricks.com', status: 400, serverMessage: 'Something' });
      const text = describeError(e);
      assert.ok(/^(https?:\/\/|[A-Z]).+\.$/.test(text), `a sentence: ${text}`);
      assert.ok(!/\{\}|\[object Object\]|undefined/.test(text), text);
      assert.strictEqual(isCancellation(e), kind === 'cancelled');
    });
  }
  it('foreign values', () => {
    assert.strictEqual(describeError(new Error('Bearer abcdefgh1234 broke')), 'Bearer *** broke');
    assert.strictEqual(describeError({}), 'An unexpected error occurred. See the Zipher log for details.');
    const abort = new DOMException('aborted', 'AbortError');
    assert.ok(isCancellation(abort));
    assert.strictEqual(describeError(abort), 'The operation was cancelled.');
  });
});

function closedPort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}
