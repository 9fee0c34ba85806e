/** Shared set-up for the identity tests: the fake workspace plus real clients pointed at it. */
import { createAccountClient, createWorkspaceClient, type AccountClient, type WorkspaceClient } from '../../src/databricks';
import { workspaceTokenProbe, type TokenProbe } from '../../src/onboarding/identity';
import { DEMO, defaultSeed, startFakeWorkspace, type FakeOptions, type FakeWorkspace, type FakeWorkspaceSeed } from '../fake-workspace';

export interface IdentityRig {
  fake: FakeWorkspace;
  workspace: WorkspaceClient;
  account: AccountClient;
  tryToken: TokenProbe;
  /** a client acting as the given PAT holder */
  asUser(token: string): Promise<WorkspaceClient>;
  /** a client acting as an SP through OAuth M2M */
  asSp(clientId: string, secret: string): Promise<WorkspaceClient>;
}

const RETRY = { maxAttempts: 2, baseDelayMs: 5, maxDelayMs: 20 };

/** Starts the demo workspace (optionally changed) and connects as the admin and account admin. */
export async function startRig(editSeed?: (seed: FakeWorkspaceSeed) => void, options?: Partial<FakeOptions>): Promise<IdentityRig> {
  const seed = defaultSeed();
  editSeed?.(seed);
  const fake = await startFakeWorkspace({ seed, options });
  const host = fake.url;
  const asUser = (token: string) => createWorkspaceClient({ host, auth: { type: 'pat', token }, env: {}, retry: RETRY });
  const asSp = (clientId: string, clientSecret: string) => createWorkspaceClient({ host, auth: { type: 'oauth-m2m', clientId, clientSecret }, env: {}, retry: RETRY });
  const workspace = await asUser(DEMO.adminToken);
  const account = await createAccountClient({
    host,
    accountId: DEMO.accountId,
    auth: { type: 'oauth-m2m', clientId: DEMO.accountAdminClientId, clientSecret: DEMO.accountAdminSecret },
    env: {},
    retry: RETRY,
  });
  return { fake, workspace, account, tryToken: workspaceTokenProbe(host, { env: {}, retry: { maxAttempts: 1 } }), asUser, asSp };
}
