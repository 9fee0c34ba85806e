/** Secret scope ACLs: per principal, no read-modify-write; 404 for a missing scope or entry. */
import { type Route, type RouteContext, route } from '../context';
import { invalidParameter, notFound, permissionDenied } from '../errors';
import type { FakeSecretScope } from '../types';

const PERMISSIONS = ['READ', 'WRITE', 'MANAGE'] as const;
type SecretPermission = (typeof PERMISSIONS)[number];

/** the scope, once the caller is known to hold MANAGE on it (or is an admin) */
function managedScope(ctx: RouteContext, name: unknown): FakeSecretScope {
  if (typeof name !== 'string' || name === '') throw invalidParameter('scope must be a non-empty string');
  const scope = ctx.state.secretScopes.get(name);
  if (!scope) throw notFound(`Scope ${name} does not exist!`);
  const c = ctx.caller;
  if (!c.isAdmin) {
    const mine = scope.acls.some((a) => a.permission === 'MANAGE' && (a.principal === c.name || c.groups.includes(a.principal)));
    if (!mine) throw permissionDenied(`User ${c.name} does not have MANAGE permission on scope ${name}.`);
  }
  return scope;
}

function principalKnown(ctx: RouteContext, principal: string): boolean {
  const s = ctx.state;
  return s.users.has(principal) || s.groups.has(principal) || s.servicePrincipals.has(principal);
}

export function secretsRoutes(): Route[] {
  return [
    route('GET', '/api/2.0/secrets/acls/list', (ctx) => {
      const name = ctx.query.get('scope');
      ctx.audit('secrets.listAcls', name ?? undefined, { scope: name ?? '' });
      const scope = managedScope(ctx, name);
      return { body: scope.acls.length ? { items: scope.acls.map((a) => ({ ...a })) } : {} };
    }),
    route('GET', '/api/2.0/secrets/acls/get', (ctx) => {
      const name = ctx.query.get('scope');
      const principal = ctx.query.get('principal') ?? '';
      ctx.audit('secrets.getAcl', name ?? undefined, { scope: name ?? '', principal });
      const scope = managedScope(ctx, name);
      const acl = scope.acls.find((a) => a.principal === principal);
      if (!acl) throw notFound(`Failed to get secret acl for principal ${principal}.`);
      return { body: { ...acl } };
    }),
    route(
      'POST',
      '/api/2.0/secrets/acls/put',
      (ctx) => {
        const body = ctx.json();
        const principal = typeof body.principal === 'string' ? body.principal : '';
        ctx.audit('secrets.putAcl', String(body.scope), { scope: String(body.scope), principal, permission: String(body.permission) });
        const scope = managedScope(ctx, body.scope);
        if (!PERMISSIONS.includes(body.permission as SecretPermission)) {
          throw invalidParameter(`Invalid permission ${String(body.permission)}: must be one of READ, WRITE, MANAGE.`);
        }
        if (!principal || !principalKnown(ctx, principal)) throw notFound(`Principal ${principal} does not exist.`);
        const existing = scope.acls.find((a) => a.principal === principal);
        if (existing) existing.permission = body.permission as SecretPermission;
        else scope.acls.push({ principal, permission: body.permission as SecretPermission });
        return { body: {} };
      },
      { rate: 'write' },
    ),
    route(
      'POST',
      '/api/2.0/secrets/acls/delete',
      (ctx) => {
        const body = ctx.json();
        const principal = typeof body.principal === 'string' ? body.principal : '';
        ctx.audit('secrets.deleteAcl', String(body.scope), { scope: String(body.scope), principal });
        const scope = managedScope(ctx, body.scope);
        const i = scope.acls.findIndex((a) => a.principal === principal);
        if (i < 0) throw notFound(`Failed to delete secret acl for principal ${principal}: no such acl.`);
        scope.acls.splice(i, 1);
        return { body: {} };
      },
      { rate: 'write' },
    ),
  ];
}
