/** Shared by the Zipher host tests: the extension's test API, waits with a deadline, fake helpers. */
import * as assert from 'node:assert/strict';
import * as vscode from 'vscode';
import type { ZipherTestApi } from '../../src/vscode/container';
import { defaultSeed, startFakeWorkspace, type FakeAclEntry, type FakeWorkspace } from '../fake-workspace';

export const EXTENSION_ID = 'zipher.zipher-databricks';

export async function zipherApi(): Promise<ZipherTestApi> {
  const ext = vscode.extensions.getExtension<ZipherTestApi>(EXTENSION_ID);
  assert.ok(ext, `extension ${EXTENSION_ID} is not loaded`);
  const api = await ext.activate();
  assert.ok(api?.connections, 'activate() did not return the test API');
  return api;
}

/** Polls until `check` returns a truthy value; fails with `what` after the deadline. */
export async function waitFor<T>(what: string, check: () => T | Promise<T>, timeoutMs = 20_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value) return value as NonNullable<T>;
    } catch (e) {
      last = e;
    }
    if (Date.now() > deadline) assert.fail(`timed out waiting for ${what}${last ? ` (last error: ${String(last)})` : ''}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function jobIdByName(fake: FakeWorkspace, name: string): number {
  for (const job of fake.state.jobs.values()) if (job.settings.name === name) return job.job_id;
  assert.fail(`no job named ${name} in the fake`);
}

export function principalOf(e: FakeAclEntry): string {
  return e.user_name ?? e.group_name ?? e.service_principal_name ?? '?';
}

/** Direct ACL entries of a job, sorted, without the given principal (for "nothing else changed"). */
export function aclWithout(fake: FakeWorkspace, jobId: number, principal: string): FakeAclEntry[] {
  const job = fake.state.jobs.get(jobId);
  assert.ok(job, `job ${jobId} missing`);
  return job.acl
    .filter((e) => principalOf(e) !== principal)
    .map((e) => ({ ...e }))
    .sort((a, b) => principalOf(a).localeCompare(principalOf(b)));
}

export function zipherLevel(fake: FakeWorkspace, jobId: number, appId: string): string | undefined {
  return fake.state.jobs.get(jobId)?.acl.find((e) => e.service_principal_name === appId)?.permission_level;
}

export function workspacesSetting(): unknown[] {
  return vscode.workspace.getConfiguration('zipher').inspect<unknown[]>('workspaces')?.globalValue ?? [];
}

export async function resetZipher(api: ZipherTestApi): Promise<void> {
  for (const c of api.connections.list()) await vscode.commands.executeCommand('zipher.disconnectWorkspace', { host: c.host });
  await vscode.workspace.getConfiguration('zipher').update('workspaces', undefined, vscode.ConfigurationTarget.Global);
  await vscode.commands.executeCommand('zipher.clearFilter');
}

/** The usual suite set-up: a fresh seeded fake workspace and a Zipher with nothing connected,
 * both reset after the suite. Register it first in a `describe`; its fields are set by `before`. */
export function useSeededWorkspace(): { fake: FakeWorkspace; api: ZipherTestApi } {
  const env = {} as { fake: FakeWorkspace; api: ZipherTestApi };
  before(async () => {
    env.fake = await startFakeWorkspace({ seed: defaultSeed() });
    env.api = await zipherApi();
    await resetZipher(env.api);
  });
  after(async () => {
    if (env.api) await resetZipher(env.api);
    await env.fake?.stop();
  });
  return env;
}
