/**
 * What Zipher's SP did, and who changed its grants, from `system.access.audit` through the SQL
 * statement API. The application id only ever travels as a named parameter, never in SQL text.
 */
import type { CallOptions, StatementResponse, StatementState, Warehouse, WorkspaceApi } from '../../databricks/api';
import { attempt, fail, kindOf, ok, problemFrom, type Outcome, type Problem } from './result';

/** ACL-changing audit actions (names from third-party parsers; unconfirmed by Databricks). */
export const ACL_ACTIONS: readonly string[] = [
  'jobs.changeJobAcl',
  'jobs.resetJobAcl',
  'clusters.changeClusterAcl',
  'instancePools.changeInstancePoolAcl',
  'clusterPolicies.changeClusterPolicyAcl',
  'secrets.putAcl',
  'secrets.deleteAcl',
];

export interface AuditResult {
  columns: string[];
  rows: Record<string, string | null>[];
  /** the server stopped at the row limit */
  truncated: boolean;
  statementId: string;
  warehouseId: string;
}

export interface AuditProgress {
  state: StatementState | 'FETCHING';
  statementId?: string;
  rows?: number;
}

export interface AuditQueryOptions {
  /** the warehouse to run on; when absent a running one is picked */
  warehouseId?: string;
  applicationId: string;
  sinceHours?: number;
  signal?: AbortSignal;
  onProgress?: (p: AuditProgress) => void;
  rowLimit?: number;
  /** first poll delay; doubles up to 5 s */
  pollIntervalMs?: number;
  /** give up (and cancel) after this long; default 5 minutes */
  maxWaitMs?: number;
  /** server-side wait per request (`0s` or `5s`–`50s`); default `5s` */
  waitTimeout?: string;
  now?: Date;
}

const ACTIVITY_SQL = `SELECT event_time, service_name, action_name, source_ip_address, user_agent, request_id, request_params, response
FROM system.access.audit
WHERE user_identity.email = :principal
  AND event_time >= :since
ORDER BY event_time DESC`;

// The actions travel as one comma-separated parameter in both spellings (`changeJobAcl` and
// `jobs.changeJobAcl`): sources disagree on which one the table stores.
const ACL_SQL = `SELECT event_time, user_identity.email AS actor, service_name, action_name, request_params, response, source_ip_address, request_id
FROM system.access.audit
WHERE event_time >= :since
  AND (array_contains(split(:actions, ','), action_name)
       OR array_contains(split(:actions, ','), concat(service_name, '.', action_name)))
  AND to_json(request_params) LIKE concat('%', :target, '%')
  AND (user_identity.email IS NULL OR user_identity.email <> :target)
ORDER BY event_time DESC`;

const ACL_ACTIONS_PARAM = [...ACL_ACTIONS, ...ACL_ACTIONS.map((a) => a.split('.')[1])].join(',');

/** The SP's own actions in the window (filter on `user_identity.email` = application id). */
export async function queryAudit(api: WorkspaceApi, opts: AuditQueryOptions): Promise<Outcome<AuditResult>> {
  const since = sinceParam(opts);
  if (!since.ok) return since;
  return runAuditStatement(api, ACTIVITY_SQL, [{ name: 'principal', value: opts.applicationId, type: 'STRING' }, since.value], opts);
}

/** ACL changes by others whose request mentions the SP (its grants added, changed or removed). */
export async function queryAclChanges(api: WorkspaceApi, opts: AuditQueryOptions): Promise<Outcome<AuditResult>> {
  const since = sinceParam(opts);
  if (!since.ok) return since;
  const params = [{ name: 'target', value: opts.applicationId, type: 'STRING' }, { name: 'actions', value: ACL_ACTIONS_PARAM, type: 'STRING' }, since.value];
  const result = await runAuditStatement(api, ACL_SQL, params, opts);
  if (!result.ok) return result;
  // Re-check locally: the action spellings are unconfirmed and LIKE over JSON is loose.
  const appId = opts.applicationId.toLowerCase();
  const rows = result.value.rows.filter((r) => isAclAction(r) && (r.request_params ?? '').toLowerCase().includes(appId) && (r.actor ?? r.user_identity ?? '').toLowerCase() !== appId && !(r.user_identity ?? '').toLowerCase().includes(`"${appId}"`));
  return ok({ ...result.value, rows }, result.warnings);
}

function isAclAction(r: Record<string, string | null>): boolean {
  const action = r.action_name ?? '';
  const full = action.includes('.') ? action : `${r.service_name ?? ''}.${action}`;
  return ACL_ACTIONS.includes(full);
}

