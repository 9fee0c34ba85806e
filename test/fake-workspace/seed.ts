/** The demo workspace and the large synthetic one for the benchmark. */
import type { FakeAclEntry, FakeJob, FakeObject, FakeServicePrincipal, FakeUser, FakeWorkspaceSeed } from './types';

/** Well-known credentials of the seeds. All fake: none has the shape of a real Databricks token. */
export const DEMO = {
  workspaceId: '1234567890123456',
  accountId: '0f1e2d3c-4b5a-4697-8887-a9b8c7d6e5f4',
  adminUser: 'admin@example.com',
  adminToken: 'fake-pat-admin-0001',
  nonAdminUser: 'maria.lopez@example.com',
  nonAdminToken: 'fake-pat-maria-0002',
  /** an analyst with no manage rights anywhere */
  viewerUser: 'olga.ivanova@example.com',
  viewerToken: 'fake-pat-olga-0003',
  zipherAppId: '7f3c2a1e-5b8d-4c6f-9a0e-2d4b6c8e0f12',
  zipherScimId: '7001',
  zipherDisplayName: 'zipher-optimizer',
  zipherSecret: 'fake-zipher-secret-0001',
  zipherSecretId: 'a1b2c3d4-0000-4000-8000-000000000001',
  ciBotAppId: 'c1b07000-1111-4222-8333-944455566677',
  ciBotScimId: '7002',
  ciBotSecret: 'fake-ci-bot-secret-0001',
  /** an account SP not assigned to the workspace */
  outsiderAppId: '0d0d0d0d-2222-4333-8444-955566677788',
  outsiderScimId: '7003',
  outsiderSecret: 'fake-outsider-secret-0001',
  accountAdminClientId: 'fake-account-admin-client',
  accountAdminSecret: 'fake-account-admin-secret-0001',
} as const;

export const CLUSTERS = {
  sharedEtl: '0923-164208-shared01',
  analytics: '1001-090000-analytc2',
  mlGpu: '1105-120000-mlgpu003',
  terminated: '0301-120000-oldterm4',
} as const;
export const POOLS = { general: 'pool-general-1234', driver: 'pool-driver-5678', gpu: 'pool-gpu-9012' } as const;
export const POLICIES = { jobCompute: 'E0631F5C0D000001', ml: 'E0631F5C0D000002' } as const;
export const WAREHOUSES = { reporting: '4f5e6d7c8b9a0001', audit: '4f5e6d7c8b9a0002' } as const;

const USERS: FakeUser[] = [
  { userName: DEMO.adminUser, displayName: 'Alex Admin', groups: ['admins'], token: DEMO.adminToken, id: '1001' },
  { userName: DEMO.nonAdminUser, displayName: 'Maria Lopez', groups: ['data-eng'], token: DEMO.nonAdminToken, id: '1002' },
  { userName: 'sam.chen@example.com', displayName: 'Sam Chen', groups: ['data-eng'], id: '1003' },
  { userName: 'priya.patel@example.com', displayName: 'Priya Patel', groups: ['analysts'], id: '1004' },
  { userName: DEMO.viewerUser, displayName: 'Olga Ivanova', groups: ['analysts'], token: DEMO.viewerToken, id: '1005' },
];

const BASE_TIME = Date.UTC(2025, 0, 6, 9, 0, 0);

function servicePrincipals(): FakeServicePrincipal[] {
  const created = new Date(BASE_TIME).toISOString();
  const expires = new Date(BASE_TIME + 730 * 86400_000).toISOString();
  return [
    {
      id: DEMO.zipherScimId,
      applicationId: DEMO.zipherAppId,
      displayName: DEMO.zipherDisplayName,
      active: true,
      secrets: [{ id: DEMO.zipherSecretId, secret: DEMO.zipherSecret, createTime: created, expireTime: expires }],
    },
    {
      id: DEMO.ciBotScimId,
      applicationId: DEMO.ciBotAppId,
      displayName: 'ci-bot',
      active: true,
      secrets: [{ id: 'a1b2c3d4-0000-4000-8000-000000000002', secret: DEMO.ciBotSecret, createTime: created, expireTime: expires }],
    },
    {
      id: DEMO.outsiderScimId,
      applicationId: DEMO.outsiderAppId,
      displayName: 'zipher-staging',
      active: true,
      inWorkspace: false,
      secrets: [{ id: 'a1b2c3d4-0000-4000-8000-000000000003', secret: DEMO.outsiderSecret, createTime: created, expireTime: expires }],
    },
  ];
}

