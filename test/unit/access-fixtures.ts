/** Shared set-up for the access-domain tests: a small seed with every job shape, the real client
 * pointed at the fake over HTTP, and helpers to snapshot the fake's ACLs. */
import { createWorkspaceClient, type WorkspaceApi } from '../../src/databricks';
import { Ledger, MemoryLedgerStore, DEFAULT_PLAN_OPTIONS, type AccessContext, type PlanOptions } from '../../src/onboarding';
import { startFakeWorkspace } from '../fake-workspace';
import type { FakeAclEntry, FakeJob, FakeWorkspace, FakeWorkspaceSeed } from '../fake-workspace/types';

export const ZIPHER = '7f0c2b1e-4d5a-4e3b-9a61-2c8d9e0f1a2b';
export const CI_BOT = '0b9a8c7d-6e5f-4a3b-8c2d-1e0f9a8b7c6d';
export const ADMIN = 'admin@example.com';
export const ADMIN_TOKEN = 'fake-admin-token-access-tests';
export const ALICE = 'alice@example.com';
export const BOB = 'bob@example.com';
export const CAROL = 'carol@example.com';
export const CAROL_TOKEN = 'fake-carol-token-access-tests';

const owner = (u: string): FakeAclEntry => ({ user_name: u, permission_level: 'IS_OWNER' });

function job(job_id: number, name: string, settings: Record<string, unknown>, acl: FakeAclEntry[], extra: Partial<FakeJob> = {}): FakeJob {
  return { job_id, created_time: 1_700_000_000_000 + job_id, creator_user_name: ALICE, settings: { name, ...settings }, acl, ...extra };
}

export const MANY_PRINCIPALS: FakeAclEntry[] = [
  owner(ALICE),
  { user_name: BOB, permission_level: 'CAN_VIEW' },
  { user_name: CAROL, permission_level: 'CAN_MANAGE' },
  { group_name: 'data-eng', permission_level: 'CAN_MANAGE_RUN' },
  { group_name: 'analysts', permission_level: 'CAN_VIEW' },
  { service_principal_name: CI_BOT, permission_level: 'CAN_MANAGE' },
];

/** Every closure shape, with ids the tests can name. */
export function accessSeed(): FakeWorkspaceSeed {
  const bigTasks = Array.from({ length: 150 }, (_, i) => ({ task_key: `step-${i}`, existing_cluster_id: i === 149 ? 'c-last' : 'c-big', notebook_task: { notebook_path: `/n/${i}` } }));
  return {
    workspaceId: '1234567890',
    users: [
      { userName: ADMIN, groups: ['admins'], token: ADMIN_TOKEN },
      { userName: ALICE, groups: ['data-eng'] },
      { userName: BOB, groups: ['analysts'] },
      { userName: CAROL, groups: [], token: CAROL_TOKEN },
    ],
    groups: ['admins', 'data-eng', 'analysts'],
    servicePrincipals: [
      { id: '1001', applicationId: ZIPHER, displayName: 'zipher' },
      { id: '1002', applicationId: CI_BOT, displayName: 'ci-bot' },
    ],
    jobs: [
      job(
        1,
        'nightly-etl',
        {
          tasks: [
            { task_key: 'ingest', existing_cluster_id: 'c-shared' },
            { task_key: 'transform', job_cluster_key: 'main' },
          ],
          job_clusters: [
            {
              job_cluster_key: 'main',
              new_cluster: {
                instance_pool_id: 'pool-1',
                driver_instance_pool_id: 'pool-2',
                policy_id: 'pol-1',
                spark_conf: { 'spark.x': '{{secrets/etl-scope/db-password}}' },
                spark_env_vars: { TOKEN: '{{secrets/etl-scope/api-token}}', PLAIN: 'x' },
              },
            },
          ],
        },
        MANY_PRINCIPALS,
      ),
      job(2, 'billing-aggregation', { tasks: [{ task_key: 'agg', existing_cluster_id: 'c-shared' }, { task_key: 'report', sql_task: { warehouse_id: 'wh-1', query: { query_id: 'q' } } }] }, [owner(ALICE), { user_name: CAROL, permission_level: 'CAN_MANAGE' }]),
      job(3, 'fan-out', { tasks: [{ task_key: 'loop', for_each_task: { inputs: '[1,2]', task: { task_key: 'inner', existing_cluster_id: 'c-nested', new_cluster: { policy_id: 'pol-1' } } } }] }, [owner(BOB)]),
      job(4, 'serverless-report', { tasks: [{ task_key: 'py', environment_key: 'default' }], environments: [{ environment_key: 'default', spec: { client: '1' } }] }, [owner(ALICE)]),
      job(5, 'huge-dag', { tasks: bigTasks }, [owner(ALICE)]),
      job(6, 'already-managed', { tasks: [{ task_key: 't', existing_cluster_id: 'c-shared' }] }, [owner(ALICE), { service_principal_name: ZIPHER, permission_level: 'CAN_MANAGE' }]),
      job(7, 'partial-view', { tasks: [{ task_key: 't', existing_cluster_id: 'c-own' }] }, [owner(BOB), { service_principal_name: ZIPHER, permission_level: 'CAN_VIEW' }, { group_name: 'analysts', permission_level: 'CAN_VIEW' }]),
      job(8, 'legacy-ownerless', { tasks: [{ task_key: 't', existing_cluster_id: 'c-own' }] }, [{ user_name: BOB, permission_level: 'CAN_MANAGE' }], { creator_user_name: undefined }),
      job(9, 'alice-private', { tasks: [{ task_key: 't', existing_cluster_id: 'c-own' }] }, [owner(ALICE)]),
    ],
    clusters: [
      { id: 'c-shared', name: 'shared-etl', acl: [{ group_name: 'data-eng', permission_level: 'CAN_RESTART' }, { user_name: ALICE, permission_level: 'CAN_MANAGE' }] },
      { id: 'c-nested', name: 'nested', acl: [{ user_name: BOB, permission_level: 'CAN_ATTACH_TO' }] },
      { id: 'c-big', name: 'big', acl: [] },
      { id: 'c-last', name: 'last', acl: [] },
      { id: 'c-own', name: 'own', acl: [{ service_principal_name: ZIPHER, permission_level: 'CAN_RESTART' }] },
    ],
    instancePools: [
      { id: 'pool-1', name: 'workers', acl: [{ group_name: 'data-eng', permission_level: 'CAN_ATTACH_TO' }] },
      { id: 'pool-2', name: 'drivers', acl: [] },
    ],
    clusterPolicies: [{ id: 'pol-1', name: 'etl-policy', acl: [{ group_name: 'data-eng', permission_level: 'CAN_USE' }] }],
    warehouses: [{ id: 'wh-1', name: 'reporting', acl: [{ group_name: 'analysts', permission_level: 'CAN_USE' }] }],
    secretScopes: [{ name: 'etl-scope', acls: [{ principal: ALICE, permission: 'MANAGE' }, { principal: 'data-eng', permission: 'READ' }] }],
  };
}

