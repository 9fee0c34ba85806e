import * as assert from 'node:assert/strict';
import { inspect } from 'node:util';
import {
  DEFAULT_SP_DISPLAY_NAME,
  SealedSecret,
  abandonRotation,
  accountSecrets,
  addToWorkspace,
  beginRotation,
  createSecret,
  deactivateServicePrincipal,
  deleteSecret,
  describeSp,
  ensureServicePrincipal,
  expiresWithinDays,
  findServicePrincipal,
  isInWorkspace,
  listSecrets,
  nextRotationStep,
  rotationCreate,
  rotationDeleteOld,
  rotationStored,
  rotationVerify,
  secretExpiry,
  validateLifetimeDays,
  workspaceSecrets,
} from '../../src/onboarding/identity';
import { createAccountClient } from '../../src/databricks';
import { DEMO } from '../fake-workspace';
import { startRig, type IdentityRig } from './identity-fixtures';

const DAY = 86_400_000;

describe('identity: service principal lifecycle', () => {
  let rig: IdentityRig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(async () => rig.fake.stop());

  it('finds the SP by application id and by display name, in the account and the workspace', async () => {
    const byApp = await findServicePrincipal(rig.account, { applicationId: DEMO.zipherAppId });
    assert.ok(byApp.ok);
    assert.equal(byApp.value?.id, DEMO.zipherScimId);
    assert.match(describeSp(byApp.value!), new RegExp(`numeric id ${DEMO.zipherScimId}, application id ${DEMO.zipherAppId}`));
    const byName = await findServicePrincipal(rig.workspace, { displayName: DEMO.zipherDisplayName });
    assert.ok(byName.ok);
    assert.equal(byName.value?.applicationId, DEMO.zipherAppId);
    const none = await findServicePrincipal(rig.account, { displayName: 'no-such-sp' });
    assert.ok(none.ok);
    assert.equal(none.value, undefined);
  });

  it('rejects a malformed application id before calling Databricks', async () => {
    const before = rig.fake.calls.length;
    const r = await findServicePrincipal(rig.account, { applicationId: 'zipher"or"1' });
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.problem.kind, 'validation');
    assert.equal(rig.fake.calls.length, before);
  });

  it('creates the SP once with the default name and never a duplicate', async () => {
    const first = await ensureServicePrincipal(rig.account);
    assert.ok(first.ok);
    assert.equal(first.value.created, true);
    assert.equal(first.value.sp.displayName, DEFAULT_SP_DISPLAY_NAME);
    assert.match(first.value.sp.applicationId, /^[0-9a-f-]{36}$/);
    const second = await ensureServicePrincipal(rig.account);
    assert.ok(second.ok);
    assert.equal(second.value.created, false);
    assert.equal(second.value.sp.id, first.value.sp.id);
    const named = [...rig.fake.state.servicePrincipals.values()].filter((sp) => sp.displayName === DEFAULT_SP_DISPLAY_NAME);
    assert.equal(named.length, 1);
  });

  it('adds the SP to the workspace, learning the workspace id with a cheap call first', async () => {
    const created = await ensureServicePrincipal(rig.account);
    assert.ok(created.ok);
    const fresh = await rig.asUser(DEMO.adminToken);
    assert.equal(fresh.workspaceId, undefined);
    const before = await isInWorkspace(fresh, created.value.sp.applicationId);
    assert.ok(before.ok);
    assert.equal(before.value, false);
    const added = await addToWorkspace(rig.account, await rig.asUser(DEMO.adminToken), created.value.sp.id);
    assert.ok(added.ok, !added.ok ? added.problem.message : '');
    assert.equal(added.value.workspaceId, DEMO.workspaceId);
    assert.equal(rig.fake.state.servicePrincipals.get(created.value.sp.applicationId)?.inWorkspace, true);
    const after = await isInWorkspace(fresh, created.value.sp.applicationId);
    assert.ok(after.ok);
    assert.equal(after.value, true);
  });

  it('deactivates the SP so that its secret no longer yields a token', async () => {
    const secret = new SealedSecret(DEMO.zipherSecret);
    assert.deepEqual(await rig.tryToken(DEMO.zipherAppId, secret), { ok: true });
    const r = await deactivateServicePrincipal(rig.account, DEMO.zipherScimId);
    assert.ok(r.ok);
    assert.equal(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)?.active, false);
    const check = await rig.tryToken(DEMO.zipherAppId, secret);
    assert.equal(check.ok, false);
    assert.equal(!check.ok && check.refused, true);
  });

  it('says an account admin is needed when a workspace admin tries an account step', async () => {
    const notAccountAdmin = await createAccountClient({ host: rig.fake.url, accountId: DEMO.accountId, auth: { type: 'pat', token: DEMO.adminToken }, env: {}, retry: { maxAttempts: 1 } });
    const r = await deactivateServicePrincipal(notAccountAdmin, DEMO.zipherScimId);
    assert.equal(r.ok, false);
    assert.equal(!r.ok && r.problem.needsAccountAdmin, true);
    assert.match(!r.ok ? r.problem.message : '', /needs a Databricks account admin/);
    assert.equal(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)?.active, true);
    const viewer = await rig.asUser(DEMO.viewerToken);
    const denied = await listSecrets(workspaceSecrets(viewer), DEMO.zipherScimId);
    assert.equal(denied.ok, false);
    assert.equal(!denied.ok && denied.problem.kind, 'permission');
    assert.match(!denied.ok ? denied.problem.message : '', /workspace admin/);
  });
});

