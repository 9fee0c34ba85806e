/**
 * zod schemas for every response the client reads. Unknown fields are tolerated; a missing
 * required field becomes DatabricksError kind 'bad-response' (see `http.ts`).
 * Optional arrays that Databricks omits when empty default to [] here, once.
 */
import { z } from 'zod';

const str = z.string();
/** Databricks sends some numbers as strings (ids, times); accept both. */
const numberish = z.union([z.number(), z.string().regex(/^-?\d+(\.\d+)?$/).transform(Number)]);
/** Ids that are sometimes numbers on the wire. */
const idString = z.union([z.string(), z.number().transform(String)]);

// ---------------------------------------------------------------- jobs

const ClusterSpec = z.looseObject({
  instance_pool_id: str.optional(),
  driver_instance_pool_id: str.optional(),
  policy_id: str.optional(),
  spark_conf: z.record(z.string(), z.string()).optional(),
  spark_env_vars: z.record(z.string(), z.string()).optional(),
});

interface JobTaskShape {
  task_key: string;
  existing_cluster_id?: string;
  job_cluster_key?: string;
  new_cluster?: z.infer<typeof ClusterSpec>;
  environment_key?: string;
  sql_task?: { warehouse_id?: string; [k: string]: unknown };
  for_each_task?: { inputs?: string; task: JobTaskShape; [k: string]: unknown };
  [k: string]: unknown;
}

export const JobTask: z.ZodType<JobTaskShape> = z.lazy(() =>
  z.looseObject({
    task_key: str,
    existing_cluster_id: str.optional(),
    job_cluster_key: str.optional(),
    new_cluster: ClusterSpec.optional(),
    environment_key: str.optional(),
    sql_task: z.looseObject({ warehouse_id: str.optional() }).optional(),
    for_each_task: z.looseObject({ inputs: str.optional(), task: JobTask }).optional(),
  }),
);

const JobCluster = z.looseObject({ job_cluster_key: str, new_cluster: ClusterSpec.optional() });

export const JobSettings = z.looseObject({
  name: str.optional(),
  tasks: z.array(JobTask).optional(),
  job_clusters: z.array(JobCluster).optional(),
  run_as: z.looseObject({ user_name: str.optional(), service_principal_name: str.optional(), group_name: str.optional() }).optional(),
});

const JobSummary = z.looseObject({
  job_id: numberish,
  creator_user_name: str.optional(),
  created_time: numberish.optional(),
  settings: JobSettings.default({}),
});

export const JobsListResponse = z.looseObject({
  jobs: z.array(JobSummary).default([]),
  next_page_token: str.optional(),
});

export const JobGetResponse = JobSummary.extend({
  run_as_user_name: str.optional(),
  next_page_token: str.optional(),
});

// ---------------------------------------------------------------- permissions

const PermissionGrant = z.looseObject({
  permission_level: str,
  inherited: z.boolean().default(false),
  inherited_from_object: z.array(str).optional(),
});

const AclEntry = z.looseObject({
  user_name: str.optional(),
  group_name: str.optional(),
  service_principal_name: str.optional(),
  display_name: str.optional(),
  all_permissions: z.array(PermissionGrant).default([]),
});

export const ObjectPermissions = z.looseObject({
  object_id: str,
  object_type: str,
  access_control_list: z.array(AclEntry).default([]),
});

export const PermissionLevels = z.looseObject({
  permission_levels: z.array(z.looseObject({ permission_level: str, description: str.optional() })).default([]),
});

// ---------------------------------------------------------------- secrets

const SecretAcl = z.looseObject({ principal: str, permission: z.enum(['READ', 'WRITE', 'MANAGE']) });
export const SecretAclGet = SecretAcl;
export const SecretAclList = z.looseObject({ items: z.array(SecretAcl).optional(), acls: z.array(SecretAcl).optional() });

// ---------------------------------------------------------------- identity

export const Me = z.looseObject({
  id: idString,
  userName: str,
  displayName: str.optional(),
  active: z.boolean().optional(),
  groups: z.array(z.looseObject({ display: str.optional(), value: str.optional() })).default([]),
});

export const ServicePrincipal = z.looseObject({
  id: idString,
  applicationId: str,
  displayName: str.optional(),
  active: z.boolean().optional(),
});

export const ScimList = z.looseObject({
  Resources: z.array(ServicePrincipal).default([]),
  totalResults: numberish.optional(),
  startIndex: numberish.optional(),
  itemsPerPage: numberish.optional(),
});

export const WorkspaceList = z.looseObject({
  objects: z.array(z.looseObject({ path: str, object_type: str.optional() })).default([]),
});

const OAuthSecretInfo = z.looseObject({
  id: idString,
  status: str.optional(),
  create_time: str.optional(),
  expire_time: str.optional(),
  secret_hash: str.optional(),
});

export const OAuthSecretList = z.looseObject({
  secrets: z.array(OAuthSecretInfo).default([]),
  next_page_token: str.optional(),
});

export const CreatedOAuthSecret = OAuthSecretInfo.extend({ secret: str });

// ---------------------------------------------------------------- network

export const IpAccessList = z.looseObject({
  list_id: idString,
  label: str,
  list_type: z.enum(['ALLOW', 'BLOCK']),
  ip_addresses: z.array(str).default([]),
  address_count: numberish.optional(),
  enabled: z.boolean(),
  created_at: numberish.optional(),
  created_by: numberish.optional(),
  updated_at: numberish.optional(),
  updated_by: numberish.optional(),
});

export const IpAccessLists = z.looseObject({ ip_access_lists: z.array(IpAccessList).default([]) });
export const IpAccessListCreated = z.looseObject({ ip_access_list: IpAccessList });

export const WorkspaceConf = z.record(z.string(), z.union([z.string(), z.null()]));

// ---------------------------------------------------------------- SQL

export const Warehouses = z.looseObject({
  warehouses: z.array(z.looseObject({ id: str, name: str, state: str.optional() })).default([]),
});

export const StatementResult = z.looseObject({
  data_array: z.array(z.array(z.union([z.string(), z.null()]))).optional(),
  next_chunk_index: numberish.optional(),
  chunk_index: numberish.optional(),
});

export const StatementResponse = z.looseObject({
  statement_id: str,
  status: z.looseObject({
    state: z.enum(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']),
    error: z.looseObject({ error_code: str.optional(), message: str.optional() }).optional(),
  }),
  manifest: z
    .looseObject({
      schema: z.looseObject({ columns: z.array(z.looseObject({ name: str, position: numberish, type_name: str.optional() })).optional() }).optional(),
      total_row_count: numberish.optional(),
      truncated: z.boolean().optional(),
      total_chunk_count: numberish.optional(),
    })
    .optional(),
  result: StatementResult.optional(),
});

/** Endpoints that answer with an empty body or `{}`. */
export const Empty = z.unknown();
