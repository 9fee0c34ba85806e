/** Plans as text: Markdown for a change ticket, JSON for tools, and stable ACL text for diffs. */
import type { AclLine, ChangeAction, Plan, PlannedChange } from './model';
import { describeObject } from './plan';

const VERB: Record<ChangeAction, string> = {
  add: 'add',
  raise: 'raise',
  unchanged: 'no change',
  remove: 'remove',
  restore: 'restore',
};

function cell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

const MAX_REASONS = 10;

/** A cluster shared by thousands of jobs would otherwise make one unreadable cell. */
function reasonsText(reasons: readonly string[]): string {
  const shown = reasons.slice(0, MAX_REASONS).join('; ');
  return reasons.length > MAX_REASONS ? `${shown}; and ${reasons.length - MAX_REASONS} more` : shown;
}

function levelChange(c: PlannedChange): string {
  const from = c.levelBefore ?? '—';
  const to = c.action === 'remove' ? '—' : (c.levelAfter ?? '—');
  return c.action === 'unchanged' ? from : `${from} → ${to}`;
}

export function renderPlanMarkdown(plan: Plan): string {
  const changes = plan.objects.flatMap((o) => o.changes);
  const writes = changes.filter((c) => c.action !== 'unchanged');
  const who = plan.principal.displayName ? `${plan.principal.displayName} (${plan.principal.applicationId})` : plan.principal.applicationId;
  const out: string[] = [];
  out.push(`# Zipher access: ${plan.kind === 'grant' ? 'grant' : 'revoke'} plan`, '');
  out.push(`- Service principal: \`${who}\``);
  out.push(`- Created: ${plan.createdAt}`);
  out.push(`- Jobs: ${plan.jobs.length}`);
  out.push(`- Objects: ${plan.objects.length} (${writes.length} to change, ${changes.length - writes.length} unchanged)`);
  const byAction = new Map<ChangeAction, number>();
  for (const c of writes) byAction.set(c.action, (byAction.get(c.action) ?? 0) + 1);
  if (byAction.size) out.push(`- Changes: ${[...byAction].map(([a, n]) => `${n} ${VERB[a]}`).join(', ')}`);
  out.push(`- Problems: ${plan.problems.length}`, '');
  out.push('Only the service principal\'s own entry is changed; every other principal and the owner stay exactly as they are.', '');

  out.push('## Jobs', '', '| Job | Name |', '|---|---|');
  for (const j of plan.jobs) out.push(`| ${j.jobId} | ${cell(j.name ?? '')} |`);
  out.push('');

  out.push('## Changes', '');
  for (const op of plan.objects) {
    out.push(`### ${cell(describeObject(op.object))}`, '', '| Change | Level | Reasons |', '|---|---|---|');
    for (const c of op.changes) out.push(`| ${VERB[c.action]} | ${levelChange(c)} | ${cell(reasonsText(c.reasons))} |`);
    out.push('', '<details><summary>ACL before → after</summary>', '', '```diff');
    const before = new Set(op.before.map(renderLine));
    const after = new Set(op.after.map(renderLine));
    for (const l of before) out.push(`${after.has(l) ? ' ' : '-'} ${l}`);
    for (const l of after) if (!before.has(l)) out.push(`+ ${l}`);
    out.push('```', '', '</details>', '');
  }

  if (plan.problems.length) {
    out.push('## Problems', '');
    for (const p of plan.problems) out.push(`- ${p.jobId !== undefined ? `job ${p.jobId}: ` : ''}${p.message}`);
    out.push('');
  }
  return out.join('\n');
}

/** The plan without the raw observed ACLs (they are for apply, not for people). */
export function planToJson(plan: Plan): string {
  const slim = { ...plan, objects: plan.objects.map(({ observed: _observed, ...rest }) => rest) };
  return JSON.stringify(slim, null, 2) + '\n';
}

function renderLine(l: AclLine): string {
  const name = l.displayName && l.displayName !== l.principal ? `${l.principal} (${l.displayName})` : l.principal;
  return `${l.principalKind} ${name}: ${l.level}${l.inherited ? ' (inherited)' : ''}`;
}

/** One principal per line, sorted, so the same ACL always gives the same text. */
export function renderAclText(lines: readonly AclLine[]): string {
  const byPrincipal = new Map<string, { head: string; levels: string[] }>();
  for (const l of lines) {
    const key = `${l.principalKind} ${l.principal}`;
    const head = l.displayName && l.displayName !== l.principal ? `${key} (${l.displayName})` : key;
    const entry = byPrincipal.get(key) ?? { head, levels: [] };
    entry.levels.push(l.inherited ? `${l.level} (inherited)` : l.level);
    byPrincipal.set(key, entry);
  }
  return (
    [...byPrincipal.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([, e]) => `${e.head}: ${e.levels.sort().join(', ')}`)
      .join('\n') + '\n'
  );
}