const owner = (name: string): FakeAclEntry =>
  name.includes('@') ? { user_name: name, permission_level: 'IS_OWNER' } : { service_principal_name: name, permission_level: 'IS_OWNER' };

const sparkConf = (scope: string): Record<string, string> => ({
  'spark.sql.shuffle.partitions': '200',
  'spark.hadoop.fs.azure.account.key': `{{secrets/${scope}/storage-key}}`,
});

function clusterSpec(extra: Record<string, unknown> = {}): Record<string, unknown> {
  return { spark_version: '15.4.x-scala2.12', node_type_id: 'i3.xlarge', num_workers: 2, ...extra };
}

interface JobShape {
  name: string;
  owner?: string; // absent = legacy ownerless job
  creator?: string | null; // null = creator deleted
  acl?: FakeAclEntry[];
  tasks: Record<string, unknown>[];
  job_clusters?: Record<string, unknown>[];
  environments?: Record<string, unknown>[];
  run_as?: Record<string, string>;
}

const zipher = (level: string): FakeAclEntry => ({ service_principal_name: DEMO.zipherAppId, permission_level: level });
const group = (name: string, level: string): FakeAclEntry => ({ group_name: name, permission_level: level });
const user = (name: string, level: string): FakeAclEntry => ({ user_name: name, permission_level: level });

