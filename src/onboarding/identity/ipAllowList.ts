/**
 * Zipher's egress IPs on the workspace IP access lists. Touches only ONE allow list, identified
 * by its label; never other lists, and never turns the IP access list feature on (the caller's
 * own address cannot be known reliably from here, and enabling without it locks admins out).
 */
import type { CallOptions, IpAccessList, WorkspaceApi } from '../../databricks/api';
import { covers, overlaps, parseIp, validateIps, type IpBlock } from './ipAddresses';
import { errorCodeOf, fail, kindOf, ok, problemFrom, type Outcome, type Problem } from './result';

export const ZIPHER_LIST_LABEL = 'zipher-egress';
export const IP_ADDRESS_LIMIT = 1000;
const FEATURE_KEY = 'enableIpAccessLists';

/** How Zipher's egress fares today. */
export type ZipherIpAccess =
  | 'unrestricted' // feature off, or no enabled allow list: every address gets in
  | 'allowed' // every egress address is in an enabled allow list
  | 'not-allowed' // some egress address is in no enabled allow list
  | 'blocked'; // an enabled block list covers an egress address (block lists win)

export interface BlockHit {
  egress: string;
  listId: string;
  listLabel: string;
  entry: string;
  listEnabled: boolean;
}

export interface IpAccessReport {
  featureEnabled: boolean;
  /** raw `enableIpAccessLists` value (string or null) */
  featureValue: string | null | undefined;
  lists: IpAccessList[];
  totalAddresses: number;
  limit: number;
  zipherList?: IpAccessList;
  egress: IpBlock[];
  blockedBy: BlockHit[];
  /** egress entries no enabled allow list covers */
  uncovered: string[];
  access: ZipherIpAccess;
  /** sentences for the UI */
  notes: string[];
}

export interface AllowListPlan {
  action: 'create' | 'update' | 'none';
  label: string;
  listId?: string;
  ipAddresses: string[];
  /** total addresses across all lists after the change */
  addressesAfter: number;
  reasons: string[];
  warnings: string[];
}

function count(list: IpAccessList): number {
  return list.address_count ?? list.ip_addresses.length;
}

function blocksOf(list: IpAccessList): IpBlock[] {
  return list.ip_addresses.flatMap((a) => {
    const p = parseIp(a, { lenient: true });
    return p.ok ? [p.block] : [];
  });
}

/** The allow list this extension owns (by label); block lists with the label are never ours. */
export function findZipherList(lists: readonly IpAccessList[], label = ZIPHER_LIST_LABEL): IpAccessList | undefined {
  return lists.find((l) => l.list_type === 'ALLOW' && l.label === label);
}

/** Pure analysis of lists + feature flag for the egress addresses. */
export function analyseIpAccess(
  lists: IpAccessList[],
  featureValue: string | null | undefined,
  egress: IpBlock[],
  label = ZIPHER_LIST_LABEL,
): IpAccessReport {
  const featureEnabled = featureValue === 'true';
  const totalAddresses = lists.reduce((n, l) => n + count(l), 0);
  const blockedBy: BlockHit[] = [];
  for (const list of lists.filter((l) => l.list_type === 'BLOCK')) {
    for (const entry of blocksOf(list)) {
      for (const e of egress) {
        if (overlaps(entry, e)) blockedBy.push({ egress: e.text, listId: list.list_id, listLabel: list.label, entry: entry.text, listEnabled: list.enabled });
      }
    }
  }
  const enabledAllow = lists.filter((l) => l.list_type === 'ALLOW' && l.enabled).flatMap(blocksOf);
  const uncovered = egress.filter((e) => !enabledAllow.some((a) => covers(a, e))).map((e) => e.text);
  const activeBlocks = blockedBy.filter((b) => b.listEnabled);
  let access: ZipherIpAccess;
  if (!featureEnabled) access = 'unrestricted';
  else if (activeBlocks.length) access = 'blocked';
  else if (enabledAllow.length === 0) access = 'unrestricted';
  else access = uncovered.length ? 'not-allowed' : 'allowed';

  const notes: string[] = [];
  if (!featureEnabled) {
    notes.push(
      `IP access lists are off for this workspace (${FEATURE_KEY} is ${featureValue === undefined || featureValue === null ? 'unset' : `"${featureValue}"`}), so lists have no effect until it is turned on. Turning it on without an allow list that covers the admins' own addresses locks them out; this extension never turns it on.`,
    );
  } else if (enabledAllow.length === 0) {
    notes.push('IP access lists are on but no allow list is enabled, so every address not blocked gets in, Zipher\'s included. Adding an allow list would shut out every address not on one.');
  }
  for (const b of blockedBy) {
    notes.push(`Block list "${b.listLabel}" (${b.entry}) covers Zipher's address ${b.egress}${b.listEnabled ? '' : ' (that list is disabled)'}; block lists override allow lists, so remove it there first.`);
  }
  if (totalAddresses > IP_ADDRESS_LIMIT * 0.9) notes.push(`The workspace's lists hold ${totalAddresses} of at most ${IP_ADDRESS_LIMIT} addresses.`);
  return { featureEnabled, featureValue, lists, totalAddresses, limit: IP_ADDRESS_LIMIT, zipherList: findZipherList(lists, label), egress, blockedBy, uncovered, access, notes };
}

