import { describeObject } from '../../onboarding';
import type { ChangeAction, LedgerRecord } from '../../onboarding/model';

const CHANGE: Record<ChangeAction, string> = { add: 'added', raise: 'raised', unchanged: 'no change', remove: 'removed', restore: 'restored' };
const MAX_JOBS = 10;
const MAX_REASONS = 3;

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

function levels(r: LedgerRecord): string {
  return `${r.levelBefore ?? '—'} → ${r.action === 'remove' ? '—' : (r.levelAfter ?? '—')}`;
}

function list(items: readonly string[], max: number): string {
  const shown = items.slice(0, max).join('; ');
  return items.length > max ? `${shown}; and ${items.length - max} more` : shown;
}

/** The ledger of one workspace as a readable document, newest change first. */
export function renderLedgerMarkdown(host: string, records: readonly LedgerRecord[]): string {
  const out = [`# Zipher access ledger — ${host.replace(/^https?:\/\//, '')}`, ''];
  out.push('Every ACL change this extension made for Zipher\'s service principal in this workspace. Revoke takes back exactly these; changes made elsewhere are not listed.', '');
  if (!records.length) {
    out.push('_No changes recorded yet._', '');
    return out.join('\n');
  }
  const sorted = records.map((r, i) => ({ r, i })).sort((a, b) => b.r.time.localeCompare(a.r.time) || b.i - a.i);
  out.push(`${records.length} change${records.length === 1 ? '' : 's'}.`, '');
  out.push('| Time | Object | Change | Level | Reason | Jobs | Actor |', '|---|---|---|---|---|---|---|');
  for (const { r } of sorted) {
    const jobs = r.jobIds.map(String);
    out.push(`| ${cell(r.time)} | ${cell(describeObject(r.object))} | ${CHANGE[r.action]} | ${levels(r)} | ${cell(list(r.reasons, MAX_REASONS))} | ${cell(list(jobs, MAX_JOBS))} | ${cell(r.actor)} |`);
  }
  out.push('');
  return out.join('\n');
}