export interface Rig {
  fake: FakeWorkspace;
  api: WorkspaceApi;
  ledger: Ledger;
  store: MemoryLedgerStore;
  ctx: AccessContext;
  stop(): Promise<void>;
}

export async function startRig(seed: FakeWorkspaceSeed = accessSeed(), options: Partial<PlanOptions> = {}, token = ADMIN_TOKEN): Promise<Rig> {
  const fake = await startFakeWorkspace({ seed });
  const api = await createWorkspaceClient({ host: fake.url, auth: { type: 'pat', token }, retry: { maxAttempts: 2, baseDelayMs: 1, maxDelayMs: 5 } });
  const store = new MemoryLedgerStore();
  const ledger = new Ledger(store);
  const ctx: AccessContext = { api, principal: { applicationId: ZIPHER, displayName: 'zipher' }, ledger, options: { ...DEFAULT_PLAN_OPTIONS, ...options }, actor: ADMIN };
  return { fake, api, ledger, store, ctx, stop: () => fake.stop() };
}

/** Every direct ACL the fake holds, as canonical JSON per object (secret scopes included). */
export function snapshot(fake: FakeWorkspace): Map<string, string> {
  const s = fake.state;
  const out = new Map<string, string>();
  const canon = (acl: readonly object[]) => JSON.stringify(acl.map((e) => JSON.stringify(e)).sort());
  for (const [id, j] of s.jobs) out.set(`job:${id}`, canon(j.acl));
  for (const [id, o] of s.clusters) out.set(`cluster:${id}`, canon(o.acl));
  for (const [id, o] of s.instancePools) out.set(`instance-pool:${id}`, canon(o.acl));
  for (const [id, o] of s.clusterPolicies) out.set(`cluster-policy:${id}`, canon(o.acl));
  for (const [id, o] of s.warehouses) out.set(`warehouse:${id}`, canon(o.acl));
  for (const [id, o] of s.secretScopes) out.set(`secret-scope:${id}`, canon(o.acls));
  return out;
}

/** The snapshot with Zipher's entries dropped: what must never change. */
export function othersSnapshot(fake: FakeWorkspace): Map<string, string> {
  const s = fake.state;
  const out = new Map<string, string>();
  const canon = (acl: readonly object[]) =>
    JSON.stringify(
      acl
        .filter((e) => (e as FakeAclEntry).service_principal_name !== ZIPHER && (e as { principal?: string }).principal !== ZIPHER)
        .map((e) => JSON.stringify(e))
        .sort(),
    );
  for (const [id, j] of s.jobs) out.set(`job:${id}`, canon(j.acl));
  for (const [id, o] of s.clusters) out.set(`cluster:${id}`, canon(o.acl));
  for (const [id, o] of s.instancePools) out.set(`instance-pool:${id}`, canon(o.acl));
  for (const [id, o] of s.clusterPolicies) out.set(`cluster-policy:${id}`, canon(o.acl));
  for (const [id, o] of s.warehouses) out.set(`warehouse:${id}`, canon(o.acl));
  for (const [id, o] of s.secretScopes) out.set(`secret-scope:${id}`, canon(o.acls));
  return out;
}

/** Zipher's direct level on an object in the fake. */
export function zipherLevelIn(fake: FakeWorkspace, kind: string, id: string): string | undefined {
  const s = fake.state;
  if (kind === 'secret-scope') return s.secretScopes.get(id)?.acls.find((a) => a.principal === ZIPHER)?.permission;
  const map = { job: s.jobs, cluster: s.clusters, 'instance-pool': s.instancePools, 'cluster-policy': s.clusterPolicies, warehouse: s.warehouses }[kind];
  const obj = map?.get(kind === 'job' ? (Number(id) as never) : (id as never)) as { acl: FakeAclEntry[] } | undefined;
  return obj?.acl.find((e) => e.service_principal_name === ZIPHER)?.permission_level;
}

/** Seeded PRNG (mulberry32) so randomized tests are reproducible. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