/** Reads the feature flag and every list, and says where Zipher's egress IPs stand. */
export async function inspectIpAccess(
  api: WorkspaceApi,
  egressInputs: readonly string[],
  opts: CallOptions & { label?: string } = {},
): Promise<Outcome<IpAccessReport>> {
  const egress = parseEgress(egressInputs);
  if (!egress.ok) return egress;
  let lists: IpAccessList[];
  let featureValue: string | null | undefined;
  try {
    [lists, featureValue] = await Promise.all([api.listIpAccessLists(opts), api.getWorkspaceConf([FEATURE_KEY], opts).then((c) => c[FEATURE_KEY])]);
  } catch (e) {
    return { ok: false, problem: explainIpError(e, 'Reading the IP access lists') };
  }
  return ok(analyseIpAccess(lists, featureValue, egress.value, opts.label));
}

function parseEgress(inputs: readonly string[]): Outcome<IpBlock[]> {
  const { valid, invalid } = validateIps(inputs);
  if (invalid.length) return fail('validation', `Invalid Zipher egress address${invalid.length > 1 ? 'es' : ''}: ${invalid.map((i) => `"${i.input}" (${i.reason})`).join(', ')}.`);
  if (!valid.length) return fail('validation', "No Zipher egress addresses are configured; set them in the extension's settings.");
  return ok(valid);
}

/** Decides whether to create, update or leave Zipher's single allow list; checks the quota first. */
export function planAllowList(report: IpAccessReport, opts: { label?: string } = {}): Outcome<AllowListPlan> {
  const label = opts.label ?? ZIPHER_LIST_LABEL;
  const ours = findZipherList(report.lists, label);
  const wanted = [...new Set(report.egress.map((e) => e.text))];
  const warnings = report.blockedBy.map((b) => `Block list "${b.listLabel}" covers ${b.egress}: Zipher stays blocked until that entry is removed.`);
  if (report.egress.some((e) => e.family === 6)) {
    warnings.push('Databricks documents IP access lists for IPv4 addresses; if it refuses the IPv6 entries, remove them from the Zipher egress setting.');
  }
  const base = { label, listId: ours?.list_id, ipAddresses: wanted, warnings };
  const enabledAllowOthers = report.lists.filter((l) => l.list_type === 'ALLOW' && l.enabled && l !== ours);

  if ((!ours || !ours.enabled) && enabledAllowOthers.length === 0) {
    // With no enabled allow list every address already gets in; creating (or enabling) the first
    // one would lock out everybody else the moment the feature is on.
    const what = ours ? 'enabling' : 'creating';
    return ok({ ...base, action: 'none', addressesAfter: report.totalAddresses, reasons: [`No allow list is in use, so Zipher is not restricted; ${what} one would shut out every address not on it.`] }, warnings);
  }
  if (ours && ours.enabled && sameSet(ours.ip_addresses, wanted)) {
    return ok({ ...base, action: 'none', addressesAfter: report.totalAddresses, reasons: [`Allow list "${label}" already holds exactly Zipher's addresses.`] }, warnings);
  }
  const addressesAfter = report.totalAddresses - (ours ? count(ours) : 0) + wanted.length;
  if (addressesAfter > IP_ADDRESS_LIMIT) return fail('quota', quotaSentence(addressesAfter));
  const reasons = ours
    ? [`Update allow list "${label}" to Zipher's ${wanted.length} address(es)${ours.enabled ? '' : ' and enable it'}.`]
    : [`Create allow list "${label}" with Zipher's ${wanted.length} address(es).`];
  if (!report.featureEnabled) reasons.push('It has no effect until IP access lists are turned on for the workspace.');
  return ok({ ...base, action: ours ? 'update' : 'create', addressesAfter, reasons }, warnings);
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  const norm = (xs: readonly string[]) => new Set(xs.map((x) => { const p = parseIp(x, { lenient: true }); return p.ok ? p.block.text : x.trim(); }));
  const sa = norm(a);
  const sb = norm(b);
  return sa.size === sb.size && [...sa].every((x) => sb.has(x));
}