function specialJobs(): JobShape[] {
  const maria = DEMO.nonAdminUser;
  return [
    {
      name: 'nightly-etl',
      owner: maria,
      acl: [group('data-eng', 'CAN_MANAGE_RUN'), group('analysts', 'CAN_VIEW')],
      job_clusters: [
        {
          job_cluster_key: 'etl',
          new_cluster: clusterSpec({ instance_pool_id: POOLS.general, driver_instance_pool_id: POOLS.driver, policy_id: POLICIES.jobCompute, spark_conf: sparkConf('etl-secrets') }),
        },
      ],
      tasks: [
        { task_key: 'extract', job_cluster_key: 'etl', notebook_task: { notebook_path: '/Repos/etl/extract' } },
        { task_key: 'transform', job_cluster_key: 'etl', depends_on: [{ task_key: 'extract' }], notebook_task: { notebook_path: '/Repos/etl/transform' } },
        { task_key: 'publish', existing_cluster_id: CLUSTERS.sharedEtl, depends_on: [{ task_key: 'transform' }], notebook_task: { notebook_path: '/Repos/etl/publish' } },
      ],
    },
    {
      name: 'billing-aggregation',
      owner: 'sam.chen@example.com',
      acl: [zipher('CAN_MANAGE'), group('data-eng', 'CAN_VIEW')],
      tasks: [
        {
          task_key: 'aggregate',
          existing_cluster_id: CLUSTERS.sharedEtl,
          spark_python_task: { python_file: 'dbfs:/billing/aggregate.py' },
        },
        {
          task_key: 'export',
          new_cluster: clusterSpec({ spark_env_vars: { BILLING_API_TOKEN: '{{secrets/billing-secrets/api-token}}' }, policy_id: POLICIES.jobCompute }),
          spark_python_task: { python_file: 'dbfs:/billing/export.py' },
        },
      ],
    },
    {
      name: 'ml-feature-refresh',
      owner: DEMO.ciBotAppId,
      acl: [zipher('CAN_VIEW'), group('data-eng', 'CAN_MANAGE')],
      job_clusters: [
        {
          job_cluster_key: 'gpu',
          new_cluster: clusterSpec({ instance_pool_id: POOLS.gpu, driver_instance_pool_id: POOLS.driver, policy_id: POLICIES.ml, spark_conf: sparkConf('ml-secrets') }),
        },
      ],
      tasks: [
        { task_key: 'features', job_cluster_key: 'gpu', notebook_task: { notebook_path: '/Repos/ml/features' } },
        { task_key: 'validate', existing_cluster_id: CLUSTERS.mlGpu, notebook_task: { notebook_path: '/Repos/ml/validate' } },
      ],
    },
    {
      name: 'daily-report-sql',
      owner: 'priya.patel@example.com',
      acl: [group('analysts', 'CAN_MANAGE_RUN')],
      tasks: [{ task_key: 'report', sql_task: { warehouse_id: WAREHOUSES.reporting, query: { query_id: 'q-123' } } }],
    },
    {
      name: 'for-each-backfill',
      owner: maria,
      acl: [zipher('CAN_MANAGE_RUN')],
      tasks: [
        {
          task_key: 'backfill_days',
          for_each_task: {
            inputs: '["2025-01-01","2025-01-02","2025-01-03"]',
            concurrency: 2,
            task: { task_key: 'backfill_one_day', existing_cluster_id: CLUSTERS.analytics, notebook_task: { notebook_path: '/Repos/etl/backfill' } },
          },
        },
      ],
    },
    {
      name: 'serverless-ingest',
      owner: 'sam.chen@example.com',
      environments: [{ environment_key: 'default', spec: { client: '1', dependencies: ['requests==2.32.3'] } }],
      tasks: [
        { task_key: 'ingest', environment_key: 'default', spark_python_task: { python_file: 'src/ingest.py' } },
        { task_key: 'merge', environment_key: 'default', depends_on: [{ task_key: 'ingest' }], spark_python_task: { python_file: 'src/merge.py' } },
      ],
    },
    {
      name: 'legacy-export',
      acl: [group('data-eng', 'CAN_MANAGE')],
      tasks: [{ task_key: 'export', existing_cluster_id: CLUSTERS.analytics, spark_jar_task: { main_class_name: 'com.example.Export' } }],
    },
    {
      name: 'mega-pipeline',
      owner: DEMO.adminUser,
      acl: [group('data-eng', 'CAN_VIEW')],
      job_clusters: [{ job_cluster_key: 'main', new_cluster: clusterSpec({ instance_pool_id: POOLS.general, policy_id: POLICIES.jobCompute }) }],
      tasks: Array.from({ length: 130 }, (_, i) => ({
        task_key: `step_${String(i + 1).padStart(3, '0')}`,
        job_cluster_key: 'main',
        ...(i > 0 ? { depends_on: [{ task_key: `step_${String(i).padStart(3, '0')}` }] } : {}),
        notebook_task: { notebook_path: `/Repos/mega/step_${i + 1}` },
      })),
    },
    {
      name: 'orphaned-cleanup',
      owner: DEMO.adminUser,
      creator: null,
      tasks: [{ task_key: 'cleanup', existing_cluster_id: CLUSTERS.sharedEtl, notebook_task: { notebook_path: '/Shared/cleanup' } }],
    },
    {
      name: 'archive-old-partitions',
      owner: maria,
      tasks: [{ task_key: 'archive', existing_cluster_id: CLUSTERS.terminated, notebook_task: { notebook_path: '/Repos/etl/archive' } }],
    },
    {
      name: 'model-retrain-weekly',
      owner: 'sam.chen@example.com',
      run_as: { service_principal_name: DEMO.ciBotAppId },
      acl: [zipher('CAN_MANAGE'), user(maria, 'CAN_MANAGE')],
      tasks: [{ task_key: 'train', existing_cluster_id: CLUSTERS.mlGpu, notebook_task: { notebook_path: '/Repos/ml/train' } }],
    },
  ];
}

const PLAIN_NAMES = [
  'customer-360-refresh', 'marketing-attribution', 'inventory-snapshot', 'fraud-scoring', 'sessionization',
  'clickstream-ingest', 'dim-customers-scd2', 'gdpr-delete-requests', 'weekly-finance-close', 'kafka-to-delta',
  'data-quality-checks', 'vacuum-and-optimize', 'feature-store-sync', 'model-batch-inference', 'revenue-forecast',
  'churn-prediction', 'ads-spend-import', 'salesforce-sync', 'zendesk-tickets-ingest', 'web-logs-compaction',
  'cdc-postgres-orders', 'pricing-experiments', 'recommendations-precompute', 'supply-chain-eta',
  'hr-headcount-report', 'security-audit-export', 'iot-telemetry-rollup', 'partner-feed-export', 'warehouse-cost-report',
];

