import * as assert from 'assert';
import { promises as fs } from 'fs';
import * as os from 'os';
import * as path from 'path';
import { AuthConfig, createWorkspaceClient, DatabricksError, listProfiles, resolveAuth } from '../../src/databricks';

const SECRET = 'dose0123456789abcdef0123456789abcdef';
const TOKEN = 'dapi0123456789abcdef0123456789abcdef';

async function tempConfig(text: string): Promise<string> {
  const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'zipher-cfg-'));
  const file = path.join(dir, 'databrickscfg');
  await fs.writeFile(file, text);
  return file;
}

function isConfigError(match: RegExp, ...mustNotContain: string[]) {
  return (e: unknown) => {
    assert.ok(e instanceof DatabricksError, `expected DatabricksError, got ${String(e)}`);
    assert.strictEqual(e.kind, 'config');
    assert.match(e.message, match);
    for (const s of mustNotContain) assert.ok(!e.message.includes(s), `message leaks a secret: ${e.message}`);
    return true;
  };
}

const CFG = `
; comment
[DEFAULT]
host = https://adb-111.1.azuredatabricks.net/
token = ${TOKEN}

[m2m]
host = dbc-2.cloud.databricks.com
client_id = 1b2c3d4e-0000-4000-8000-000000000001
client_secret = ${SECRET}
account_id = acc-1

[both]
host = https://x.cloud.databricks.com
token = ${TOKEN}
client_id = abc
client_secret = ${SECRET}

[both-picked]
host = https://x.cloud.databricks.com
token = ${TOKEN}
client_id = abc
client_secret = ${SECRET}
auth_type = oauth-m2m

[nohost]
token = ${TOKEN}

[cli]
host = https://y.cloud.databricks.com
auth_type = databricks-cli
`;

