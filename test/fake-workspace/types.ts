/**
 * The control surface of the fake Databricks workspace, used by unit, host and UI tests, the
 * demo and the benchmark. The HTTP side follows ../shared/reference/databricks-api.md.
 *
 * Contract (owned by the fake; other test code depends on it): keep these names stable; add
 * freely.
 */

export type Level = string; // CAN_VIEW, CAN_MANAGE_RUN, CAN_MANAGE, IS_OWNER, CAN_ATTACH_TO, ...

export interface FakeUser {
  userName: string; // e-mail
  displayName?: string;
  groups?: string[]; // group names; 'admins' makes a workspace admin
  token?: string; // PAT accepted as Bearer
  id?: string; // numeric SCIM id; assigned by the fake when absent
}

export interface FakeServicePrincipal {
  id: string; // numeric SCIM id as string
  applicationId: string; // UUID
  displayName: string;
  active?: boolean;
  groups?: string[];
  /** OAuth secrets (plain value kept by the fake so tests can authenticate as the SP). */
  secrets?: { id: string; secret: string; expireTime?: string; createTime?: string }[];
  /** member of the workspace (identity federation); defaults to true */
  inWorkspace?: boolean;
}

/** A direct ACL entry as stored by the fake. */
export interface FakeAclEntry {
  user_name?: string;
  group_name?: string;
  service_principal_name?: string;
  permission_level: Level;
}

export interface FakeJob {
  job_id: number;
  creator_user_name?: string; // absent = creator deleted
  created_time: number;
  settings: Record<string, unknown>; // name, tasks, job_clusters, run_as, ...
  acl: FakeAclEntry[]; // direct entries only; admins inherited entry is synthesised on read
}

export interface FakeObject {
  id: string;
  name?: string;
  acl: FakeAclEntry[];
  /** clusters: terminated long ago → 400 INVALID_STATE on permissions */
  inaccessible?: boolean;
}

export interface FakeSecretScope {
  name: string;
  acls: { principal: string; permission: 'READ' | 'WRITE' | 'MANAGE' }[];
}

export interface FakeIpList {
  list_id: string;
  label: string;
  list_type: 'ALLOW' | 'BLOCK';
  ip_addresses: string[];
  enabled: boolean;
  created_at: number;
  updated_at: number;
}

export interface FakeWorkspaceSeed {
  workspaceId?: string; // numeric, sent as X-Databricks-Org-Id
  accountId?: string;
  users?: FakeUser[];
  groups?: string[];
  servicePrincipals?: FakeServicePrincipal[];
  jobs?: FakeJob[];
  clusters?: FakeObject[];
  instancePools?: FakeObject[];
  clusterPolicies?: FakeObject[];
  warehouses?: (FakeObject & { state?: string })[];
  secretScopes?: FakeSecretScope[];
  ipAccessLists?: FakeIpList[];
  workspaceConf?: Record<string, string>;
  /** account admins' OAuth clients for the account API: clientId → secret */
  accountAdmins?: { clientId: string; secret: string }[];
  /** The address the fake believes requests come from (for IP-list checks). Default 127.0.0.1. */
  callerIp?: string;
  /** Per-principal source address (userName or applicationId → IP), e.g. Zipher's egress IP;
   * overrides `callerIp` for that principal's requests. */
  callerIps?: Record<string, string>;
}

/** Switches tests flip at run time. All off by default. */
export interface FakeFaults {
  latencyMs: number; // added to every response
  concurrencyCap: number | undefined; // > cap in flight → 429 + Retry-After
  retryAfterSeconds: number; // sent with 429s (default 1)
  /** permission/secret-ACL writes per second before 429 (token bucket); undefined = unlimited */
  writeRatePerSecond: number | undefined;
  readRatePerSecond: number | undefined;
  /** queue of one-shot faults consumed by the next matching requests */
  inject(fault: InjectedFault): void;
  clear(): void;
  /** accepted requests in flight right now, and the most seen at once since start/reset */
  readonly inFlight: number;
  readonly maxInFlightSeen: number;
  resetMaxInFlight(): void;
  /** 429s the fake produced (cap, rate limits; injected ones excluded) */
  readonly throttledCount: number;
}

