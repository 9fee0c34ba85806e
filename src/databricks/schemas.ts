/**
 * zod schemas for every response the client reads. Unknown fields are tolerated; a missing
 * required field becomes DatabricksError kind 'bad-response' (see `http.ts`).
 * Optional arrays that Databricks omits when empty default to [] here, once.
 *
 * zod/mini rather than classic zod: same parser, but it tree-shakes, which keeps the bundle
 * small. It ships no messages, so `validate` words issues with zod's English locale.
 */
import * as z from 'zod/mini';
import { en } from 'zod/locales';

const str = z.string();
const nonEmpty = z.string().check(z.minLength(1));
/** Databricks sends some numbers as strings (ids, times); accept both. */
const numberish = z.union([z.number(), z.pipe(z.string().check(z.regex(/^-?\d+(\.\d+)?$/)), z.transform(Number))]);
/** Ids that are sometimes numbers on the wire. */
const idString = z.union([z.string(), z.pipe(z.number(), z.transform(String))]);

export type Schema<T> = z.ZodMiniType<T>;

export type Validation<T> = { ok: true; data: T } | { ok: false; field: string | undefined; message: string };

const english = en().localeError;

/** Parses `data`; on failure names the first offending field (dotted path, undefined for the whole body). */
export function validate<T>(schema: Schema<T>, data: unknown): Validation<T> {
  const parsed = schema.safeParse(data, { error: english });
  if (parsed.success) return { ok: true, data: parsed.data };
  const issue = parsed.error.issues[0];
  return { ok: false, field: issue?.path.length ? issue.path.join('.') : undefined, message: issue?.message ?? 'invalid' };
}

// ---------------------------------------------------------------- jobs

