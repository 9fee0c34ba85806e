/**
 * Account API on the same server (`/api/2.0/accounts/{account_id}/...`, account-admin tokens):
 * SCIM service principals, their OAuth secrets, workspace assignment. Plus the workspace-level
 * proxy of the secrets API (`/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets`),
 * which takes a workspace admin token and needs the SP in the workspace.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { type Reply, type Route, type RouteContext, route } from '../context';
import { FakeHttpError, invalidParameter, notFound, permissionDenied } from '../errors';
import type { FakeServicePrincipal } from '../types';
import { scimFilter, scimList, spResource } from './identity';

const MAX_SECRETS = 5;
const DEFAULT_LIFETIME_SECONDS = 730 * 24 * 3600;
const account = { auth: 'account' as const, rate: undefined };

function scimNotFound(id: string): FakeHttpError {
  return new FakeHttpError(404, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail: `User ${id} does not exist.`, status: '404' });
}

function spById(ctx: RouteContext, workspaceProxy: boolean): FakeServicePrincipal {
  const sp = ctx.state.spByScimId(ctx.params.id);
  if (!sp || (workspaceProxy && sp.inWorkspace === false)) {
    if (workspaceProxy) throw notFound(`Service principal ${ctx.params.id} does not exist in this workspace.`);
    throw scimNotFound(ctx.params.id);
  }
  return sp;
}

function secretInfo(s: NonNullable<FakeServicePrincipal['secrets']>[number]): Record<string, unknown> {
  return {
    id: s.id,
    secret_hash: createHash('sha256').update(s.secret).digest('hex').slice(0, 16),
    status: 'ACTIVE',
    create_time: s.createTime,
    update_time: s.createTime,
    ...(s.expireTime ? { expire_time: s.expireTime } : {}),
  };
}

function secretHandlers(workspaceProxy: boolean): { list: (c: RouteContext) => Reply; create: (c: RouteContext) => Reply; remove: (c: RouteContext) => Reply } {
  const gate = (ctx: RouteContext): FakeServicePrincipal => {
    if (workspaceProxy && !ctx.caller.isAdmin) throw permissionDenied('Only workspace admins can manage service principal secrets.');
    return spById(ctx, workspaceProxy);
  };
  return {
    list: (ctx) => {
      const sp = gate(ctx);
      ctx.audit('accounts.listServicePrincipalSecrets', sp.id);
      const secrets = (sp.secrets ?? []).map(secretInfo);
      return { body: secrets.length ? { secrets } : {} };
    },
    create: (ctx) => {
      const sp = gate(ctx);
      const body = ctx.json();
      let lifetime = DEFAULT_LIFETIME_SECONDS;
      if (body.lifetime !== undefined) {
        const m = /^(\d+(?:\.\d+)?)s$/.exec(String(body.lifetime));
        if (!m || Number(m[1]) <= 0) throw invalidParameter(`Invalid lifetime: ${String(body.lifetime)}; expected e.g. "3600s".`);
        lifetime = Number(m[1]);
      }
      const secrets = (sp.secrets ??= []);
      if (secrets.length >= MAX_SECRETS) {
        throw invalidParameter(`Service principal ${sp.id} already has ${MAX_SECRETS} secrets, the maximum. Delete one before creating another.`);
      }
      ctx.audit('accounts.createServicePrincipalSecret', sp.id, { service_principal_id: sp.id });
      const now = Date.now();
      const created = {
        id: randomUUID(),
        secret: `fake-sp-secret-${randomBytes(18).toString('hex')}`,
        createTime: new Date(now).toISOString(),
        expireTime: new Date(now + lifetime * 1000).toISOString(),
      };
      secrets.push(created);
      return { body: { ...secretInfo(created), secret: created.secret } };
    },
    remove: (ctx) => {
      const sp = gate(ctx);
      const i = (sp.secrets ?? []).findIndex((s) => s.id === ctx.params.secret_id);
      if (i < 0) throw notFound(`Secret ${ctx.params.secret_id} does not exist.`);
      ctx.audit('accounts.deleteServicePrincipalSecret', sp.id, { service_principal_id: sp.id, secret_id: ctx.params.secret_id });
      sp.secrets?.splice(i, 1);
      return { body: {} };
    },
  };
}

/** `active` from a SCIM PatchOp: `{op:'replace', path:'active', value}` or `{op:'replace', value:{active}}` */
function patchActive(body: Record<string, unknown>): boolean | undefined {
  const ops = Array.isArray(body.Operations) ? (body.Operations as Record<string, unknown>[]) : [];
  let active: boolean | undefined;
  for (const op of ops) {
    if (String(op.op).toLowerCase() !== 'replace' && String(op.op).toLowerCase() !== 'add') continue;
    const toBool = (v: unknown): boolean | undefined => (typeof v === 'boolean' ? v : v === 'true' ? true : v === 'false' ? false : undefined);
    if (op.path === 'active') active = toBool(op.value) ?? active;
    else if (op.value && typeof op.value === 'object' && 'active' in op.value) active = toBool((op.value as { active: unknown }).active) ?? active;
  }
  return active;
}

