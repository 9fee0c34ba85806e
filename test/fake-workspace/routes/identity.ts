/** OAuth (discovery, client-credentials tokens), SCIM Me / ServicePrincipals, workspace/list. */
import { type Reply, type Route, type RouteContext, route } from '../context';
import { FakeHttpError, invalidClient, notFound } from '../errors';
import type { Caller, WorkspaceState } from '../state';
import type { FakeServicePrincipal } from '../types';

const SCIM_SP_SCHEMA = 'urn:ietf:params:scim:schemas:core:2.0:ServicePrincipal';
const SCIM_LIST_SCHEMA = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';

export function spResource(sp: FakeServicePrincipal, state: WorkspaceState): Record<string, unknown> {
  return {
    schemas: [SCIM_SP_SCHEMA],
    id: sp.id,
    applicationId: sp.applicationId,
    displayName: sp.displayName,
    active: sp.active !== false,
    groups: (sp.groups ?? []).map((g) => groupRef(g, state)),
  };
}

function groupRef(name: string, state: WorkspaceState): { display: string; value: string; $ref: string } {
  // Stable numeric-looking ids derived from the group's position.
  const value = String(500 + [...state.groups].indexOf(name));
  return { display: name, value, $ref: `Groups/${value}` };
}

/** SCIM filter subset: `attr eq "value"` joined with `and`; attrs applicationId, displayName, id. */
export function scimFilter(filter: string | null): (sp: FakeServicePrincipal) => boolean {
  if (!filter) return () => true;
  const clauses = filter.split(/\s+and\s+/i).map((c) => {
    const m = /^\s*(\w+)\s+(eq|co|sw)\s+"([^"]*)"\s*$/i.exec(c);
    if (!m) throw new FakeHttpError(400, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail: `Invalid filter '${filter}'`, status: '400', scimType: 'invalidFilter' });
    return { attr: m[1], op: m[2].toLowerCase(), value: m[3] };
  });
  return (sp) =>
    clauses.every(({ attr, op, value }) => {
      const field = attr === 'applicationId' ? sp.applicationId : attr === 'displayName' ? sp.displayName : attr === 'id' ? sp.id : undefined;
      if (field === undefined) return false;
      // SCIM string comparison is case-insensitive.
      const a = field.toLowerCase();
      const b = value.toLowerCase();
      return op === 'eq' ? a === b : op === 'co' ? a.includes(b) : a.startsWith(b);
    });
}

export function scimList(resources: Record<string, unknown>[], ctx: RouteContext): Reply {
  const start = Math.max(1, Number(ctx.query.get('startIndex') ?? '1') || 1);
  const count = ctx.query.has('count') ? Math.max(0, Number(ctx.query.get('count')) || 0) : resources.length;
  const page = resources.slice(start - 1, start - 1 + count);
  return { body: { schemas: [SCIM_LIST_SCHEMA], totalResults: resources.length, startIndex: start, itemsPerPage: page.length, Resources: page } };
}

function me(ctx: RouteContext): Reply {
  const c: Caller = ctx.caller;
  ctx.audit('accounts.tokenLogin');
  const groups = c.groups.filter((g) => g !== 'users').map((g) => groupRef(g, ctx.state));
  if (c.sp) return { body: { ...spResource(c.sp, ctx.state), userName: c.sp.applicationId } };
  return {
    body: {
      schemas: ['urn:ietf:params:scim:schemas:core:2.0:User'],
      id: c.id,
      userName: c.name,
      displayName: c.displayName,
      active: true,
      emails: [{ value: c.name, type: 'work', primary: true }],
      groups,
      entitlements: c.isAdmin ? [{ value: 'allow-cluster-create' }] : [],
    },
  };
}

