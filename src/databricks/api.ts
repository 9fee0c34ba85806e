/**
 * The contract of the Databricks REST client: the data types every layer above uses and the
 * interface `WorkspaceClient` implements. The domain (`src/onboarding/`) depends on this file
 * only, never on axios or on the concrete client, so it can be driven by any implementation.
 *
 * Types here are the *parsed* shapes (after zod validation in `schemas.ts`). Unknown fields
 * from the server are tolerated and dropped unless named here.
 */

/** Where a request stands in the per-workspace scheduler's queue. */
export type Priority = 'user' | 'background';

/** Options every call accepts. */
export interface CallOptions {
  signal?: AbortSignal;
  /** User-initiated work goes ahead of background refresh. Default 'user'. */
  priority?: Priority;
}

// ---------------------------------------------------------------- jobs

export interface ClusterSpec {
  instance_pool_id?: string;
  driver_instance_pool_id?: string;
  policy_id?: string;
  spark_conf?: Record<string, string>;
  spark_env_vars?: Record<string, string>;
  [key: string]: unknown;
}

export interface JobTask {
  task_key: string;
  existing_cluster_id?: string;
  job_cluster_key?: string;
  new_cluster?: ClusterSpec;
  environment_key?: string;
  sql_task?: { warehouse_id?: string; [key: string]: unknown };
  for_each_task?: { inputs?: string; task: JobTask; [key: string]: unknown };
  [key: string]: unknown;
}

export interface JobCluster {
  job_cluster_key: string;
  new_cluster?: ClusterSpec;
}

export interface JobSettings {
  name?: string;
  tasks?: JobTask[];
  job_clusters?: JobCluster[];
  run_as?: { user_name?: string; service_principal_name?: string; group_name?: string };
  [key: string]: unknown;
}

/** One row of `jobs/list`. */
export interface JobSummary {
  job_id: number;
  creator_user_name?: string;
  created_time?: number;
  settings: JobSettings;
}

/** `jobs/get`, with every 2.2 page of tasks / job_clusters concatenated. */
export interface JobDetails extends JobSummary {
  run_as_user_name?: string;
}

export interface JobsPage {
  jobs: JobSummary[];
  next_page_token?: string;
}

// ---------------------------------------------------------------- permissions

/** Path segment under `/api/2.0/permissions/`. */
export type PermissionObjectType = 'jobs' | 'clusters' | 'instance-pools' | 'cluster-policies' | 'warehouses';

export type PrincipalKind = 'user_name' | 'group_name' | 'service_principal_name';

/** Exactly one of the three principal fields is set. */
export interface Principal {
  kind: PrincipalKind;
  /** user e-mail, group name, or SP application id */
  name: string;
}

export interface PermissionGrant {
  permission_level: string;
  inherited: boolean;
  inherited_from_object?: string[];
}

export interface AclEntry {
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  display_name?: string;
  all_permissions: PermissionGrant[];
}

export interface ObjectPermissions {
  object_id: string;
  object_type: string;
  access_control_list: AclEntry[];
}

/** One entry of a PUT/PATCH body. */
export interface AclRequestEntry {
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  permission_level: string;
}

export interface PermissionLevel {
  permission_level: string;
  description?: string;
}

// ---------------------------------------------------------------- secrets

export type SecretPermission = 'READ' | 'WRITE' | 'MANAGE';

export interface SecretAcl {
  principal: string;
  permission: SecretPermission;
}

// ---------------------------------------------------------------- identity

export interface ScimGroupRef {
  display?: string;
  value?: string;
}

export interface Me {
  id: string;
  userName: string;
  displayName?: string;
  active?: boolean;
  groups: ScimGroupRef[];
}

export interface ServicePrincipal {
  /** numeric SCIM id, as a string */
  id: string;
  /** UUID: OAuth client id, ACL `service_principal_name`, secret ACL principal */
  applicationId: string;
  displayName?: string;
  active?: boolean;
}