export function accountRoutes(): Route[] {
  const acct = '/api/2.0/accounts/{account_id}';
  const accountSecrets = secretHandlers(false);
  const proxySecrets = secretHandlers(true);
  return [
    route('GET', `${acct}/scim/v2/ServicePrincipals`, (ctx) => {
      const keep = scimFilter(ctx.query.get('filter'));
      return scimList([...ctx.state.servicePrincipals.values()].filter(keep).map((sp) => spResource(sp, ctx.state)), ctx);
    }, account),
    route('POST', `${acct}/scim/v2/ServicePrincipals`, (ctx) => {
      const body = ctx.json();
      if (typeof body.displayName !== 'string' || body.displayName.trim() === '') throw invalidParameter('displayName is required');
      const sp = ctx.state.newServicePrincipal(body.displayName, body.active !== false);
      ctx.audit('accounts.createServicePrincipal', sp.id);
      return { status: 201, body: spResource(sp, ctx.state) };
    }, account),
    route('GET', `${acct}/scim/v2/ServicePrincipals/{id}`, (ctx) => ({ body: spResource(spById(ctx, false), ctx.state) }), account),
    route('PATCH', `${acct}/scim/v2/ServicePrincipals/{id}`, (ctx) => {
      const sp = spById(ctx, false);
      const active = patchActive(ctx.json());
      if (active === undefined) throw new FakeHttpError(400, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail: 'Unsupported patch operation', status: '400', scimType: 'invalidSyntax' });
      sp.active = active;
      ctx.audit('accounts.updateServicePrincipal', sp.id, { active: String(active) });
      return { status: 204 };
    }, account),
    route('DELETE', `${acct}/scim/v2/ServicePrincipals/{id}`, (ctx) => {
      const sp = spById(ctx, false);
      ctx.state.servicePrincipals.delete(sp.applicationId);
      ctx.audit('accounts.deleteServicePrincipal', sp.id);
      return { status: 204 };
    }, account),
    route('GET', `${acct}/servicePrincipals/{id}/credentials/secrets`, accountSecrets.list, account),
    route('POST', `${acct}/servicePrincipals/{id}/credentials/secrets`, accountSecrets.create, account),
    route('DELETE', `${acct}/servicePrincipals/{id}/credentials/secrets/{secret_id}`, accountSecrets.remove, account),
    route('PUT', `${acct}/workspaces/{workspace_id}/permissionassignments/principals/{id}`, (ctx) => {
      if (ctx.params.workspace_id !== ctx.state.workspaceId) throw notFound(`Workspace ${ctx.params.workspace_id} does not exist.`);
      const sp = spById(ctx, false);
      const perms = ctx.json().permissions;
      if (!Array.isArray(perms) || perms.some((p) => p !== 'USER' && p !== 'ADMIN')) throw invalidParameter('permissions must be a list of USER or ADMIN');
      sp.inWorkspace = true;
      if (perms.includes('ADMIN') && !(sp.groups ?? []).includes('admins')) sp.groups = [...(sp.groups ?? []), 'admins'];
      ctx.audit('accounts.updatePermissionAssignment', sp.id);
      return { body: { permissions: perms, principal: { principal_id: Number(sp.id), service_principal_name: sp.applicationId, display_name: sp.displayName } } };
    }, account),
    route('DELETE', `${acct}/workspaces/{workspace_id}/permissionassignments/principals/{id}`, (ctx) => {
      if (ctx.params.workspace_id !== ctx.state.workspaceId) throw notFound(`Workspace ${ctx.params.workspace_id} does not exist.`);
      const sp = spById(ctx, false);
      sp.inWorkspace = false;
      ctx.audit('accounts.deletePermissionAssignment', sp.id);
      return { body: {} };
    }, account),
    // Workspace-host proxy: workspace token, workspace admin, SP must be in the workspace.
    route('GET', '/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets', proxySecrets.list),
    route('POST', '/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets', proxySecrets.create),
    route('DELETE', '/api/2.0/accounts/servicePrincipals/{id}/credentials/secrets/{secret_id}', proxySecrets.remove),
  ];
}
