/**
 * IP access lists and workspace-conf. The self-lockout check uses the address of the caller
 * making the change (see FakeState.callerIps), as the real workspace does.
 */
import { randomUUID } from 'node:crypto';
import { type Reply, type Route, type RouteContext, route } from '../context';
import { apiError, invalidParameter, invalidState, notFound, permissionDenied } from '../errors';
import { isValidIpOrCidr } from '../state';
import type { FakeIpList } from '../types';

const MAX_ADDRESSES = 1000;
/** the keys this fake knows; any other key is refused like an unknown one */
const KNOWN_CONF_KEYS = ['enableIpAccessLists', 'enableTokensConfig', 'maxTokenLifetimeDays', 'enableDeprecatedGlobalInitScripts'];

function requireAdmin(ctx: RouteContext): void {
  if (!ctx.caller.isAdmin) throw permissionDenied('Only workspace admins can manage IP access lists and workspace settings.');
}

function render(l: FakeIpList): Record<string, unknown> {
  return { ...l, ip_addresses: [...l.ip_addresses], address_count: l.ip_addresses.length, created_by: 1, updated_by: 1 };
}

function validate(body: Record<string, unknown>, needEnabled: boolean): { label: string; list_type: 'ALLOW' | 'BLOCK'; ip_addresses: string[]; enabled?: boolean } {
  const { label, list_type, ip_addresses, enabled } = body;
  if (typeof label !== 'string' || label.trim() === '') throw invalidParameter('label must be a non-empty string');
  if (list_type !== 'ALLOW' && list_type !== 'BLOCK') throw invalidParameter(`Invalid list_type: ${String(list_type)}`);
  if (!Array.isArray(ip_addresses) || ip_addresses.some((a) => typeof a !== 'string' || !isValidIpOrCidr(a))) {
    throw invalidParameter(`Invalid IP addresses: ${JSON.stringify(ip_addresses)}`);
  }
  if (needEnabled && typeof enabled !== 'boolean') throw invalidParameter('enabled is required');
  return { label, list_type, ip_addresses: ip_addresses as string[], enabled: typeof enabled === 'boolean' ? enabled : undefined };
}

/** Refuses a change that would exceed the quota or lock the caller out. */
function checkCandidate(ctx: RouteContext, lists: FakeIpList[]): void {
  const total = lists.reduce((n, l) => n + l.ip_addresses.length, 0);
  if (total > MAX_ADDRESSES) {
    throw apiError(400, 'QUOTA_EXCEEDED', `IP access list quota exceeded: ${total} addresses requested, at most ${MAX_ADDRESSES} allowed.`);
  }
  if (ctx.state.ipListsEnabled() && ctx.state.isBlocked(ctx.sourceIp, lists)) {
    throw invalidState(`Your current IP ${ctx.sourceIp} will not be allowed to access the workspace under current configuration.`);
  }
}

function listById(ctx: RouteContext): FakeIpList {
  const l = ctx.state.ipAccessLists.get(ctx.params.id);
  if (!l) throw notFound(`IP access list ${ctx.params.id} does not exist.`);
  return l;
}

function update(mode: 'PUT' | 'PATCH') {
  return (ctx: RouteContext): Reply => {
    requireAdmin(ctx);
    const current = listById(ctx);
    const body = ctx.json();
    ctx.audit(mode === 'PUT' ? 'ipAccessLists.replace' : 'ipAccessLists.update', current.list_id);
    const merged = mode === 'PUT' ? validate(body, true) : validate({ ...current, ...body }, false);
    const next: FakeIpList = { ...current, ...merged, enabled: merged.enabled ?? current.enabled, updated_at: Date.now() };
    const others = [...ctx.state.ipAccessLists.values()].filter((l) => l.list_id !== current.list_id);
    checkCandidate(ctx, [...others, next]);
    ctx.state.ipAccessLists.set(next.list_id, next);
    return { body: mode === 'PATCH' ? { ip_access_list: render(next) } : {} };
  };
}

export function networkRoutes(): Route[] {
  return [
    route('GET', '/api/2.0/ip-access-lists', (ctx) => {
      requireAdmin(ctx);
      return { body: { ip_access_lists: [...ctx.state.ipAccessLists.values()].map(render) } };
    }),
    route('POST', '/api/2.0/ip-access-lists', (ctx) => {
      requireAdmin(ctx);
      const v = validate(ctx.json(), false);
      const now = Date.now();
      const list: FakeIpList = { list_id: randomUUID(), label: v.label, list_type: v.list_type, ip_addresses: v.ip_addresses, enabled: true, created_at: now, updated_at: now };
      ctx.audit('ipAccessLists.create', list.list_id);
      checkCandidate(ctx, [...ctx.state.ipAccessLists.values(), list]);
      ctx.state.ipAccessLists.set(list.list_id, list);
      return { body: { ip_access_list: render(list) } };
    }),
    route('GET', '/api/2.0/ip-access-lists/{id}', (ctx) => {
      requireAdmin(ctx);
      return { body: { ip_access_list: render(listById(ctx)) } };
    }),
    route('PUT', '/api/2.0/ip-access-lists/{id}', update('PUT')),
    route('PATCH', '/api/2.0/ip-access-lists/{id}', update('PATCH')),
    route('DELETE', '/api/2.0/ip-access-lists/{id}', (ctx) => {
      requireAdmin(ctx);
      const l = listById(ctx);
      ctx.audit('ipAccessLists.delete', l.list_id);
      checkCandidate(ctx, [...ctx.state.ipAccessLists.values()].filter((x) => x.list_id !== l.list_id));
      ctx.state.ipAccessLists.delete(l.list_id);
      return { body: {} };
    }),
    route('GET', '/api/2.0/workspace-conf', (ctx) => {
      const keys = (ctx.query.get('keys') ?? '').split(',').map((k) => k.trim()).filter(Boolean);
      const unknown = keys.filter((k) => !KNOWN_CONF_KEYS.includes(k));
      if (unknown.length) throw invalidParameter(`Invalid keys: ${JSON.stringify(unknown)}`);
      return { body: Object.fromEntries(keys.map((k) => [k, ctx.state.workspaceConf.get(k) ?? null])) };
    }),
    route('PATCH', '/api/2.0/workspace-conf', (ctx) => {
      requireAdmin(ctx);
      const body = ctx.json();
      const unknown = Object.keys(body).filter((k) => !KNOWN_CONF_KEYS.includes(k));
      if (unknown.length) throw invalidParameter(`Invalid keys: ${JSON.stringify(unknown)}`);
      for (const [k, v] of Object.entries(body)) {
        if (typeof v !== 'string') throw invalidParameter(`Value for ${k} must be a string`);
      }
      ctx.audit('workspace.workspaceConfEdit', undefined, Object.fromEntries(Object.entries(body).map(([k, v]) => [k, String(v)])));
      if (body.enableIpAccessLists === 'true' && !ctx.state.ipListsEnabled() && ctx.state.isBlocked(ctx.sourceIp)) {
        throw invalidState(`Your current IP ${ctx.sourceIp} will not be allowed to access the workspace under current configuration.`);
      }
      for (const [k, v] of Object.entries(body)) ctx.state.workspaceConf.set(k, String(v));
      return { status: 204 };
    }),
  ];
}
