/**
 * SQL warehouses and the Statement Execution API. Statements move PENDING → RUNNING → final over
 * successive GETs (FakeOptions.sqlPollsToFinish). Queries on `system.access.audit` are answered
 * from the calls this fake served, filtered by these named parameters when present:
 *   :principal  user_identity.email equals (user name or SP application id)
 *   :since / :until  event_time bounds (ISO time or epoch ms), inclusive / exclusive
 *   :action     action_name, either `changeJobAcl` or `jobs.changeJobAcl`
 *   :actions    comma-separated list of the same
 *   :service    service_name
 *   :object_id  the object the call touched (job id, cluster id, scope, ...)
 * Rows are newest first. Anything that is not SELECT/WITH/SHOW/DESCRIBE fails with a parse error.
 */
import { randomUUID } from 'node:crypto';
import { type Reply, type Route, type RouteContext, type StoredStatement, route } from '../context';
import { invalidParameter, notFound, permissionDenied } from '../errors';
import type { ServedCall } from '../types';

const AUDIT_COLUMNS = [
  'event_time',
  'event_date',
  'workspace_id',
  'source_ip_address',
  'user_agent',
  'user_identity',
  'service_name',
  'action_name',
  'request_id',
  'request_params',
  'response',
];
const AUDIT_TYPES: Record<string, string> = { event_time: 'TIMESTAMP', event_date: 'DATE', workspace_id: 'BIGINT' };

function timeParam(value: string | null | undefined): number | undefined {
  if (value === undefined || value === null || value === '') return undefined;
  if (/^\d+$/.test(value)) return Number(value);
  const t = Date.parse(value);
  return Number.isNaN(t) ? undefined : t;
}

function auditRows(calls: ServedCall[], params: Map<string, string | null>, workspaceId: string): (string | null)[][] {
  const principal = params.get('principal');
  const since = timeParam(params.get('since'));
  const until = timeParam(params.get('until'));
  const actions = [params.get('action'), ...(params.get('actions') ?? '').split(',')].map((a) => a?.trim()).filter((a): a is string => !!a);
  const service = params.get('service');
  const objectId = params.get('object_id');
  const rows: (string | null)[][] = [];
  for (let i = calls.length - 1; i >= 0; i--) {
    const c = calls[i];
    if (!c.action) continue;
    const dot = c.action.indexOf('.');
    const serviceName = c.action.slice(0, dot);
    const actionName = c.action.slice(dot + 1);
    if (principal && c.principal !== principal) continue;
    if (since !== undefined && c.time < since) continue;
    if (until !== undefined && c.time >= until) continue;
    if (actions.length && !actions.includes(actionName) && !actions.includes(c.action)) continue;
    if (service && serviceName !== service) continue;
    if (objectId && c.objectId !== objectId) continue;
    const iso = new Date(c.time).toISOString();
    rows.push([
      iso,
      iso.slice(0, 10),
      workspaceId,
      c.sourceIp,
      c.userAgent ?? null,
      JSON.stringify({ email: c.principal ?? null, subject_name: null }),
      serviceName,
      actionName,
      c.requestId,
      JSON.stringify(c.requestParams ?? {}),
      JSON.stringify({ status_code: c.status, error_message: c.status >= 400 ? `HTTP ${c.status}` : null, result: null }),
    ]);
  }
  return rows;
}