function sinceParam(opts: AuditQueryOptions): Outcome<{ name: string; value: string; type: string }> {
  const hours = opts.sinceHours ?? 24;
  if (!(hours > 0) || hours > 24 * 366) return fail('validation', `The audit window must be between 1 hour and a year; got ${String(opts.sinceHours)} hours.`);
  if (!/^[0-9a-f-]{36}$/i.test(opts.applicationId)) return fail('validation', 'The audit query needs the service principal\'s application id (a UUID).');
  const since = new Date((opts.now ?? new Date()).getTime() - hours * 3_600_000);
  return ok({ name: 'since', value: since.toISOString(), type: 'TIMESTAMP' });
}

/** Picks a running SQL warehouse; fails with a clear sentence when none runs. */
export async function chooseWarehouse(api: WorkspaceApi, opts?: CallOptions): Promise<Outcome<Warehouse>> {
  const listed = await attempt('Listing SQL warehouses', () => api.listWarehouses(opts));
  if (!listed.ok) return listed;
  const running = listed.value.find((w) => w.state === 'RUNNING');
  if (running) return ok(running);
  if (!listed.value.length) return fail('no-warehouse', 'The audit log is read through a SQL warehouse, and this workspace has none you can use.');
  const names = listed.value.slice(0, 3).map((w) => `"${w.name}"`).join(', ');
  return fail('no-warehouse', `No SQL warehouse is running (you can use ${names}). Choose one explicitly to start it; starting takes a few minutes and is billed.`);
}

async function runAuditStatement(
  api: WorkspaceApi,
  statement: string,
  parameters: { name: string; value: string; type: string }[],
  opts: AuditQueryOptions,
): Promise<Outcome<AuditResult>> {
  const call: CallOptions = { signal: opts.signal };
  let warehouseId = opts.warehouseId;
  if (!warehouseId) {
    const chosen = await chooseWarehouse(api, call);
    if (!chosen.ok) return chosen;
    warehouseId = chosen.value.id;
  }
  let res: StatementResponse;
  try {
    res = await api.executeStatement(
      { warehouse_id: warehouseId, statement, parameters, wait_timeout: opts.waitTimeout ?? '5s', on_wait_timeout: 'CONTINUE', row_limit: opts.rowLimit ?? 5000 },
      call,
    );
  } catch (e) {
    return { ok: false, problem: explainAccess(e, 'Starting the audit query') };
  }
  const id = res.statement_id;
  const started = Date.now();
  let delay = opts.pollIntervalMs ?? 500;
  while (res.status.state === 'PENDING' || res.status.state === 'RUNNING') {
    opts.onProgress?.({ state: res.status.state, statementId: id });
    if (Date.now() - started > (opts.maxWaitMs ?? 300_000)) {
      await cancelQuietly(api, id);
      return fail('timeout', 'The audit query took too long and was cancelled; try a shorter time window.');
    }
    if (!(await sleep(delay, opts.signal))) return cancelled(api, id);
    delay = Math.min(delay * 2, 5000);
    try {
      res = await api.getStatement(id, call);
    } catch (e) {
      if (kindOf(e) === 'cancelled') return cancelled(api, id);
      return { ok: false, problem: problemFrom(e, 'Polling the audit query') };
    }
  }
  opts.onProgress?.({ state: res.status.state, statementId: id });
  if (res.status.state !== 'SUCCEEDED') return { ok: false, problem: explainFailure(res) };

  const columns = [...(res.manifest?.schema?.columns ?? [])].sort((a, b) => a.position - b.position);
  const names = columns.map((c) => c.name);
  const rows: Record<string, string | null>[] = [];
  const take = (data: (string | null)[][] | undefined) => {
    for (const cells of data ?? []) {
      const row: Record<string, string | null> = {};
      columns.forEach((c, i) => {
        const v = cells[c.position] ?? cells[i];
        row[c.name] = v === null || v === undefined ? null : String(v);
      });
      rows.push(row);
    }
  };
  take(res.result?.data_array);
  let next = res.result?.next_chunk_index;
  const seen = new Set<number>();
  while (typeof next === 'number' && !seen.has(next)) {
    const index: number = next;
    seen.add(index);
    if (opts.signal?.aborted) return cancelled(api, id);
    opts.onProgress?.({ state: 'FETCHING', statementId: id, rows: rows.length });
    try {
      const chunk = await api.getStatementChunk(id, index, call);
      take(chunk.data_array);
      next = chunk.next_chunk_index;
    } catch (e) {
      if (kindOf(e) === 'cancelled') return cancelled(api, id);
      return { ok: false, problem: problemFrom(e, `Fetching part ${index + 1} of the audit results`) };
    }
  }
  const truncated = res.manifest?.truncated === true;
  const warnings = truncated ? [`Only the first ${rows.length} events were returned; narrow the time window to see the rest.`] : [];
  return ok({ columns: names, rows, truncated, statementId: id, warehouseId }, warnings);
}