function plainJob(name: string, i: number): JobShape {
  const owners = ['sam.chen@example.com', 'priya.patel@example.com', DEMO.nonAdminUser, DEMO.adminUser, DEMO.ciBotAppId, DEMO.viewerUser];
  const acl: FakeAclEntry[] = [i % 3 === 0 ? group('data-eng', 'CAN_MANAGE_RUN') : group('analysts', 'CAN_VIEW')];
  if (i % 10 === 4) acl.push(zipher('CAN_MANAGE'));
  if (i % 10 === 7) acl.push(zipher('CAN_VIEW'));
  if (i % 7 === 5) acl.push(user(DEMO.nonAdminUser, 'CAN_MANAGE'));
  const computes: (() => Pick<JobShape, 'tasks' | 'job_clusters'>)[] = [
    () => ({ tasks: [{ task_key: 'main', existing_cluster_id: CLUSTERS.sharedEtl, notebook_task: { notebook_path: `/Repos/jobs/${name}` } }] }),
    () => ({ tasks: [{ task_key: 'main', existing_cluster_id: CLUSTERS.analytics, notebook_task: { notebook_path: `/Repos/jobs/${name}` } }] }),
    () => ({
      job_clusters: [{ job_cluster_key: 'jc', new_cluster: clusterSpec({ instance_pool_id: POOLS.general, policy_id: POLICIES.jobCompute }) }],
      tasks: [{ task_key: 'main', job_cluster_key: 'jc', notebook_task: { notebook_path: `/Repos/jobs/${name}` } }],
    }),
    () => ({ tasks: [{ task_key: 'main', new_cluster: clusterSpec({ spark_conf: sparkConf('etl-secrets') }), spark_python_task: { python_file: `dbfs:/jobs/${name}.py` } }] }),
  ];
  return { name, owner: owners[i % owners.length], acl, ...computes[i % computes.length]() };
}

function toJob(shape: JobShape, jobId: number, createdTime: number): FakeJob {
  const creator = shape.creator === null ? undefined : (shape.creator ?? shape.owner ?? 'sam.chen@example.com');
  const settings: Record<string, unknown> = {
    name: shape.name,
    format: 'MULTI_TASK',
    max_concurrent_runs: 1,
    timeout_seconds: 0,
    email_notifications: {},
    tasks: shape.tasks,
    ...(shape.job_clusters ? { job_clusters: shape.job_clusters } : {}),
    ...(shape.environments ? { environments: shape.environments } : {}),
    ...(shape.run_as ? { run_as: shape.run_as } : {}),
  };
  return {
    job_id: jobId,
    ...(creator !== undefined ? { creator_user_name: creator } : {}),
    created_time: createdTime,
    settings,
    acl: [...(shape.owner ? [owner(shape.owner)] : []), ...(shape.acl ?? [])],
  };
}

function objects(): Pick<FakeWorkspaceSeed, 'clusters' | 'instancePools' | 'clusterPolicies' | 'warehouses' | 'secretScopes'> {
  const o = (id: string, name: string, acl: FakeAclEntry[], extra: Partial<FakeObject> = {}): FakeObject => ({ id, name, acl, ...extra });
  return {
    clusters: [
      o(CLUSTERS.sharedEtl, 'shared-etl-cluster', [user('sam.chen@example.com', 'CAN_MANAGE'), group('data-eng', 'CAN_RESTART')]),
      o(CLUSTERS.analytics, 'analytics-shared', [group('analysts', 'CAN_ATTACH_TO'), user(DEMO.nonAdminUser, 'CAN_MANAGE')]),
      o(CLUSTERS.mlGpu, 'ml-gpu-cluster', [zipher('CAN_ATTACH_TO'), group('data-eng', 'CAN_ATTACH_TO')]),
      o(CLUSTERS.terminated, 'old-archive-cluster', [user(DEMO.nonAdminUser, 'CAN_MANAGE')], { inaccessible: true }),
    ],
    instancePools: [
      o(POOLS.general, 'general-purpose-pool', [group('data-eng', 'CAN_ATTACH_TO')]),
      o(POOLS.driver, 'driver-pool', [group('data-eng', 'CAN_ATTACH_TO')]),
      o(POOLS.gpu, 'gpu-pool', [user('sam.chen@example.com', 'CAN_MANAGE')]),
    ],
    clusterPolicies: [
      o(POLICIES.jobCompute, 'job-compute-policy', [group('data-eng', 'CAN_USE'), group('analysts', 'CAN_USE')]),
      o(POLICIES.ml, 'ml-policy', [user('sam.chen@example.com', 'CAN_USE')]),
    ],
    warehouses: [
      { ...o(WAREHOUSES.reporting, 'reporting-warehouse', [user(DEMO.adminUser, 'IS_OWNER'), group('analysts', 'CAN_USE')]), state: 'RUNNING' },
      { ...o(WAREHOUSES.audit, 'audit-warehouse', [user(DEMO.adminUser, 'IS_OWNER')]), state: 'STOPPED' },
    ],
    secretScopes: [
      { name: 'etl-secrets', acls: [{ principal: 'admins', permission: 'MANAGE' }, { principal: 'data-eng', permission: 'READ' }, { principal: DEMO.nonAdminUser, permission: 'MANAGE' }] },
      { name: 'ml-secrets', acls: [{ principal: 'admins', permission: 'MANAGE' }, { principal: DEMO.zipherAppId, permission: 'READ' }] },
      { name: 'billing-secrets', acls: [{ principal: 'admins', permission: 'MANAGE' }] },
    ],
  };
}