function prepare(ctx: RouteContext, statement: string, params: Map<string, string | null>, rowLimit: number | undefined): StoredStatement {
  const id = `01f0${randomUUID().replace(/-/g, '').slice(4)}`;
  const base: StoredStatement = { id, polls: 0, canceled: false, columns: [], rows: [] };
  const sql = statement.trim();
  const fail = (error_code: string, message: string): StoredStatement => ({ ...base, error: { error_code, message } });
  if (!/^(select|with|show|describe)\b/i.test(sql)) {
    return fail('BAD_REQUEST', `[PARSE_SYNTAX_ERROR] Syntax error at or near '${sql.split(/\s+/)[0] ?? ''}'. SQLSTATE: 42601`);
  }
  for (const m of sql.matchAll(/(?<![:\w]):([A-Za-z_]\w*)/g)) {
    if (!params.has(m[1])) return fail('BAD_REQUEST', `[UNBOUND_SQL_PARAMETER] Found the unbound parameter: ${m[1]}. SQLSTATE: 42P02`);
  }
  let columns: string[];
  let rows: (string | null)[][];
  if (/system\s*\.\s*access\s*\.\s*audit/i.test(sql)) {
    if (!ctx.fake.options.auditTableEnabled) {
      return fail('BAD_REQUEST', '[TABLE_OR_VIEW_NOT_FOUND] The table or view `system`.`access`.`audit` cannot be found. Verify the spelling and correctness of the schema and catalog. SQLSTATE: 42P01');
    }
    columns = AUDIT_COLUMNS;
    rows = auditRows(ctx.fake.calls, params, ctx.state.workspaceId);
  } else if (/\bfrom\b/i.test(sql)) {
    const table = /\bfrom\s+([\w.`]+)/i.exec(sql)?.[1] ?? '?';
    return fail('BAD_REQUEST', `[TABLE_OR_VIEW_NOT_FOUND] The table or view ${table} cannot be found. SQLSTATE: 42P01`);
  } else {
    // SELECT <literal>: one row with the literal as text (enough for health checks).
    const literal = /^select\s+(.+?)\s*;?$/i.exec(sql)?.[1] ?? 'NULL';
    columns = [literal];
    rows = [[/^null$/i.test(literal) ? null : literal.replace(/^'(.*)'$/, '$1')]];
  }
  const truncated = rowLimit !== undefined && rows.length > rowLimit;
  return { ...base, columns: columns.map((name) => ({ name, type_name: AUDIT_TYPES[name] ?? 'STRING' })), rows: truncated ? rows.slice(0, rowLimit) : rows, truncated };
}

function stateOf(s: StoredStatement, pollsToFinish: number): string {
  if (s.canceled) return 'CANCELED';
  if (s.polls < pollsToFinish) return s.polls === 0 ? 'PENDING' : 'RUNNING';
  return s.error ? 'FAILED' : 'SUCCEEDED';
}

function chunk(s: StoredStatement, n: number, size: number): Record<string, unknown> {
  const rows = s.rows.slice(n * size, (n + 1) * size);
  const chunks = Math.max(1, Math.ceil(s.rows.length / size));
  return {
    chunk_index: n,
    row_offset: n * size,
    row_count: rows.length,
    data_array: rows,
    ...(n + 1 < chunks ? { next_chunk_index: n + 1, next_chunk_internal_link: `/api/2.0/sql/statements/${s.id}/result/chunks/${n + 1}` } : {}),
  };
}

function render(ctx: RouteContext, s: StoredStatement): Reply {
  const state = stateOf(s, ctx.fake.options.sqlPollsToFinish);
  const body: Record<string, unknown> = { statement_id: s.id, status: { state } };
  if (state === 'FAILED') body.status = { state, error: s.error };
  if (state === 'SUCCEEDED') {
    const size = ctx.fake.options.sqlChunkSize;
    const chunks = Math.max(1, Math.ceil(s.rows.length / size));
    body.manifest = {
      format: 'JSON_ARRAY',
      schema: { column_count: s.columns.length, columns: s.columns.map((c, i) => ({ name: c.name, position: i, type_name: c.type_name, type_text: c.type_name })) },
      total_row_count: s.rows.length,
      total_chunk_count: chunks,
      truncated: s.truncated ?? false,
    };
    body.result = chunk(s, 0, size);
  }
  return { body };
}

function statement(ctx: RouteContext): StoredStatement {
  const s = ctx.fake.statements.get(ctx.params.id);
  if (!s) throw notFound(`The statement ${ctx.params.id} was not found.`);
  return s;
}

function execute(ctx: RouteContext): Reply {
  const body = ctx.json();
  const warehouseId = body.warehouse_id;
  if (typeof warehouseId !== 'string') throw invalidParameter('warehouse_id is required');
  if (typeof body.statement !== 'string' || body.statement.trim() === '') throw invalidParameter('statement is required');
  const wh = ctx.state.warehouses.get(warehouseId);
  if (!wh) throw invalidParameter(`Warehouse ${warehouseId} does not exist.`);
  if (!ctx.caller.isAdmin && !ctx.state.levelOn(wh.acl, ctx.caller)) {
    throw permissionDenied(`${ctx.caller.name} does not have CAN_USE on warehouse ${warehouseId}.`);
  }
  const params = new Map<string, string | null>();
  for (const p of Array.isArray(body.parameters) ? (body.parameters as { name?: unknown; value?: unknown }[]) : []) {
    if (typeof p?.name !== 'string') throw invalidParameter('Each parameter needs a name');
    params.set(p.name, p.value === null || p.value === undefined ? null : String(p.value));
  }
  const rowLimit = typeof body.row_limit === 'number' ? body.row_limit : undefined;
  ctx.audit('databrickssql.executeStatement', warehouseId, { warehouse_id: warehouseId });
  const s = prepare(ctx, body.statement, params, rowLimit);
  ctx.fake.statements.set(s.id, s);
  const wait = /^(\d+)s$/.exec(String(body.wait_timeout ?? '10s'));
  const waitSeconds = wait ? Number(wait[1]) : NaN;
  if (Number.isNaN(waitSeconds) || (waitSeconds !== 0 && (waitSeconds < 5 || waitSeconds > 50))) {
    throw invalidParameter(`wait_timeout must be 0s or between 5s and 50s (got ${String(body.wait_timeout)})`);
  }
  const done = s.polls >= ctx.fake.options.sqlPollsToFinish;
  if (waitSeconds > 0 && !done && body.on_wait_timeout === 'CANCEL') s.canceled = true;
  return render(ctx, s);
}

export function sqlRoutes(): Route[] {
  return [
    route('GET', '/api/2.0/sql/warehouses', (ctx) => ({
      body: {
        warehouses: [...ctx.state.warehouses.values()].map((w) => ({
          id: w.id,
          name: w.name ?? w.id,
          state: w.state ?? 'RUNNING',
          cluster_size: 'Small',
          warehouse_type: 'PRO',
          enable_serverless_compute: true,
        })),
      },
    })),
    route('POST', '/api/2.0/sql/statements', execute),
    route('POST', '/api/2.0/sql/statements/', execute),
    route('GET', '/api/2.0/sql/statements/{id}', (ctx) => {
      const s = statement(ctx);
      s.polls++;
      return render(ctx, s);
    }),
    route('POST', '/api/2.0/sql/statements/{id}/cancel', (ctx) => {
      const s = statement(ctx);
      if (stateOf(s, ctx.fake.options.sqlPollsToFinish) === 'PENDING' || stateOf(s, ctx.fake.options.sqlPollsToFinish) === 'RUNNING') s.canceled = true;
      return { body: {} };
    }),
    route('GET', '/api/2.0/sql/statements/{id}/result/chunks/{n}', (ctx) => {
      const s = statement(ctx);
      const n = Number(ctx.params.n);
      const size = ctx.fake.options.sqlChunkSize;
      if (stateOf(s, ctx.fake.options.sqlPollsToFinish) !== 'SUCCEEDED') throw invalidParameter(`Statement ${s.id} has no result yet.`);
      if (!Number.isInteger(n) || n < 0 || n >= Math.max(1, Math.ceil(s.rows.length / size))) throw invalidParameter(`Invalid chunk index ${ctx.params.n}`);
      return { body: chunk(s, n, size) };
    }),
  ];
}
