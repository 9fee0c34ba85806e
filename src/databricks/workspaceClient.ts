/** Typed calls to one Databricks workspace (implements the `WorkspaceApi` contract). */
import type {
  AclRequestEntry,
  CallOptions,
  CreatedOAuthSecret,
  IpAccessList,
  JobDetails,
  JobSummary,
  Me,
  OAuthSecretInfo,
  ObjectPermissions,
  PermissionLevel,
  PermissionObjectType,
  SecretAcl,
  SecretPermission,
  ServicePrincipal,
  StatementRequest,
  StatementResponse,
  Warehouse,
  WorkspaceApi,
} from './api';
import { DatabricksError } from './errors';
import type { HttpTransport } from './http';
import * as S from './schemas';

export interface WorkspaceIdentity {
  authType: 'pat' | 'oauth-m2m';
  /** OAuth client id (= the SP's application id) when authType is oauth-m2m */
  clientId?: string;
  /** from DATABRICKS_ACCOUNT_ID or the profile's account_id */
  accountId?: string;
  /** the .databrickscfg profile the settings came from */
  profile?: string;
}

const JOBS_PAGE_MAX = 100;
const SCIM_PAGE = 100;
/** Paged arrays of a 2.2 jobs/get answer, concatenated across pages. */
const JOB_PAGED_FIELDS = ['tasks', 'job_clusters', 'parameters', 'environments'] as const;

export class WorkspaceClient implements WorkspaceApi {
  private lastWorkspaceId: string | undefined;

  constructor(
    readonly host: string,
    private readonly transport: HttpTransport,
    readonly identity: WorkspaceIdentity,
  ) {}

  get workspaceId(): string | undefined {
    return this.lastWorkspaceId;
  }

  /** Called by the transport for every response (wired in `createWorkspaceClient`). */
  noteOrgId(value: string | undefined): void {
    if (value && /^\d+$/.test(value)) this.lastWorkspaceId = value;
  }

  // ---------------------------------------------------------------- jobs

  async *listJobPages(opts: CallOptions & { pageSize?: number; name?: string } = {}): AsyncIterable<JobSummary[]> {
    const limit = Math.min(JOBS_PAGE_MAX, Math.max(1, opts.pageSize ?? JOBS_PAGE_MAX));
    const seen = new Set<string>();
    let pageToken: string | undefined;
    do {
      const page = await this.transport.request(
        { method: 'GET', path: '/api/2.2/jobs/list', query: { limit, page_token: pageToken, name: opts.name }, schema: S.JobsListResponse },
        opts,
      );
      yield page.jobs as JobSummary[];
      // has_more is unreliable on 2.2; only the token says whether another page exists.
      pageToken = page.next_page_token || undefined;
      if (pageToken && seen.has(pageToken)) throw loopError('/api/2.2/jobs/list', this.host);
      if (pageToken) seen.add(pageToken);
    } while (pageToken);
  }

  async getJob(jobId: number, opts: CallOptions = {}): Promise<JobDetails> {
    const path = '/api/2.2/jobs/get';
    const first = await this.transport.request({ method: 'GET', path, query: { job_id: jobId }, schema: S.JobGetResponse }, opts);
    const settings: Record<string, unknown> = { ...first.settings };
    const seen = new Set<string>();
    let pageToken = first.next_page_token || undefined;
    while (pageToken) {
      if (seen.has(pageToken)) throw loopError(path, this.host);
      seen.add(pageToken);
      const page = await this.transport.request({ method: 'GET', path, query: { job_id: jobId, page_token: pageToken }, schema: S.JobGetResponse }, opts);
      for (const field of JOB_PAGED_FIELDS) {
        const more = page.settings[field];
        if (Array.isArray(more) && more.length) settings[field] = [...((settings[field] as unknown[] | undefined) ?? []), ...more];
      }
      pageToken = page.next_page_token || undefined;
    }
    const { next_page_token: _ignored, ...rest } = first;
    void _ignored;
    return { ...rest, settings: settings as JobDetails['settings'] } as JobDetails;
  }

  // ---------------------------------------------------------------- permissions

  getPermissions(type: PermissionObjectType, id: string, opts: CallOptions = {}): Promise<ObjectPermissions> {
    return this.transport.request({ method: 'GET', path: permissionsPath(type, id), schema: S.ObjectPermissions }, opts);
  }

  setPermissions(type: PermissionObjectType, id: string, acl: AclRequestEntry[], opts: CallOptions = {}): Promise<ObjectPermissions> {
    return this.transport.request({ method: 'PUT', path: permissionsPath(type, id), body: { access_control_list: acl }, schema: S.ObjectPermissions }, opts);
  }