function common(): FakeWorkspaceSeed {
  return {
    workspaceId: DEMO.workspaceId,
    accountId: DEMO.accountId,
    users: USERS.map((u) => ({ ...u, groups: [...(u.groups ?? [])] })),
    groups: ['admins', 'users', 'data-eng', 'analysts'],
    servicePrincipals: servicePrincipals(),
    accountAdmins: [{ clientId: DEMO.accountAdminClientId, secret: DEMO.accountAdminSecret }],
    workspaceConf: { enableIpAccessLists: 'false' },
    ipAccessLists: [],
    callerIp: '127.0.0.1',
  };
}

/** The realistic demo workspace: 40 jobs across every compute shape the extension handles. */
export function defaultSeed(): FakeWorkspaceSeed {
  const shapes = [...specialJobs(), ...PLAIN_NAMES.map(plainJob)];
  // Ids are not in creation order, as in a real workspace; created_time decides the list order.
  const jobs = shapes.map((s, i) => toJob(structuredClone(s), 101 + ((i * 37) % 997), BASE_TIME + (shapes.length - i) * 3_600_000));
  return { ...common(), ...objects(), jobs };
}

export interface ScaleSeedOptions {
  /** every Nth job already grants Zipher CAN_MANAGE (default 0 = none) */
  zipherManagedEvery?: number;
  /** every Nth job runs on the shared cluster instead of a job cluster (default 2) */
  sharedClusterEvery?: number;
}

/** N simple jobs (job_id 1..N, newest = highest id) for the benchmark and scale tests. */
export function scaleSeed(jobCount: number, opts: ScaleSeedOptions = {}): FakeWorkspaceSeed {
  const managedEvery = opts.zipherManagedEvery ?? 0;
  const sharedEvery = opts.sharedClusterEvery ?? 2;
  const owners = [DEMO.nonAdminUser, 'sam.chen@example.com', 'priya.patel@example.com', DEMO.adminUser];
  const jobCluster = [{ job_cluster_key: 'jc', new_cluster: clusterSpec({ instance_pool_id: POOLS.general, policy_id: POLICIES.jobCompute }) }];
  const jobs: FakeJob[] = new Array(jobCount);
  for (let i = 0; i < jobCount; i++) {
    const id = i + 1;
    const shared = sharedEvery > 0 && id % sharedEvery === 0;
    const acl: FakeAclEntry[] = [owner(owners[i % owners.length]), { group_name: 'data-eng', permission_level: 'CAN_MANAGE_RUN' }];
    if (managedEvery > 0 && id % managedEvery === 0) acl.push(zipher('CAN_MANAGE'));
    jobs[i] = {
      job_id: id,
      creator_user_name: owners[i % owners.length],
      created_time: BASE_TIME + id * 1000,
      settings: {
        name: `job-${String(id).padStart(5, '0')}`,
        format: 'MULTI_TASK',
        tasks: [shared ? { task_key: 'main', existing_cluster_id: CLUSTERS.sharedEtl } : { task_key: 'main', job_cluster_key: 'jc' }],
        ...(shared ? {} : { job_clusters: jobCluster }),
      },
      acl,
    };
  }
  return { ...common(), ...objects(), jobs };
}