async function cancelled(api: WorkspaceApi, id: string): Promise<Outcome<AuditResult>> {
  await cancelQuietly(api, id);
  return fail('cancelled', 'The audit query was cancelled.');
}

async function cancelQuietly(api: WorkspaceApi, id: string): Promise<void> {
  try {
    // No signal: the caller's is already aborted, and the cancel must still go out.
    await api.cancelStatement(id);
  } catch {
    // The statement may already be finished; nothing else to do.
  }
}

const NOT_ENABLED = /TABLE_OR_VIEW_NOT_FOUND|SCHEMA_NOT_FOUND|CATALOG_NOT_FOUND|system\.access\.audit.*(not found|cannot be found|does not exist)|not enabled/i;
const NO_ACCESS = /PERMISSION_DENIED|INSUFFICIENT_PERMISSIONS|not authorized|does not have .*privilege/i;

function explainFailure(res: StatementResponse): Problem {
  const err = res.status.error;
  const text = `${err?.error_code ?? ''} ${err?.message ?? ''}`;
  if (res.status.state === 'CANCELED' || res.status.state === 'CLOSED') return { kind: 'cancelled', message: `The audit query was ${res.status.state.toLowerCase()} on the warehouse.` };
  if (NOT_ENABLED.test(text)) {
    return { kind: 'not-enabled', message: 'The audit system table system.access.audit is not available here: an account admin must enable the "access" system schema (Unity Catalog is required).' };
  }
  if (NO_ACCESS.test(text)) return { kind: 'permission', message: 'You cannot read system.access.audit; ask a metastore or account admin for SELECT on it.' };
  return { kind: 'invalid', message: `The audit query failed: ${err?.message ?? 'no reason given'}` };
}

function explainAccess(e: unknown, what: string): Problem {
  const p = problemFrom(e, what);
  if (p.kind === 'permission') return { ...p, message: `${p.message} You need permission to use the SQL warehouse.` };
  if (p.kind === 'not-found') return { ...p, kind: 'no-warehouse', message: `${p.message} The SQL warehouse was not found.` };
  return p;
}

/** Waits; false when aborted. */
function sleep(ms: number, signal?: AbortSignal): Promise<boolean> {
  if (signal?.aborted) return Promise.resolve(false);
  return new Promise((resolve) => {
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve(true);
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      resolve(false);
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** RFC 4180 CSV (CRLF line ends, quotes doubled); null cells are empty. */
export function auditToCsv(result: Pick<AuditResult, 'columns' | 'rows'>): string {
  const field = (v: string | null | undefined) => {
    if (v === null || v === undefined) return '';
    return /[",\r\n]/.test(v) || v !== v.trim() ? `"${v.replace(/"/g, '""')}"` : v;
  };
  const lines = [result.columns.map(field).join(',')];
  for (const r of result.rows) lines.push(result.columns.map((c) => field(r[c])).join(','));
  return lines.join('\r\n') + '\r\n';
}

/** A Markdown report: title, window, count, truncation note and a table. */
export function renderAuditMarkdown(result: AuditResult, opts: { title?: string; applicationId?: string; sinceHours?: number; maxCell?: number } = {}): string {
  const max = opts.maxCell ?? 160;
  const cell = (v: string | null | undefined) => {
    if (v === null || v === undefined) return '';
    const s = v.length > max ? `${v.slice(0, max - 1)}…` : v;
    return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
  };
  const out = [`# ${opts.title ?? 'Zipher service principal — audit events'}`, ''];
  if (opts.applicationId) out.push(`Service principal: \`${opts.applicationId}\``);
  if (opts.sinceHours) out.push(`Window: last ${opts.sinceHours} hour(s)`);
  out.push(`Events: ${result.rows.length}${result.truncated ? ' (truncated: narrow the window to see all)' : ''}`, '');
  if (!result.rows.length) {
    out.push('_No events in this window._');
    return out.join('\n') + '\n';
  }
  out.push(`| ${result.columns.map(cell).join(' | ')} |`, `| ${result.columns.map(() => '---').join(' | ')} |`);
  for (const r of result.rows) out.push(`| ${result.columns.map((c) => cell(r[c])).join(' | ')} |`);
  return out.join('\n') + '\n';
}