  updatePermissions(type: PermissionObjectType, id: string, acl: AclRequestEntry[], opts: CallOptions = {}): Promise<ObjectPermissions> {
    return this.transport.request({ method: 'PATCH', path: permissionsPath(type, id), body: { access_control_list: acl }, schema: S.ObjectPermissions }, opts);
  }

  async getPermissionLevels(type: PermissionObjectType, id: string, opts: CallOptions = {}): Promise<PermissionLevel[]> {
    const r = await this.transport.request({ method: 'GET', path: `${permissionsPath(type, id)}/permissionLevels`, schema: S.PermissionLevels }, opts);
    return r.permission_levels;
  }

  // ---------------------------------------------------------------- secret ACLs

  async listSecretAcls(scope: string, opts: CallOptions = {}): Promise<SecretAcl[]> {
    const r = await this.transport.request({ method: 'GET', path: '/api/2.0/secrets/acls/list', query: { scope }, schema: S.SecretAclList }, opts);
    return r.items ?? r.acls ?? [];
  }

  async getSecretAcl(scope: string, principal: string, opts: CallOptions = {}): Promise<SecretAcl | undefined> {
    try {
      return await this.transport.request({ method: 'GET', path: '/api/2.0/secrets/acls/get', query: { scope, principal }, schema: S.SecretAclGet }, opts);
    } catch (e) {
      if (e instanceof DatabricksError && (e.status === 404 || e.errorCode === 'RESOURCE_DOES_NOT_EXIST')) return undefined;
      throw e;
    }
  }

  async putSecretAcl(scope: string, principal: string, permission: SecretPermission, opts: CallOptions = {}): Promise<void> {
    // Setting one principal's ACL to a fixed value is safe to repeat.
    await this.transport.request({ method: 'POST', path: '/api/2.0/secrets/acls/put', body: { scope, principal, permission }, schema: S.Empty, idempotent: true }, opts);
  }