export interface OAuthSecretInfo {
  id: string;
  status?: string;
  create_time?: string;
  expire_time?: string;
  secret_hash?: string;
}

/** Returned once, at creation. `secret` must go straight to SecretStorage. */
export interface CreatedOAuthSecret extends OAuthSecretInfo {
  secret: string;
}

// ---------------------------------------------------------------- network

export interface IpAccessList {
  list_id: string;
  label: string;
  list_type: 'ALLOW' | 'BLOCK';
  ip_addresses: string[];
  address_count?: number;
  enabled: boolean;
  created_at?: number;
  created_by?: number;
  updated_at?: number;
  updated_by?: number;
}

// ---------------------------------------------------------------- SQL

export interface Warehouse {
  id: string;
  name: string;
  state?: string;
}

export type StatementState = 'PENDING' | 'RUNNING' | 'SUCCEEDED' | 'FAILED' | 'CANCELED' | 'CLOSED';

export interface StatementColumn {
  name: string;
  position: number;
  type_name?: string;
}

export interface StatementResponse {
  statement_id: string;
  status: { state: StatementState; error?: { error_code?: string; message?: string } };
  manifest?: { schema?: { columns?: StatementColumn[] }; total_row_count?: number; truncated?: boolean; total_chunk_count?: number };
  result?: { data_array?: (string | null)[][]; next_chunk_index?: number; chunk_index?: number };
}

export interface StatementRequest {
  warehouse_id: string;
  statement: string;
  wait_timeout?: string;
  on_wait_timeout?: 'CONTINUE' | 'CANCEL';
  parameters?: { name: string; value: string | null; type?: string }[];
  row_limit?: number;
}

// ---------------------------------------------------------------- the client

/** Everything the domain needs from one workspace. Implemented by `WorkspaceClient`. */
export interface WorkspaceApi {
  /** Normalised `https://host[:port]` (http allowed on loopback only). */
  readonly host: string;
  /** Numeric workspace id from the last `X-Databricks-Org-Id` header seen, if any. */
  readonly workspaceId: string | undefined;

  // jobs
  /** Token-paged; yields each page as it arrives. */
  listJobPages(opts?: CallOptions & { pageSize?: number; name?: string }): AsyncIterable<JobSummary[]>;
  getJob(jobId: number, opts?: CallOptions): Promise<JobDetails>;

  // permissions (same semantics on every object type)
  getPermissions(type: PermissionObjectType, id: string, opts?: CallOptions): Promise<ObjectPermissions>;
  /** PUT: replaces every direct entry. */
  setPermissions(type: PermissionObjectType, id: string, acl: AclRequestEntry[], opts?: CallOptions): Promise<ObjectPermissions>;
  /** PATCH: adds or changes the named principals only. */
  updatePermissions(type: PermissionObjectType, id: string, acl: AclRequestEntry[], opts?: CallOptions): Promise<ObjectPermissions>;
  getPermissionLevels(type: PermissionObjectType, id: string, opts?: CallOptions): Promise<PermissionLevel[]>;

  // secret ACLs
  listSecretAcls(scope: string, opts?: CallOptions): Promise<SecretAcl[]>;
  /** undefined when the principal has no ACL on the scope (404). */
  getSecretAcl(scope: string, principal: string, opts?: CallOptions): Promise<SecretAcl | undefined>;
  putSecretAcl(scope: string, principal: string, permission: SecretPermission, opts?: CallOptions): Promise<void>;
  deleteSecretAcl(scope: string, principal: string, opts?: CallOptions): Promise<void>;

  // identity
  me(opts?: CallOptions): Promise<Me>;
  /** Workspace SCIM; `filter` e.g. `applicationId eq "<uuid>"`. */
  listServicePrincipals(filter?: string, opts?: CallOptions): Promise<ServicePrincipal[]>;
  /** `/api/2.0/workspace/list` — the guide's connectivity probe. */
  listWorkspace(path: string, opts?: CallOptions): Promise<{ objects: { path: string; object_type?: string }[] }>;

