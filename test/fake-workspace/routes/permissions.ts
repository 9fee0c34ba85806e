/**
 * Object permissions (jobs, clusters, instance pools, cluster policies, SQL warehouses):
 * GET with the synthesised inherited admins entry, PUT replaces direct entries, PATCH merges.
 */
import { type Reply, type Route, type RouteContext, route } from '../context';
import { invalidParameter, invalidState, notFound, permissionDenied } from '../errors';
import type { WorkspaceState } from '../state';
import type { FakeAclEntry } from '../types';

interface TypeSpec {
  segment: string;
  objectType: string;
  /** prefix of object_id and the inherited_from_object root */
  root: string;
  noun: string;
  levels: string[];
  /** what the inherited admins entry holds */
  adminLevel: string;
  service: string;
  /** audit action for PATCH and PUT */
  changeAction: string;
  resetAction: string;
  idParam: string;
  find(state: WorkspaceState, id: string): { acl: FakeAclEntry[]; inaccessible?: boolean } | undefined;
}

const LEVEL_DESCRIPTIONS: Record<string, string> = {
  CAN_VIEW: 'Can view the object',
  CAN_MANAGE_RUN: 'Can view and run the object',
  CAN_MANAGE: 'Can manage the object',
  IS_OWNER: 'Is the owner of the object',
  CAN_ATTACH_TO: 'Can attach to the object',
  CAN_RESTART: 'Can restart the object',
  CAN_USE: 'Can use the object',
  CAN_MONITOR: 'Can monitor the object',
};

const RANK: Record<string, number> = { CAN_VIEW: 1, CAN_USE: 1, CAN_ATTACH_TO: 1, CAN_MONITOR: 2, CAN_MANAGE_RUN: 2, CAN_RESTART: 2, CAN_MANAGE: 3, IS_OWNER: 4 };

export const TYPE_SPECS: TypeSpec[] = [
  {
    segment: 'jobs',
    objectType: 'job',
    root: '/jobs/',
    noun: 'job',
    levels: ['CAN_VIEW', 'CAN_MANAGE_RUN', 'IS_OWNER', 'CAN_MANAGE'],
    adminLevel: 'CAN_MANAGE',
    service: 'jobs',
    changeAction: 'jobs.changeJobAcl',
    resetAction: 'jobs.resetJobAcl',
    idParam: 'job_id',
    find: (s, id) => (/^\d+$/.test(id) ? s.jobs.get(Number(id)) : undefined),
  },
  {
    segment: 'clusters',
    objectType: 'cluster',
    root: '/clusters/',
    noun: 'cluster',
    levels: ['CAN_ATTACH_TO', 'CAN_RESTART', 'CAN_MANAGE'],
    adminLevel: 'CAN_MANAGE',
    service: 'clusters',
    changeAction: 'clusters.changeClusterAcl',
    resetAction: 'clusters.changeClusterAcl',
    idParam: 'cluster_id',
    find: (s, id) => s.clusters.get(id),
  },
  {
    segment: 'instance-pools',
    objectType: 'instance-pool',
    root: '/instance-pools/',
    noun: 'instance pool',
    levels: ['CAN_ATTACH_TO', 'CAN_MANAGE'],
    adminLevel: 'CAN_MANAGE',
    service: 'instancePools',
    changeAction: 'instancePools.changeInstancePoolAcl',
    resetAction: 'instancePools.changeInstancePoolAcl',
    idParam: 'instance_pool_id',
    find: (s, id) => s.instancePools.get(id),
  },
  {
    segment: 'cluster-policies',
    objectType: 'cluster-policy',
    root: '/cluster-policies/',
    noun: 'cluster policy',
    levels: ['CAN_USE'],
    adminLevel: 'CAN_USE',
    service: 'clusterPolicies',
    changeAction: 'clusterPolicies.changeClusterPolicyAcl',
    resetAction: 'clusterPolicies.changeClusterPolicyAcl',
    idParam: 'policy_id',
    find: (s, id) => s.clusterPolicies.get(id),
  },
  {
    segment: 'warehouses',
    objectType: 'warehouses',
    root: '/sql/warehouses/',
    noun: 'warehouse',
    levels: ['CAN_USE', 'CAN_MONITOR', 'CAN_MANAGE', 'IS_OWNER'],
    adminLevel: 'CAN_MANAGE',
    service: 'databrickssql',
    changeAction: 'databrickssql.changeWarehouseAcls',
    resetAction: 'databrickssql.changeWarehouseAcls',
    idParam: 'warehouse_id',
    find: (s, id) => s.warehouses.get(id),
  },
];