const ClusterSpec = z.looseObject({
  instance_pool_id: z.optional(str),
  driver_instance_pool_id: z.optional(str),
  policy_id: z.optional(str),
  spark_conf: z.optional(z.record(z.string(), z.string())),
  spark_env_vars: z.optional(z.record(z.string(), z.string())),
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

export const JobTask: Schema<JobTaskShape> = z.lazy(() =>
  z.looseObject({
    task_key: str,
    existing_cluster_id: z.optional(str),
    job_cluster_key: z.optional(str),
    new_cluster: z.optional(ClusterSpec),
    environment_key: z.optional(str),
    sql_task: z.optional(z.looseObject({ warehouse_id: z.optional(str) })),
    for_each_task: z.optional(z.looseObject({ inputs: z.optional(str), task: JobTask })),
  }),
);

const JobCluster = z.looseObject({ job_cluster_key: str, new_cluster: z.optional(ClusterSpec) });

export const JobSettings = z.looseObject({
  name: z.optional(str),
  tasks: z.optional(z.array(JobTask)),
  job_clusters: z.optional(z.array(JobCluster)),
  run_as: z.optional(z.looseObject({ user_name: z.optional(str), service_principal_name: z.optional(str), group_name: z.optional(str) })),
});

/** An array Databricks leaves out when it is empty. */
const listOf = <T extends z.core.SomeType>(item: T) => z._default(z.array(item), () => []);

const JobSummary = z.looseObject({
  job_id: numberish,
  creator_user_name: z.optional(str),
  created_time: z.optional(numberish),
  settings: z._default(JobSettings, () => ({})),
});

export const JobsListResponse = z.looseObject({
  jobs: listOf(JobSummary),
  next_page_token: z.optional(str),
});

export const JobGetResponse = z.extend(JobSummary, {
  run_as_user_name: z.optional(str),
  next_page_token: z.optional(str),
});

// ---------------------------------------------------------------- permissions

const PermissionGrant = z.looseObject({
  permission_level: str,
  inherited: z._default(z.boolean(), false),
  inherited_from_object: z.optional(z.array(str)),
});

const AclEntry = z.looseObject({
  user_name: z.optional(str),
  group_name: z.optional(str),
  service_principal_name: z.optional(str),
  display_name: z.optional(str),
  all_permissions: listOf(PermissionGrant),
});

export const ObjectPermissions = z.looseObject({
  object_id: str,
  object_type: str,
  access_control_list: listOf(AclEntry),
});

export const PermissionLevels = z.looseObject({
  permission_levels: listOf(z.looseObject({ permission_level: str, description: z.optional(str) })),
});

// ---------------------------------------------------------------- secrets

const SecretAcl = z.looseObject({ principal: str, permission: z.enum(['READ', 'WRITE', 'MANAGE']) });
export const SecretAclGet = SecretAcl;
export const SecretAclList = z.looseObject({ items: z.optional(z.array(SecretAcl)), acls: z.optional(z.array(SecretAcl)) });

// ---------------------------------------------------------------- identity

export const Me = z.looseObject({
  id: idString,
  userName: str,
  displayName: z.optional(str),
  active: z.optional(z.boolean()),
  groups: listOf(z.looseObject({ display: z.optional(str), value: z.optional(str) })),
});

export const ServicePrincipal = z.looseObject({
  id: idString,
  applicationId: str,
  displayName: z.optional(str),
  active: z.optional(z.boolean()),
});

export const ScimList = z.looseObject({
  Resources: listOf(ServicePrincipal),
  totalResults: z.optional(numberish),
  startIndex: z.optional(numberish),
  itemsPerPage: z.optional(numberish),
});

export const WorkspaceList = z.looseObject({
  objects: listOf(z.looseObject({ path: str, object_type: z.optional(str) })),
});

const OAuthSecretInfo = z.looseObject({
  id: idString,
  status: z.optional(str),
  create_time: z.optional(str),
  expire_time: z.optional(str),
  secret_hash: z.optional(str),
});

export const OAuthSecretList = z.looseObject({
  secrets: listOf(OAuthSecretInfo),
  next_page_token: z.optional(str),
});

export const CreatedOAuthSecret = z.extend(OAuthSecretInfo, { secret: str });

// ---------------------------------------------------------------- network

export const IpAccessList = z.looseObject({
  list_id: idString,
  label: str,
  list_type: z.enum(['ALLOW', 'BLOCK']),
  ip_addresses: listOf(str),
  address_count: z.optional(numberish),
  enabled: z.boolean(),
  created_at: z.optional(numberish),
  created_by: z.optional(numberish),
  updated_at: z.optional(numberish),
  updated_by: z.optional(numberish),
});

export const IpAccessLists = z.looseObject({ ip_access_lists: listOf(IpAccessList) });
export const IpAccessListCreated = z.looseObject({ ip_access_list: IpAccessList });

export const WorkspaceConf = z.record(z.string(), z.union([z.string(), z.null()]));

// ---------------------------------------------------------------- SQL

export const Warehouses = z.looseObject({
  warehouses: listOf(z.looseObject({ id: str, name: str, state: z.optional(str) })),
});

export const StatementResult = z.looseObject({
  data_array: z.optional(z.array(z.array(z.union([z.string(), z.null()])))),
  next_chunk_index: z.optional(numberish),
  chunk_index: z.optional(numberish),
});

export const StatementResponse = z.looseObject({
  statement_id: str,
  status: z.looseObject({
    state: z.enum(['PENDING', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELED', 'CLOSED']),
    error: z.optional(z.looseObject({ error_code: z.optional(str), message: z.optional(str) })),
  }),
  manifest: z.optional(
    z.looseObject({
      schema: z.optional(z.looseObject({ columns: z.optional(z.array(z.looseObject({ name: str, position: numberish, type_name: z.optional(str) }))) })),
      total_row_count: z.optional(numberish),
      truncated: z.optional(z.boolean()),
      total_chunk_count: z.optional(numberish),
    }),
  ),
  result: z.optional(StatementResult),
});

/** Endpoints that answer with an empty body or `{}`. */
export const Empty = z.unknown();

// ---------------------------------------------------------------- OAuth

/** The OIDC token endpoint's answer (client credentials grant). */
export const TokenResponse = z.object({
  access_token: nonEmpty,
  token_type: z.optional(str),
  expires_in: z.optional(z.pipe(z.union([z.number(), z.string().check(z.regex(/^\d+(\.\d+)?$/))]), z.transform(Number))),
});