describe('identity: OAuth secrets', () => {
  let rig: IdentityRig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(async () => rig.fake.stop());

  it('validates the lifetime (1..730 whole days, default 90) before any call', async () => {
    assert.deepEqual(validateLifetimeDays(undefined), { ok: true, value: 90 * 86_400, warnings: [] });
    for (const bad of [0, 731, 1.5, -3, Number.NaN]) assert.equal(validateLifetimeDays(bad).ok, false, String(bad));
    const before = rig.fake.calls.length;
    const r = await createSecret(accountSecrets(rig.account), DEMO.zipherScimId, { lifetimeDays: 731 });
    assert.equal(!r.ok && r.problem.kind, 'validation');
    assert.equal(rig.fake.calls.length, before);
  });

  it('creates a secret with the asked lifetime and returns the value only sealed', async () => {
    const r = await createSecret(accountSecrets(rig.account), DEMO.zipherScimId, { lifetimeDays: 30 });
    assert.ok(r.ok, !r.ok ? r.problem.message : '');
    const stored = rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.find((s) => s.id === r.value.info.id)!;
    assert.equal(r.value.forSecretStorage.reveal(), stored.secret);
    const days = (r.value.info.expiresAt!.getTime() - Date.now()) / DAY;
    assert.ok(days > 29.9 && days <= 30, String(days));
    // The value never leaks through printing or serialising.
    for (const text of [JSON.stringify(r), `${r.value.forSecretStorage}`, inspect(r, { depth: 10 }), String(r.value.forSecretStorage)]) {
      assert.ok(!text.includes(stored.secret), text);
    }
    assert.deepEqual(await rig.tryToken(DEMO.zipherAppId, r.value.forSecretStorage), { ok: true });
  });

  it('lists secrets with expiry and warns at the per-SP limit; a refused create is explained', async () => {
    const backend = accountSecrets(rig.account);
    for (let i = 0; i < 4; i++) assert.ok((await createSecret(backend, DEMO.zipherScimId, { lifetimeDays: 10 + i })).ok);
    const listed = await listSecrets(backend, DEMO.zipherScimId);
    assert.ok(listed.ok);
    assert.equal(listed.value.secrets.length, 5);
    assert.equal(listed.value.atLimit, true);
    assert.match(listed.warnings[0], /at most 5/);
    assert.ok(listed.value.soonestExpiry);
    assert.ok(Math.abs(listed.value.soonestExpiry.getTime() - (Date.now() + 10 * DAY)) < 60_000);
    assert.equal(expiresWithinDays(listed.value.soonestExpiry, 14), true);
    const sixth = await createSecret(backend, DEMO.zipherScimId);
    assert.equal(sixth.ok, false);
    assert.equal(!sixth.ok && sixth.problem.kind, 'secret-limit');
    assert.match(!sixth.ok ? sixth.problem.message : '', /maximum number \(5, unconfirmed\)/);
  });

  it('deletes a secret; deleting it again counts as done', async () => {
    const backend = accountSecrets(rig.account);
    const first = await deleteSecret(backend, DEMO.zipherScimId, DEMO.zipherSecretId);
    assert.deepEqual(first, { ok: true, value: { alreadyGone: false }, warnings: [] });
    assert.equal(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.length, 0);
    const again = await deleteSecret(backend, DEMO.zipherScimId, DEMO.zipherSecretId);
    assert.ok(again.ok);
    assert.equal(again.value.alreadyGone, true);
  });

  it('works through the workspace proxy for a workspace admin, and explains an SP outside the workspace', async () => {
    const backend = workspaceSecrets(rig.workspace);
    const created = await createSecret(backend, DEMO.zipherScimId, { lifetimeDays: 7 });
    assert.ok(created.ok);
    const listed = await listSecrets(backend, DEMO.zipherScimId);
    assert.ok(listed.ok);
    assert.deepEqual(listed.value.secrets.map((s) => s.id).sort(), [DEMO.zipherSecretId, created.value.info.id].sort());
    const outsider = await listSecrets(backend, DEMO.outsiderScimId);
    assert.equal(outsider.ok, false);
    assert.match(!outsider.ok ? outsider.problem.message : '', /must already be added to the workspace/);
  });

  it('secretExpiry picks the soonest active expiry; expiresWithinDays uses a 14-day default', () => {
    const now = new Date('2026-01-01T00:00:00Z');
    const s = [
      { id: 'a', status: 'ACTIVE', expire_time: '2026-03-01T00:00:00Z' },
      { id: 'b', status: 'ACTIVE', expire_time: '2026-01-10T00:00:00Z' },
      { id: 'c', status: 'EXPIRED', expire_time: '2025-12-01T00:00:00Z' },
      { id: 'd' },
    ];
    assert.equal(secretExpiry(s)?.toISOString(), '2026-01-10T00:00:00.000Z');
    assert.equal(expiresWithinDays(secretExpiry(s), undefined, now), true);
    assert.equal(expiresWithinDays(new Date('2026-02-01T00:00:00Z'), 14, now), false);
    assert.equal(expiresWithinDays(undefined, 14, now), false);
    assert.equal(secretExpiry([]), undefined);
  });
});