export interface InjectedFault {
  /** matched against `METHOD /path` (regex source or plain prefix) */
  match?: string | RegExp;
  times?: number; // default 1
  kind:
    | { type: 'status'; status: number; body?: string; contentType?: string; headers?: Record<string, string> }
    | { type: 'reset' } // destroy the socket
    | { type: 'delay'; ms: number };
}

/** One call the fake served (source of audit rows). */
export interface ServedCall {
  time: number; // epoch ms
  method: string;
  path: string;
  status: number;
  principal: string | undefined; // userName / applicationId of the caller
  action: string | undefined; // e.g. jobs.changeJobAcl, jobs.resetJobAcl, clusters.changeClusterAcl
  objectId: string | undefined;
  requestId: string;
  sourceIp: string;
  /** `METHOD /route-template`, e.g. `GET /api/2.0/permissions/jobs/{id}` */
  route: string;
  userAgent?: string;
  /** audit `request_params` (never secrets) */
  requestParams?: Record<string, string>;
}

export interface FakeWorkspace {
  /** http://127.0.0.1:<port> */
  readonly url: string;
  readonly state: FakeState;
  readonly faults: FakeFaults;
  readonly calls: ServedCall[];
  /** Runs once, right after the next permissions GET of that object is answered and before any
   * later write to it: lets a test change the ACL behind the client's back. */
  onceAfterPermissionsRead(objectType: string, id: string, mutate: (s: FakeState) => void): void;
  /** Counts of requests by `METHOD /route-template`, for tests that assert call budgets. */
  requestCount(routePrefix?: string): number;
  /** same as faults.maxInFlightSeen */
  readonly maxInFlightSeen: number;
  /** run-time switches (token lifetime, SQL behaviour) */
  readonly options: FakeOptions;
  stop(): Promise<void>;
}

/** Behaviour switches; tests may change them while the fake runs. */
export interface FakeOptions {
  /** lifetime of OAuth tokens from /oidc/v1/token (default 3600) */
  tokenLifetimeSeconds: number;
  /** send `expires_in` as a string, as some hosts do (default false) */
  expiresInAsString: boolean;
  /** statement GETs before a statement reaches its final state (0 = final at once; default 2) */
  sqlPollsToFinish: number;
  /** rows per result chunk (default 1000) */
  sqlChunkSize: number;
  /** false: queries on system.access.audit FAIL with TABLE_OR_VIEW_NOT_FOUND (default true) */
  auditTableEnabled: boolean;
}

/** Live, mutable state; tests read and change it directly. */
export interface FakeState {
  workspaceId: string;
  accountId: string;
  users: Map<string, FakeUser>;
  groups: Set<string>;
  servicePrincipals: Map<string, FakeServicePrincipal>; // by applicationId
  jobs: Map<number, FakeJob>;
  clusters: Map<string, FakeObject>;
  instancePools: Map<string, FakeObject>;
  clusterPolicies: Map<string, FakeObject>;
  warehouses: Map<string, FakeObject & { state?: string }>;
  secretScopes: Map<string, FakeSecretScope>;
  ipAccessLists: Map<string, FakeIpList>;
  workspaceConf: Map<string, string>;
  callerIp: string;
  /** principal (userName / applicationId) → source IP; see FakeWorkspaceSeed.callerIps */
  callerIps: Map<string, string>;
  /** Adds a PAT for a user or SP and returns it. */
  issueToken(principal: string): string;
  /** Makes a PAT or OAuth token invalid (next use → 403 "Invalid access token."). */
  revokeToken(token: string): void;
  /** Expires every OAuth token issued so far (of one principal if given): next use → 401. */
  expireOAuthTokens(principal?: string): void;
}

export interface StartOptions {
  port?: number; // default 0 (ephemeral)
  seed?: FakeWorkspaceSeed;
  /** initial FakeOptions */
  options?: Partial<FakeOptions>;
  /** shorthand for options.tokenLifetimeSeconds */
  tokenLifetimeSeconds?: number;
  /** initial fault switches */
  faults?: Partial<Pick<FakeFaults, 'latencyMs' | 'concurrencyCap' | 'retryAfterSeconds' | 'writeRatePerSecond' | 'readRatePerSecond'>>;
}