function quotaSentence(after: number): string {
  return `Databricks allows at most ${IP_ADDRESS_LIMIT} addresses across all IP access lists (QUOTA_EXCEEDED); this change would bring the workspace to ${after}. Remove unused entries from other lists first.`;
}

/** Writes the plan after re-reading the lists (quota and list id re-checked just before writing). */
export async function applyAllowList(api: WorkspaceApi, plan: AllowListPlan, opts: CallOptions = {}): Promise<Outcome<{ action: AllowListPlan['action']; listId?: string }>> {
  if (plan.action === 'none') return ok({ action: 'none', listId: plan.listId });
  let lists: IpAccessList[];
  try {
    lists = await api.listIpAccessLists(opts);
  } catch (e) {
    return { ok: false, problem: explainIpError(e, 'Re-reading the IP access lists') };
  }
  const ours = findZipherList(lists, plan.label);
  if (plan.action === 'update' && ours?.list_id !== plan.listId) return fail('state', `Allow list "${plan.label}" changed since it was inspected; inspect again.`);
  if (plan.action === 'create' && ours) return fail('state', `Allow list "${plan.label}" was created meanwhile; inspect again.`);
  const total = lists.reduce((n, l) => n + count(l), 0) - (ours ? count(ours) : 0) + plan.ipAddresses.length;
  if (total > IP_ADDRESS_LIMIT) return fail('quota', quotaSentence(total));
  try {
    if (plan.action === 'create') {
      const created = await api.createIpAccessList({ label: plan.label, list_type: 'ALLOW', ip_addresses: plan.ipAddresses }, opts);
      return ok({ action: 'create', listId: created.list_id }, ['Changes to IP access lists take a few minutes to apply.']);
    }
    await api.replaceIpAccessList(plan.listId!, { label: plan.label, list_type: 'ALLOW', ip_addresses: plan.ipAddresses, enabled: true }, opts);
    return ok({ action: 'update', listId: plan.listId }, ['Changes to IP access lists take a few minutes to apply.']);
  } catch (e) {
    return { ok: false, problem: explainIpError(e, `Writing allow list "${plan.label}"`) };
  }
}

/** Deletes Zipher's allow list(s) by label; other lists are never touched. Absent = success. */
export async function removeAllowList(api: WorkspaceApi, opts: CallOptions & { label?: string } = {}): Promise<Outcome<{ removed: string[] }>> {
  const label = opts.label ?? ZIPHER_LIST_LABEL;
  let lists: IpAccessList[];
  try {
    lists = await api.listIpAccessLists(opts);
  } catch (e) {
    return { ok: false, problem: explainIpError(e, 'Reading the IP access lists') };
  }
  const removed: string[] = [];
  for (const l of lists.filter((x) => x.list_type === 'ALLOW' && x.label === label)) {
    try {
      await api.deleteIpAccessList(l.list_id, opts);
      removed.push(l.list_id);
    } catch (e) {
      if (kindOf(e) === 'not-found') continue;
      return { ok: false, problem: explainIpError(e, `Deleting allow list "${label}"`) };
    }
  }
  return ok({ removed });
}

/** QUOTA_EXCEEDED and INVALID_STATE in plain words; anything else as the client describes it. */
export function explainIpError(e: unknown, what: string): Problem {
  const code = errorCodeOf(e);
  if (code === 'QUOTA_EXCEEDED') {
    return { kind: 'quota', message: `${what} was refused: Databricks allows at most ${IP_ADDRESS_LIMIT} addresses across all IP access lists (QUOTA_EXCEEDED). Remove unused entries from other lists first.` };
  }
  if (code === 'INVALID_STATE') {
    return { kind: 'lockout', message: `${what} was refused by Databricks because it would block the address you are connecting from (INVALID_STATE). Nothing was changed; make sure an allow list covers your own address first.` };
  }
  return problemFrom(e, what);
}