  // workspace-level proxy for SP OAuth secrets (SP numeric id)
  listWorkspaceSpSecrets(spId: string, opts?: CallOptions): Promise<OAuthSecretInfo[]>;
  createWorkspaceSpSecret(spId: string, lifetimeSeconds?: number, opts?: CallOptions): Promise<CreatedOAuthSecret>;
  deleteWorkspaceSpSecret(spId: string, secretId: string, opts?: CallOptions): Promise<void>;

  // network
  listIpAccessLists(opts?: CallOptions): Promise<IpAccessList[]>;
  createIpAccessList(list: { label: string; list_type: 'ALLOW' | 'BLOCK'; ip_addresses: string[] }, opts?: CallOptions): Promise<IpAccessList>;
  replaceIpAccessList(id: string, list: { label: string; list_type: 'ALLOW' | 'BLOCK'; ip_addresses: string[]; enabled: boolean }, opts?: CallOptions): Promise<void>;
  deleteIpAccessList(id: string, opts?: CallOptions): Promise<void>;
  getWorkspaceConf(keys: string[], opts?: CallOptions): Promise<Record<string, string | null>>;
  setWorkspaceConf(values: Record<string, string>, opts?: CallOptions): Promise<void>;

  // SQL
  listWarehouses(opts?: CallOptions): Promise<Warehouse[]>;
  executeStatement(req: StatementRequest, opts?: CallOptions): Promise<StatementResponse>;
  getStatement(id: string, opts?: CallOptions): Promise<StatementResponse>;
  cancelStatement(id: string, opts?: CallOptions): Promise<void>;
  getStatementChunk(id: string, chunk: number, opts?: CallOptions): Promise<NonNullable<StatementResponse['result']>>;
}

/** Account console calls (SP lifecycle). Implemented by `AccountClient`. */
export interface AccountApi {
  readonly host: string;
  readonly accountId: string;
  listServicePrincipals(filter?: string, opts?: CallOptions): Promise<ServicePrincipal[]>;
  createServicePrincipal(displayName: string, opts?: CallOptions): Promise<ServicePrincipal>;
  getServicePrincipal(id: string, opts?: CallOptions): Promise<ServicePrincipal>;
  setServicePrincipalActive(id: string, active: boolean, opts?: CallOptions): Promise<void>;
  listSpSecrets(spId: string, opts?: CallOptions): Promise<OAuthSecretInfo[]>;
  /** Never retried automatically (not idempotent). */
  createSpSecret(spId: string, lifetimeSeconds?: number, opts?: CallOptions): Promise<CreatedOAuthSecret>;
  deleteSpSecret(spId: string, secretId: string, opts?: CallOptions): Promise<void>;
  assignToWorkspace(workspaceId: string, spId: string, permissions: string[], opts?: CallOptions): Promise<void>;
  removeFromWorkspace(workspaceId: string, spId: string, opts?: CallOptions): Promise<void>;
}

// ---------------------------------------------------------------- errors

/** What a failure means to a user; drives messages and retry decisions. */
export type ErrorKind =
  | 'auth' // 401, or 403 "Invalid access token" / invalid_client: credentials rejected
  | 'ip-blocked' // 403 "Source IP address ... is blocked"
  | 'permission' // 403 PERMISSION_DENIED
  | 'not-found' // 404, RESOURCE_DOES_NOT_EXIST, "Job N does not exist."
  | 'invalid' // 400 INVALID_PARAMETER_VALUE, INVALID_STATE, QUOTA_EXCEEDED, ...
  | 'rate-limit' // 429, REQUEST_LIMIT_EXCEEDED, RESOURCE_EXHAUSTED (after retries ran out)
  | 'unavailable' // 5xx (after retries)
  | 'network' // DNS, refused, reset (after retries)
  | 'timeout'
  | 'cancelled' // the caller's AbortSignal fired
  | 'not-databricks' // answered, but not like a Databricks workspace (HTML 200, wrong shape)
  | 'bad-response' // JSON did not match the schema
  | 'config'; // bad host, bad profile, two auth methods, ...