/** Basic client_id:secret from the header (or the form body, which Databricks also accepts). */
function clientCredentials(ctx: RouteContext): { clientId: string; secret: string } | undefined {
  const h = ctx.headers.authorization;
  const m = h ? /^Basic\s+(\S+)$/i.exec(h) : null;
  if (m) {
    const decoded = Buffer.from(m[1], 'base64').toString('utf8');
    const i = decoded.indexOf(':');
    if (i < 0) return undefined;
    return { clientId: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
  }
  const form = new URLSearchParams(ctx.rawBody);
  const clientId = form.get('client_id');
  const secret = form.get('client_secret');
  return clientId && secret ? { clientId, secret } : undefined;
}

function tokenReply(ctx: RouteContext, token: string, scope: string): Reply {
  const lifetime = ctx.fake.options.tokenLifetimeSeconds;
  return {
    body: {
      access_token: token,
      token_type: 'Bearer',
      expires_in: ctx.fake.options.expiresInAsString ? String(lifetime) : lifetime,
      scope,
    },
  };
}

function checkGrant(ctx: RouteContext): string {
  const form = new URLSearchParams(ctx.rawBody);
  if (form.get('grant_type') !== 'client_credentials') {
    throw new FakeHttpError(400, { error: 'unsupported_grant_type', error_description: 'Only client_credentials is supported' });
  }
  return form.get('scope') ?? 'all-apis';
}

function workspaceToken(ctx: RouteContext): Reply {
  const creds = clientCredentials(ctx);
  if (!creds) throw invalidClient();
  const scope = checkGrant(ctx);
  const sp = ctx.state.servicePrincipals.get(creds.clientId);
  const now = Date.now();
  const valid = sp?.secrets?.some((s) => s.secret === creds.secret && (!s.expireTime || Date.parse(s.expireTime) > now));
  if (!sp || sp.active === false || !valid) throw invalidClient();
  // A token is issued even when the SP is not in this workspace: workspace APIs then refuse it.
  return tokenReply(ctx, ctx.state.issueOAuthToken(sp.applicationId, ctx.fake.options.tokenLifetimeSeconds, 'oauth'), scope);
}

function accountToken(ctx: RouteContext): Reply {
  const creds = clientCredentials(ctx);
  if (!creds) throw invalidClient();
  const scope = checkGrant(ctx);
  if (ctx.params.account_id !== ctx.state.accountId || ctx.state.accountAdmins.get(creds.clientId) !== creds.secret) throw invalidClient();
  return tokenReply(ctx, ctx.state.issueOAuthToken(creds.clientId, ctx.fake.options.tokenLifetimeSeconds, 'account'), scope);
}

function discovery(ctx: RouteContext, prefix: string): Reply {
  const host = `http://${ctx.headers.host ?? '127.0.0.1'}`;
  return {
    body: {
      issuer: `${host}${prefix}`,
      authorization_endpoint: `${host}${prefix}/v1/authorize`,
      token_endpoint: `${host}${prefix}/v1/token`,
      grant_types_supported: ['client_credentials', 'authorization_code', 'refresh_token'],
      token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
    },
  };
}

const ROOT_OBJECTS = ['/Users', '/Shared', '/Repos'];

function workspaceList(ctx: RouteContext): Reply {
  const path = ctx.query.get('path') ?? '/';
  ctx.audit('workspace.list', path);
  if (path === '/') {
    return { body: { objects: ROOT_OBJECTS.map((p, i) => ({ path: p, object_type: 'DIRECTORY', object_id: 100 + i })) } };
  }
  if (path === '/Users') {
    return { body: { objects: [...ctx.state.users.keys()].map((u, i) => ({ path: `/Users/${u}`, object_type: 'DIRECTORY', object_id: 200 + i })) } };
  }
  if (ROOT_OBJECTS.includes(path) || path.startsWith('/Users/')) return { body: {} };
  throw notFound(`Path (${path}) doesn't exist.`);
}

export function identityRoutes(): Route[] {
  const none = { auth: 'none' as const, rate: undefined };
  return [
    route('GET', '/oidc/.well-known/oauth-authorization-server', (ctx) => discovery(ctx, '/oidc'), none),
    route('GET', '/oidc/accounts/{account_id}/.well-known/oauth-authorization-server', (ctx) => discovery(ctx, `/oidc/accounts/${ctx.params.account_id}`), none),
    route('POST', '/oidc/v1/token', workspaceToken, none),
    route('POST', '/oidc/accounts/{account_id}/v1/token', accountToken, none),
    route('GET', '/api/2.0/preview/scim/v2/Me', me),
    route('GET', '/api/2.0/preview/scim/v2/ServicePrincipals', (ctx) => {
      const keep = scimFilter(ctx.query.get('filter'));
      const sps = [...ctx.state.servicePrincipals.values()].filter((sp) => sp.inWorkspace !== false && keep(sp));
      return scimList(sps.map((sp) => spResource(sp, ctx.state)), ctx);
    }),
    route('GET', '/api/2.0/preview/scim/v2/ServicePrincipals/{id}', (ctx) => {
      const sp = ctx.state.spByScimId(ctx.params.id);
      if (!sp || sp.inWorkspace === false) {
        throw new FakeHttpError(404, { schemas: ['urn:ietf:params:scim:api:messages:2.0:Error'], detail: `Resource ${ctx.params.id} not found.`, status: '404' });
      }
      return { body: spResource(sp, ctx.state) };
    }),
    route('GET', '/api/2.0/workspace/list', workspaceList),
  ];
}
