/**
 * ACL vocabulary shared by planning, apply and drift: who an entry belongs to, which of its
 * levels are direct, how levels order per object type, and the normalised lines we show and diff.
 */
import type { AclEntry, AclRequestEntry, PermissionObjectType, Principal, SecretAcl } from '../databricks/api';
import type { AclLine, ObjectKind } from './model';

/** Ascending order; a level's index is its rank. */
export const LEVEL_ORDER: Readonly<Record<ObjectKind, readonly string[]>> = {
  job: ['CAN_VIEW', 'CAN_MANAGE_RUN', 'CAN_MANAGE', 'IS_OWNER'],
  cluster: ['CAN_ATTACH_TO', 'CAN_RESTART', 'CAN_MANAGE'],
  'instance-pool': ['CAN_ATTACH_TO', 'CAN_MANAGE'],
  'cluster-policy': ['CAN_USE'],
  warehouse: ['CAN_USE', 'CAN_MONITOR', 'CAN_MANAGE', 'IS_OWNER'],
  'secret-scope': ['READ', 'WRITE', 'MANAGE'],
};

const PERMISSION_PATH: Partial<Record<ObjectKind, PermissionObjectType>> = {
  job: 'jobs',
  cluster: 'clusters',
  'instance-pool': 'instance-pools',
  'cluster-policy': 'cluster-policies',
  warehouse: 'warehouses',
};

/** The `/permissions/` path segment, or undefined for secret scopes (which have their own API). */
export function permissionType(kind: ObjectKind): PermissionObjectType | undefined {
  return PERMISSION_PATH[kind];
}

/** -1 for a level unknown to the object type, so any known level outranks it. */
export function levelRank(kind: ObjectKind, level: string | undefined): number {
  return level === undefined ? -1 : LEVEL_ORDER[kind].indexOf(level);
}

export function isAtLeast(kind: ObjectKind, have: string | undefined, target: string): boolean {
  return have !== undefined && levelRank(kind, have) >= levelRank(kind, target);
}

export function higherLevel(kind: ObjectKind, a: string | undefined, b: string | undefined): string | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return levelRank(kind, b) > levelRank(kind, a) ? b : a;
}

export function principalOf(entry: AclEntry | AclRequestEntry): Principal | undefined {
  if (entry.service_principal_name !== undefined) return { kind: 'service_principal_name', name: entry.service_principal_name };
  if (entry.user_name !== undefined) return { kind: 'user_name', name: entry.user_name };
  if (entry.group_name !== undefined) return { kind: 'group_name', name: entry.group_name };
  return undefined;
}

export function principalKey(p: Principal): string {
  return `${p.kind}:${p.name}`;
}

export function isZipherEntry(entry: AclEntry | AclRequestEntry, applicationId: string): boolean {
  return entry.service_principal_name === applicationId;
}

/** The highest direct (non-inherited) level of an entry; Databricks keeps one per principal. */
export function directLevel(kind: ObjectKind, entry: AclEntry): string | undefined {
  let best: string | undefined;
  for (const g of entry.all_permissions) if (!g.inherited) best = higherLevel(kind, best, g.permission_level);
  return best;
}

export function inheritedLevels(entry: AclEntry): string[] {
  return entry.all_permissions.filter((g) => g.inherited).map((g) => g.permission_level);
}

/** Zipher's direct level on an object, if it has one. */
export function zipherDirectLevel(kind: ObjectKind, acl: readonly AclEntry[], applicationId: string): string | undefined {
  let best: string | undefined;
  for (const e of acl) if (isZipherEntry(e, applicationId)) best = higherLevel(kind, best, directLevel(kind, e));
  return best;
}

/** The principal holding a direct IS_OWNER, if any (legacy jobs have none). */
export function ownerOf(acl: readonly AclEntry[]): string | undefined {
  for (const e of acl) {
    if (e.all_permissions.some((g) => !g.inherited && g.permission_level === 'IS_OWNER')) return principalOf(e)?.name;
  }
  return undefined;
}