/** 'job', 'jobs', 'sql/warehouses', 'warehouse', ... → the path segment used as hook key */
export function normaliseObjectType(type: string): string {
  const t = type.replace(/^\/+|\/+$/g, '').replace(/^sql\//, '');
  const spec = TYPE_SPECS.find((s) => s.segment === t || s.objectType === t || s.segment === `${t}s` || s.segment.replace(/ies$/, 'y') === t);
  return spec?.segment ?? t;
}

function principalKey(e: FakeAclEntry): string {
  if (e.user_name !== undefined) return `u:${e.user_name}`;
  if (e.group_name !== undefined) return `g:${e.group_name}`;
  return `s:${e.service_principal_name ?? ''}`;
}

function principalLabel(e: FakeAclEntry): string {
  if (e.user_name !== undefined) return `UserName(${e.user_name})`;
  if (e.group_name !== undefined) return `GroupName(${e.group_name})`;
  return `ServicePrincipalName(${e.service_principal_name ?? ''})`;
}

export function renderPermissions(spec: TypeSpec, id: string, acl: FakeAclEntry[], state: WorkspaceState): Record<string, unknown> {
  const inherited = { permission_level: spec.adminLevel, inherited: true, inherited_from_object: [spec.root] };
  const entries: Record<string, unknown>[] = [];
  let adminsSeen = false;
  for (const e of acl) {
    const all: Record<string, unknown>[] = [{ permission_level: e.permission_level, inherited: false }];
    let who: Record<string, unknown>;
    if (e.user_name !== undefined) {
      who = { user_name: e.user_name, display_name: state.users.get(e.user_name)?.displayName ?? e.user_name };
    } else if (e.service_principal_name !== undefined) {
      const sp = state.servicePrincipals.get(e.service_principal_name);
      who = { service_principal_name: e.service_principal_name, ...(sp ? { display_name: sp.displayName } : {}) };
    } else {
      who = { group_name: e.group_name };
      if (e.group_name === 'admins') {
        adminsSeen = true;
        all.push(inherited);
      }
    }
    entries.push({ ...who, all_permissions: all });
  }
  if (!adminsSeen) entries.push({ group_name: 'admins', all_permissions: [inherited] });
  return { object_id: `${spec.root}${id}`, object_type: spec.objectType, access_control_list: entries };
}

/** Finds the object and checks the caller may manage its permissions. */
function access(spec: TypeSpec, ctx: RouteContext): { acl: FakeAclEntry[]; inaccessible?: boolean } {
  const id = ctx.params.id;
  const obj = spec.find(ctx.state, id);
  const caller = ctx.caller;
  if (!caller.isAdmin) {
    const level = obj ? ctx.state.levelOn(obj.acl, caller, RANK) : undefined;
    if (level !== 'CAN_MANAGE' && level !== 'IS_OWNER') {
      throw permissionDenied(`${caller.name} does not have Manage permissions on ${spec.noun} ${id}. Please contact the owner or an administrator for access.`);
    }
  }
  if (!obj) {
    if (spec.segment === 'jobs' && !/^\d+$/.test(id)) throw invalidParameter(`Invalid job id: ${id}`);
    throw notFound(`${spec.noun[0].toUpperCase()}${spec.noun.slice(1)} ${id} does not exist.`);
  }
  if (obj.inaccessible) {
    throw invalidState(`Cannot access cluster ${id} that was terminated or unpinned more than 30 days ago.`);
  }
  return obj;
}

/** Validates a request ACL; the last entry per principal wins. */
function parseEntries(spec: TypeSpec, ctx: RouteContext, required: boolean): FakeAclEntry[] {
  const body = ctx.json();
  const raw = body.access_control_list;
  if (raw === undefined || raw === null) {
    // A PUT without a list is an empty list: it wipes every direct entry, as the real API does.
    if (required) return [];
    return [];
  }
  if (!Array.isArray(raw)) throw invalidParameter('access_control_list must be an array');
  const byPrincipal = new Map<string, FakeAclEntry>();
  for (const item of raw as unknown[]) {
    if (!item || typeof item !== 'object') throw invalidParameter('Each access control entry must be an object');
    const e = item as Record<string, unknown>;
    const names = (['user_name', 'group_name', 'service_principal_name'] as const).filter((k) => e[k] !== undefined && e[k] !== null);
    if (names.length !== 1 || typeof e[names[0]] !== 'string' || e[names[0]] === '') {
      throw invalidParameter('Exactly one of user_name, group_name or service_principal_name must be specified in each access control entry.');
    }
    const level = e.permission_level;
    if (typeof level !== 'string' || !spec.levels.includes(level)) {
      throw invalidParameter(`Permission level ${String(level)} is not supported for ${spec.noun}s. Supported levels: ${spec.levels.join(', ')}.`);
    }
    const entry: FakeAclEntry = { [names[0]]: e[names[0]] as string, permission_level: level };
    if (!ctx.state.principalExists(entry)) throw invalidParameter(`Principal: ${principalLabel(entry)} does not exist`);
    if (entry.group_name === 'admins' && (RANK[level] ?? 0) < (RANK[spec.adminLevel] ?? 0)) {
      throw invalidParameter(`The admins group must keep ${spec.adminLevel} on ${spec.noun} ${ctx.params.id}; it cannot be lowered.`);
    }
    if (level === 'IS_OWNER' && entry.group_name !== undefined) {
      throw invalidParameter(`Group ${entry.group_name} cannot be the owner of a ${spec.noun}: only a user or a service principal can own it.`);
    }
    const key = principalKey(entry);
    byPrincipal.delete(key);
    byPrincipal.set(key, entry);
  }
  return [...byPrincipal.values()];
}

function checkOwners(spec: TypeSpec, before: FakeAclEntry[], after: FakeAclEntry[]): void {
  if (!spec.levels.includes('IS_OWNER')) return;
  const owners = after.filter((e) => e.permission_level === 'IS_OWNER').length;
  const wasOwnerless = !before.some((e) => e.permission_level === 'IS_OWNER');
  // Legacy ownerless objects may stay ownerless; otherwise exactly one owner must remain.
  if (owners === 1 || (owners === 0 && wasOwnerless)) return;
  throw invalidParameter(`The ${spec.noun} must have exactly one owner.`);
}

function runReadHooks(ctx: RouteContext, spec: TypeSpec): void {
  const key = `${spec.segment}/${ctx.params.id}`;
  const hooks = ctx.fake.readHooks.get(key);
  if (!hooks?.length) return;
  ctx.fake.readHooks.delete(key);
  for (const h of hooks) h(ctx.state);
}

function handlers(spec: TypeSpec): { get: (c: RouteContext) => Reply; write: (mode: 'PUT' | 'PATCH') => (c: RouteContext) => Reply; levels: (c: RouteContext) => Reply } {
  return {
    get: (ctx) => {
      ctx.audit(`${spec.service}.getPermissions`, ctx.params.id, { [spec.idParam]: ctx.params.id });
      const obj = access(spec, ctx);
      const body = renderPermissions(spec, ctx.params.id, obj.acl, ctx.state);
      // The body is fixed before the hook runs: the client sees the ACL as it was.
      runReadHooks(ctx, spec);
      return { body };
    },
    write: (mode) => (ctx) => {
      const requested = ctx.json().access_control_list;
      ctx.audit(mode === 'PUT' ? spec.resetAction : spec.changeAction, ctx.params.id, {
        [spec.idParam]: ctx.params.id,
        access_control_list: JSON.stringify(requested ?? []),
      });
      const obj = access(spec, ctx);
      const entries = parseEntries(spec, ctx, mode === 'PUT');
      let next: FakeAclEntry[];
      if (mode === 'PUT') {
        next = entries;
      } else {
        const merged = new Map(obj.acl.map((e) => [principalKey(e), e] as const));
        for (const e of entries) merged.set(principalKey(e), e);
        next = [...merged.values()];
      }
      checkOwners(spec, obj.acl, next);
      obj.acl = next.map((e) => ({ ...e }));
      return { body: renderPermissions(spec, ctx.params.id, obj.acl, ctx.state) };
    },
    levels: (ctx) => {
      access(spec, ctx);
      return { body: { permission_levels: spec.levels.map((l) => ({ permission_level: l, description: LEVEL_DESCRIPTIONS[l] })) } };
    },
  };
}

export function permissionsRoutes(): Route[] {
  const routes: Route[] = [];
  for (const spec of TYPE_SPECS) {
    const h = handlers(spec);
    const segments = spec.segment === 'warehouses' ? ['warehouses', 'sql/warehouses'] : [spec.segment];
    for (const seg of segments) {
      const base = `/api/2.0/permissions/${seg}/{id}`;
      routes.push(
        route('GET', `${base}/permissionLevels`, h.levels),
        route('GET', base, h.get),
        route('PUT', base, h.write('PUT'), { rate: 'write' }),
        route('PATCH', base, h.write('PATCH'), { rate: 'write' }),
      );
    }
  }
  return routes;
}