describe('client: profiles and environment', () => {
  let file: string;
  before(async () => {
    file = await tempConfig(CFG);
  });

  it('lists every profile, DEFAULT included, with its auth type', async () => {
    const profiles = await listProfiles({ configFile: file });
    assert.deepStrictEqual(profiles, [
      { name: 'DEFAULT', host: 'https://adb-111.1.azuredatabricks.net', authType: 'pat' },
      { name: 'm2m', host: 'https://dbc-2.cloud.databricks.com', authType: 'oauth-m2m' },
      { name: 'both', host: 'https://x.cloud.databricks.com', authType: 'ambiguous' },
      { name: 'both-picked', host: 'https://x.cloud.databricks.com', authType: 'oauth-m2m' },
      { name: 'nohost', host: undefined, authType: 'pat' },
      { name: 'cli', host: 'https://y.cloud.databricks.com', authType: 'unknown' },
    ]);
  });

  it('finds the file through DATABRICKS_CONFIG_FILE, and returns [] when it does not exist', async () => {
    assert.strictEqual((await listProfiles({ env: { DATABRICKS_CONFIG_FILE: file } })).length, 6);
    assert.deepStrictEqual(await listProfiles({ env: { DATABRICKS_CONFIG_FILE: path.join(os.tmpdir(), 'nope-zipher-x', 'cfg') } }), []);
  });

  it('resolves a PAT profile and an OAuth profile', async () => {
    const pat = await resolveAuth({ auth: { type: 'profile', profile: 'DEFAULT', configFile: file }, env: {} });
    assert.deepStrictEqual(pat.auth, { type: 'pat', token: TOKEN });
    assert.strictEqual(pat.host, 'https://adb-111.1.azuredatabricks.net');
    const m2m = await resolveAuth({ auth: { type: 'profile', profile: 'm2m', configFile: file }, env: {} });
    assert.deepStrictEqual(m2m.auth, { type: 'oauth-m2m', clientId: '1b2c3d4e-0000-4000-8000-000000000001', clientSecret: SECRET });
    assert.strictEqual(m2m.accountId, 'acc-1');
    assert.strictEqual(m2m.profile, 'm2m');
  });

  it('uses DATABRICKS_CONFIG_PROFILE, else DEFAULT, when no profile is named', async () => {
    const viaEnv = await resolveAuth({ auth: { type: 'profile', profile: '', configFile: file }, env: { DATABRICKS_CONFIG_PROFILE: 'm2m' } });
    assert.strictEqual(viaEnv.profile, 'm2m');
    const dflt = await resolveAuth({ auth: { type: 'profile', profile: '', configFile: file }, env: {} });
    assert.strictEqual(dflt.profile, 'DEFAULT');
  });

  it('applies explicit > env > profile precedence per setting', async () => {
    const env = { DATABRICKS_HOST: 'https://env-host.cloud.databricks.com', DATABRICKS_TOKEN: 'dapi-from-env-0000000000' };
    const fromEnv = await resolveAuth({ auth: { type: 'profile', profile: 'DEFAULT', configFile: file }, env });
    assert.strictEqual(fromEnv.host, 'https://env-host.cloud.databricks.com');
    assert.deepStrictEqual(fromEnv.auth, { type: 'pat', token: 'dapi-from-env-0000000000' });
    const explicit = await resolveAuth({ host: 'https://explicit.cloud.databricks.com', auth: { type: 'profile', profile: 'DEFAULT', configFile: file }, env });
    assert.strictEqual(explicit.host, 'https://explicit.cloud.databricks.com');
  });

  it('resolves from environment variables alone when there is no config file', async () => {
    const r = await resolveAuth({
      auth: { type: 'profile', profile: '' },
      env: {
        DATABRICKS_CONFIG_FILE: path.join(os.tmpdir(), 'nope-zipher-y', 'cfg'),
        DATABRICKS_HOST: 'dbc-9.cloud.databricks.com',
        DATABRICKS_CLIENT_ID: 'cid',
        DATABRICKS_CLIENT_SECRET: SECRET,
      },
    });
    assert.deepStrictEqual(r.auth, { type: 'oauth-m2m', clientId: 'cid', clientSecret: SECRET });
    assert.strictEqual(r.host, 'https://dbc-9.cloud.databricks.com');
    assert.strictEqual(r.profile, undefined);
  });

  it('an explicit PAT/OAuth config picks the method and ignores credentials in the environment', async () => {
    const r = await resolveAuth({ host: 'h.cloud.databricks.com', auth: { type: 'pat', token: TOKEN }, env: { DATABRICKS_CLIENT_ID: 'x', DATABRICKS_CLIENT_SECRET: SECRET } });
    assert.deepStrictEqual(r.auth, { type: 'pat', token: TOKEN });
  });

  it('refuses two auth methods unless auth_type picks one, naming profile and file', async () => {
    await assert.rejects(resolveAuth({ auth: { type: 'profile', profile: 'both', configFile: file }, env: {} }), isConfigError(/two auth methods.*auth_type/, SECRET, TOKEN));
    await assert.rejects(resolveAuth({ auth: { type: 'profile', profile: 'both', configFile: file }, env: {} }), isConfigError(new RegExp(`profile "both" in ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')} configures`, 'i')));
    const picked = await resolveAuth({ auth: { type: 'profile', profile: 'both-picked', configFile: file }, env: {} });
    assert.strictEqual(picked.auth.type, 'oauth-m2m');
  });

  it('an env token plus a profile client secret is also two methods', async () => {
    await assert.rejects(
      resolveAuth({ auth: { type: 'profile', profile: 'm2m', configFile: file }, env: { DATABRICKS_TOKEN: TOKEN } }),
      isConfigError(/two auth methods/, SECRET, TOKEN),
    );
  });

  it('reports a missing profile, a missing host, an unsupported auth_type and a missing file', async () => {
    await assert.rejects(resolveAuth({ auth: { type: 'profile', profile: 'ghost', configFile: file }, env: {} }), isConfigError(/Profile "ghost" is not in .*databrickscfg.*DEFAULT, m2m/));
    await assert.rejects(resolveAuth({ auth: { type: 'profile', profile: 'nohost', configFile: file }, env: {} }), isConfigError(/No host is set in profile "nohost"/, TOKEN));
    await assert.rejects(resolveAuth({ auth: { type: 'profile', profile: 'cli', configFile: file }, env: {} }), isConfigError(/auth_type = databricks-cli/));
    const missing = path.join(os.tmpdir(), 'nope-zipher-z', 'cfg');
    await assert.rejects(resolveAuth({ auth: { type: 'profile', profile: 'x', configFile: missing }, env: {} }), isConfigError(/does not exist/));
  });

  it('reports a malformed file with its path and line', async () => {
    const bad = await tempConfig(`[ok]\nhost = https://a.cloud.databricks.com\nthis line is nonsense\n`);
    await assert.rejects(resolveAuth({ auth: { type: 'profile', profile: 'ok', configFile: bad }, env: {} }), isConfigError(/malformed: line 3/));
    await assert.rejects(listProfiles({ configFile: bad }), isConfigError(new RegExp(path.basename(bad))));
    const orphan = await tempConfig(`token = ${TOKEN}\n[p]\nhost = h\n`);
    await assert.rejects(listProfiles({ configFile: orphan }), isConfigError(/line 1 has a setting before the first \[section\]/, TOKEN));
  });

  it('createWorkspaceClient resolves a profile without a network call and validates the host', async () => {
    const client = await createWorkspaceClient({ auth: { type: 'profile', profile: 'm2m', configFile: file }, env: {} });
    assert.strictEqual(client.host, 'https://dbc-2.cloud.databricks.com');
    assert.deepStrictEqual(client.identity, { authType: 'oauth-m2m', clientId: '1b2c3d4e-0000-4000-8000-000000000001', accountId: 'acc-1', profile: 'm2m' });
    const plainHttp: AuthConfig = { type: 'pat', token: TOKEN };
    await assert.rejects(createWorkspaceClient({ host: 'http://adb-1.2.azuredatabricks.net', auth: plainHttp, env: {} }), isConfigError(/https/));
    await assert.rejects(createWorkspaceClient({ auth: plainHttp, env: {} }), isConfigError(/No Databricks host/));
  });
});