  async deleteSecretAcl(scope: string, principal: string, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'POST', path: '/api/2.0/secrets/acls/delete', body: { scope, principal }, schema: S.Empty, idempotent: true }, opts);
  }

  // ---------------------------------------------------------------- identity

  me(opts: CallOptions = {}): Promise<Me> {
    return this.transport.request({ method: 'GET', path: '/api/2.0/preview/scim/v2/Me', schema: S.Me }, opts);
  }

  listServicePrincipals(filter?: string, opts: CallOptions = {}): Promise<ServicePrincipal[]> {
    return scimListAll(this.transport, '/api/2.0/preview/scim/v2/ServicePrincipals', filter, opts);
  }

  listWorkspace(path: string, opts: CallOptions = {}): Promise<{ objects: { path: string; object_type?: string }[] }> {
    return this.transport.request({ method: 'GET', path: '/api/2.0/workspace/list', query: { path }, schema: S.WorkspaceList }, opts);
  }

  // ---------------------------------------------------------------- SP OAuth secrets (workspace proxy)

  listWorkspaceSpSecrets(spId: string, opts: CallOptions = {}): Promise<OAuthSecretInfo[]> {
    return listSecretsAll(this.transport, `/api/2.0/accounts/servicePrincipals/${seg(spId)}/credentials/secrets`, opts);
  }

  createWorkspaceSpSecret(spId: string, lifetimeSeconds?: number, opts: CallOptions = {}): Promise<CreatedOAuthSecret> {
    return createSecret(this.transport, `/api/2.0/accounts/servicePrincipals/${seg(spId)}/credentials/secrets`, lifetimeSeconds, opts);
  }

  async deleteWorkspaceSpSecret(spId: string, secretId: string, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/api/2.0/accounts/servicePrincipals/${seg(spId)}/credentials/secrets/${seg(secretId)}`, schema: S.Empty }, opts);
  }

  // ---------------------------------------------------------------- network

  async listIpAccessLists(opts: CallOptions = {}): Promise<IpAccessList[]> {
    const r = await this.transport.request({ method: 'GET', path: '/api/2.0/ip-access-lists', schema: S.IpAccessLists }, opts);
    return r.ip_access_lists as IpAccessList[];
  }

  async createIpAccessList(list: { label: string; list_type: 'ALLOW' | 'BLOCK'; ip_addresses: string[] }, opts: CallOptions = {}): Promise<IpAccessList> {
    const r = await this.transport.request({ method: 'POST', path: '/api/2.0/ip-access-lists', body: list, schema: S.IpAccessListCreated }, opts);
    return r.ip_access_list as IpAccessList;
  }

  async replaceIpAccessList(id: string, list: { label: string; list_type: 'ALLOW' | 'BLOCK'; ip_addresses: string[]; enabled: boolean }, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'PUT', path: `/api/2.0/ip-access-lists/${seg(id)}`, body: list, schema: S.Empty }, opts);
  }

  async deleteIpAccessList(id: string, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `/api/2.0/ip-access-lists/${seg(id)}`, schema: S.Empty }, opts);
  }

  getWorkspaceConf(keys: string[], opts: CallOptions = {}): Promise<Record<string, string | null>> {
    return this.transport.request({ method: 'GET', path: '/api/2.0/workspace-conf', query: { keys: keys.join(',') }, schema: S.WorkspaceConf }, opts);
  }

  async setWorkspaceConf(values: Record<string, string>, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'PATCH', path: '/api/2.0/workspace-conf', body: values, schema: S.Empty }, opts);
  }

  // ---------------------------------------------------------------- SQL

  async listWarehouses(opts: CallOptions = {}): Promise<Warehouse[]> {
    const r = await this.transport.request({ method: 'GET', path: '/api/2.0/sql/warehouses', schema: S.Warehouses }, opts);
    return r.warehouses;
  }

  executeStatement(req: StatementRequest, opts: CallOptions = {}): Promise<StatementResponse> {
    return this.transport.request(
      { method: 'POST', path: '/api/2.0/sql/statements', body: { format: 'JSON_ARRAY', disposition: 'INLINE', ...req }, schema: S.StatementResponse },
      opts,
    ) as Promise<StatementResponse>;
  }

  getStatement(id: string, opts: CallOptions = {}): Promise<StatementResponse> {
    return this.transport.request({ method: 'GET', path: `/api/2.0/sql/statements/${seg(id)}`, schema: S.StatementResponse }, opts) as Promise<StatementResponse>;
  }

  async cancelStatement(id: string, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'POST', path: `/api/2.0/sql/statements/${seg(id)}/cancel`, schema: S.Empty, idempotent: true }, opts);
  }

  getStatementChunk(id: string, chunk: number, opts: CallOptions = {}): Promise<NonNullable<StatementResponse['result']>> {
    return this.transport.request({ method: 'GET', path: `/api/2.0/sql/statements/${seg(id)}/result/chunks/${chunk}`, schema: S.StatementResult }, opts);
  }
}

// ---------------------------------------------------------------- helpers shared with AccountClient

/** One path segment; job ids go in as strings too. */
export function seg(id: string | number): string {
  return encodeURIComponent(String(id));
}

export function permissionsPath(type: PermissionObjectType, id: string): string {
  return `/api/2.0/permissions/${type}/${seg(id)}`;
}

function loopError(path: string, host: string): DatabricksError {
  return new DatabricksError({ kind: 'bad-response', message: `GET ${path} returned the same page token twice; stopped paging to avoid a loop.`, host, path, method: 'GET' });
}

export async function scimListAll(transport: HttpTransport, path: string, filter: string | undefined, opts: CallOptions): Promise<ServicePrincipal[]> {
  const out: ServicePrincipal[] = [];
  for (let startIndex = 1; ; ) {
    const page = await transport.request({ method: 'GET', path, query: { filter, startIndex, count: SCIM_PAGE }, schema: S.ScimList }, opts);
    out.push(...page.Resources);
    const total = page.totalResults;
    if (!page.Resources.length || total === undefined || out.length >= total) return out;
    startIndex += page.Resources.length;
  }
}

export async function listSecretsAll(transport: HttpTransport, path: string, opts: CallOptions): Promise<OAuthSecretInfo[]> {
  const out: OAuthSecretInfo[] = [];
  const seen = new Set<string>();
  let pageToken: string | undefined;
  do {
    const page = await transport.request({ method: 'GET', path, query: { page_token: pageToken }, schema: S.OAuthSecretList }, opts);
    out.push(...page.secrets);
    pageToken = page.next_page_token || undefined;
    if (pageToken && seen.has(pageToken)) break;
    if (pageToken) seen.add(pageToken);
  } while (pageToken);
  return out;
}

/** Never retried except on a rate limit: a second secret would be created and the first one lost. */
export function createSecret(transport: HttpTransport, path: string, lifetimeSeconds: number | undefined, opts: CallOptions): Promise<CreatedOAuthSecret> {
  const body = lifetimeSeconds === undefined ? {} : { lifetime: `${Math.round(lifetimeSeconds)}s` };
  return transport.request({ method: 'POST', path, body, schema: S.CreatedOAuthSecret, idempotent: false }, opts);
}