describe('identity: secret rotation', function () {
  // Each test starts its own fake workspace and scans its jobs over HTTP.
  this.timeout(15_000);
  let rig: IdentityRig;
  beforeEach(async () => (rig = await startRig()));
  afterEach(async () => rig.fake.stop());

  it('creates, verifies, stores, and deletes the old secret only after an explicit confirm', async () => {
    const backend = accountSecrets(rig.account);
    const begun = await beginRotation(backend, { id: DEMO.zipherScimId, applicationId: DEMO.zipherAppId });
    assert.ok(begun.ok);
    assert.deepEqual(begun.value.oldSecretIds, [DEMO.zipherSecretId]);
    assert.equal(nextRotationStep(begun.value), 'create');
    const created = await rotationCreate(backend, begun.value, { lifetimeDays: 90 });
    assert.equal(created.state.phase, 'created');
    assert.ok(created.secret);
    assert.ok(!JSON.stringify(created.state).includes(created.secret.reveal()), 'state must not carry the secret');
    const verified = await rotationVerify(created.state, created.secret, rig.tryToken, { delayMs: 1 });
    assert.equal(verified.phase, 'verified');
    // Deleting before the caller stored it is refused.
    const early = await rotationDeleteOld(backend, verified, true);
    assert.equal(early.phase, 'verified');
    assert.equal(early.steps.at(-1)?.status, 'failed');
    const stored = rotationStored(early);
    assert.equal(stored.phase, 'stored');
    const unconfirmed = await rotationDeleteOld(backend, stored, false);
    assert.equal(unconfirmed.phase, 'stored');
    assert.equal(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.length, 2);
    const done = await rotationDeleteOld(backend, unconfirmed, true);
    assert.equal(done.phase, 'done');
    assert.deepEqual(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.map((s) => s.id), [done.newSecretId]);
    assert.deepEqual(done.steps.map((s) => `${s.step}:${s.status}`), ['begin:ok', 'create:ok', 'verify:ok', 'delete-old:failed', 'store:ok', 'delete-old:failed', 'delete-old:ok']);
    const old = await rig.tryToken(DEMO.zipherAppId, new SealedSecret(DEMO.zipherSecret));
    assert.equal(!old.ok && old.refused, true);
    assert.deepEqual(await rig.tryToken(DEMO.zipherAppId, created.secret), { ok: true });
  });

  it('fails at verify when no token can be issued, keeping the old secret; abandon removes only the new one', async () => {
    const backend = accountSecrets(rig.account);
    const begun = await beginRotation(backend, { id: DEMO.zipherScimId, applicationId: DEMO.zipherAppId });
    assert.ok(begun.ok);
    const created = await rotationCreate(backend, begun.value);
    assert.ok(created.secret);
    rig.fake.faults.inject({
      match: 'POST /oidc/v1/token',
      times: 5,
      kind: { type: 'status', status: 401, body: '{"error":"invalid_client","error_description":"Client authentication failed"}', contentType: 'application/json' },
    });
    const verified = await rotationVerify(created.state, created.secret, rig.tryToken, { attempts: 2, delayMs: 1 });
    rig.fake.faults.clear();
    assert.equal(verified.phase, 'failed');
    assert.match(verified.steps.at(-1)!.detail, /old secrets are untouched/);
    assert.equal(nextRotationStep(verified), 'verify');
    const refused = await rotationDeleteOld(backend, rotationStored(verified), true);
    assert.notEqual(refused.phase, 'done');
    assert.equal(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.length, 2);
    const abandoned = await abandonRotation(backend, refused);
    assert.equal(abandoned.phase, 'abandoned');
    assert.deepEqual(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.map((s) => s.id), [DEMO.zipherSecretId]);
    assert.deepEqual(await rig.tryToken(DEMO.zipherAppId, new SealedSecret(DEMO.zipherSecret)), { ok: true });
  });

  it('records a failed create (secret limit) and leaves every existing secret', async () => {
    const backend = accountSecrets(rig.account);
    for (let i = 0; i < 4; i++) await createSecret(backend, DEMO.zipherScimId);
    const begun = await beginRotation(backend, { id: DEMO.zipherScimId, applicationId: DEMO.zipherAppId });
    assert.ok(begun.ok);
    const created = await rotationCreate(backend, begun.value);
    assert.equal(created.state.phase, 'failed');
    assert.equal(created.secret, undefined);
    assert.match(created.state.steps.at(-1)!.detail, /maximum number/);
    assert.equal(nextRotationStep(created.state), 'create');
    assert.equal(rig.fake.state.servicePrincipals.get(DEMO.zipherAppId)!.secrets!.length, 5);
  });
});