const LINE_KIND: Record<Principal['kind'], AclLine['principalKind']> = {
  user_name: 'user',
  group_name: 'group',
  service_principal_name: 'service-principal',
};

/** One line per (principal, grant), sorted so that two equal ACLs render identically. */
export function toAclLines(acl: readonly AclEntry[]): AclLine[] {
  const lines: AclLine[] = [];
  for (const e of acl) {
    const p = principalOf(e);
    if (!p) continue;
    for (const g of e.all_permissions) {
      const line: AclLine = { principal: p.name, principalKind: LINE_KIND[p.kind], level: g.permission_level, inherited: g.inherited };
      if (e.display_name !== undefined) line.displayName = e.display_name;
      lines.push(line);
    }
  }
  return sortLines(lines);
}

export function sortLines(lines: AclLine[]): AclLine[] {
  return lines.sort((a, b) => lineKey(a).localeCompare(lineKey(b)));
}

export function lineKey(l: AclLine): string {
  return `${l.principalKind}:${l.principal}|${l.inherited ? 'i' : 'd'}|${l.level}`;
}

/** The entries a PUT must carry to keep everything but what the caller drops: direct levels only
 * (sending inherited entries back would turn them into direct ones). */
export function directRequestEntries(kind: ObjectKind, acl: readonly AclEntry[]): AclRequestEntry[] {
  const out: AclRequestEntry[] = [];
  for (const e of acl) {
    const p = principalOf(e);
    const level = directLevel(kind, e);
    if (!p || level === undefined) continue;
    out.push({ [p.kind]: p.name, permission_level: level });
  }
  return out;
}

/** Equal as sets of (principal, level, inherited); order and display names ignored. */
export function sameAcl(a: readonly AclEntry[], b: readonly AclEntry[]): boolean {
  return sameLines(toAclLines(a), toAclLines(b));
}

export function sameLines(a: readonly AclLine[], b: readonly AclLine[]): boolean {
  const ka = [...new Set(a.map(lineKey))].sort();
  const kb = [...new Set(b.map(lineKey))].sort();
  return ka.length === kb.length && ka.every((k, i) => k === kb[i]);
}

/** Lines of every principal except `applicationId`, as comparable keys. */
export function othersKeys(lines: readonly AclLine[], applicationId: string): string[] {
  return [...new Set(lines.filter((l) => !(l.principalKind === 'service-principal' && l.principal === applicationId)).map(lineKey))].sort();
}

/** Secret ACLs name principals by a bare string; guess the kind for display only. */
export function secretAclToEntries(items: readonly SecretAcl[], zipherAppId?: string): AclEntry[] {
  return items.map((i) => {
    const kind = i.principal === zipherAppId ? 'service_principal_name' : guessPrincipalKind(i.principal);
    return { [kind]: i.principal, all_permissions: [{ permission_level: i.permission, inherited: false }] } as AclEntry;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

function guessPrincipalKind(name: string): Principal['kind'] {
  if (UUID.test(name)) return 'service_principal_name';
  if (name.includes('@')) return 'user_name';
  return 'group_name';
}

/** A copy of `acl` with Zipher's direct level set (or removed when `level` is undefined);
 * inherited grants of Zipher's entry stay. Used to predict the ACL after a change. */
export function withZipherLevel(acl: readonly AclEntry[], applicationId: string, level: string | undefined): AclEntry[] {
  const out: AclEntry[] = [];
  let placed = false;
  for (const e of acl) {
    if (!isZipherEntry(e, applicationId)) {
      out.push(e);
      continue;
    }
    const kept = e.all_permissions.filter((g) => g.inherited);
    if (level !== undefined && !placed) {
      kept.push({ permission_level: level, inherited: false });
      placed = true;
    }
    if (kept.length) out.push({ ...e, all_permissions: kept });
  }
  if (level !== undefined && !placed) {
    out.push({ service_principal_name: applicationId, all_permissions: [{ permission_level: level, inherited: false }] });
  }
  return out;
}
