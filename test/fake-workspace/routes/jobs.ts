/** Jobs API 2.1 and 2.2: list (token paging, newest first) and get (2.2 pages arrays at 100). */
import { type Reply, type Route, type RouteContext, route } from '../context';
import { invalidParameter, permissionDenied } from '../errors';
import type { FakeJob } from '../types';

const GET_PAGE = 100;
const PAGED_ARRAYS = ['tasks', 'job_clusters', 'parameters', 'environments'] as const;

function encodeToken(job: FakeJob): string {
  return Buffer.from(`jl1:${job.created_time}:${job.job_id}`).toString('base64url');
}

function decodeToken(token: string): { createdTime: number; jobId: number } {
  const m = /^jl1:(\d+):(\d+)$/.exec(Buffer.from(token, 'base64url').toString('utf8'));
  if (!m) throw invalidParameter(`Invalid page token: ${token}`);
  return { createdTime: Number(m[1]), jobId: Number(m[2]) };
}

function intParam(ctx: RouteContext, name: string): number | undefined {
  const raw = ctx.query.get(name);
  if (raw === null || raw === '') return undefined;
  if (!/^-?\d+$/.test(raw)) throw invalidParameter(`Invalid value for parameter ${name}: ${raw}`);
  return Number(raw);
}

function listSettings(job: FakeJob, expandTasks: boolean): { settings: Record<string, unknown>; has_more?: boolean } {
  const settings = { ...job.settings };
  if (!expandTasks) {
    delete settings.tasks;
    delete settings.job_clusters;
    return { settings };
  }
  let hasMore = false;
  for (const key of PAGED_ARRAYS) {
    const arr = settings[key];
    if (Array.isArray(arr) && arr.length > GET_PAGE) {
      settings[key] = arr.slice(0, GET_PAGE);
      hasMore = true;
    }
  }
  return hasMore ? { settings, has_more: true } : { settings };
}

function list(version: '2.1' | '2.2') {
  return (ctx: RouteContext): Reply => {
    ctx.audit('jobs.list');
    const limit = intParam(ctx, 'limit') ?? 20;
    if (limit < 1 || limit > 100) throw invalidParameter(`The limit must be between 1 and 100 (got ${limit}).`);
    const offset = intParam(ctx, 'offset');
    if (offset !== undefined && offset > 1000) {
      throw invalidParameter(
        `The offset ${offset} exceeded the value of 1000 allowed for the deprecated offset parameter. Please use the page_token parameter to iterate through the result pages.`,
      );
    }
    if (offset !== undefined && offset < 0) throw invalidParameter(`The offset must be non-negative (got ${offset}).`);
    const expand = ctx.query.get('expand_tasks') === 'true';
    const name = ctx.query.get('name')?.toLowerCase();
    const pageToken = ctx.query.get('page_token');
    const store = ctx.state.jobs;
    const sorted = store.sorted();
    let i = 0;
    if (pageToken) {
      const { createdTime, jobId } = decodeToken(pageToken);
      i = store.indexAfter(createdTime, jobId);
    }
    const caller = ctx.caller;
    const visible = (j: FakeJob): boolean =>
      (name === undefined || String(j.settings.name ?? '').toLowerCase() === name) && ctx.state.canViewJob(j, caller);
    let skip = pageToken ? 0 : (offset ?? 0);
    const page: FakeJob[] = [];
    for (; i < sorted.length && page.length < limit; i++) {
      if (!visible(sorted[i])) continue;
      if (skip > 0) {
        skip--;
        continue;
      }
      page.push(sorted[i]);
    }
    let more = false;
    for (; i < sorted.length; i++) {
      if (visible(sorted[i])) {
        more = true;
        break;
      }
    }
    const body: Record<string, unknown> = {};
    if (page.length > 0) {
      body.jobs = page.map((j) => ({
        job_id: j.job_id,
        ...(j.creator_user_name !== undefined ? { creator_user_name: j.creator_user_name } : {}),
        created_time: j.created_time,
        ...listSettings(j, expand),
      }));
    }
    if (more && page.length > 0) body.next_page_token = encodeToken(page[page.length - 1]);
    // 2.2 leaves the root has_more out; clients must page on next_page_token alone.
    if (version === '2.1') body.has_more = more;
    return { body };
  };
}

function get(version: '2.1' | '2.2') {
  return (ctx: RouteContext): Reply => {
    const raw = ctx.query.get('job_id');
    if (raw === null || !/^\d+$/.test(raw)) throw invalidParameter(`Invalid job_id: ${raw ?? '(missing)'}`);
    const jobId = Number(raw);
    ctx.audit('jobs.get', raw, { job_id: raw });
    const job = ctx.state.jobs.get(jobId);
    // Access is checked before existence: a non-admin cannot probe for job ids.
    if (!ctx.state.canViewJob(job, ctx.caller)) {
      throw permissionDenied(`${ctx.caller.name} does not have View permissions on Job with ID: ${jobId}.`);
    }
    if (!job) throw invalidParameter(`Job ${jobId} does not exist.`);
    const settings: Record<string, unknown> = { ...job.settings };
    let next: string | undefined;
    if (version === '2.2') {
      const pageToken = ctx.query.get('page_token');
      let pageNo = 0;
      if (pageToken) {
        const m = /^jg1:(\d+)$/.exec(Buffer.from(pageToken, 'base64url').toString('utf8'));
        if (!m) throw invalidParameter(`Invalid page token: ${pageToken}`);
        pageNo = Number(m[1]);
      }
      let more = false;
      for (const key of PAGED_ARRAYS) {
        const arr = job.settings[key];
        if (!Array.isArray(arr)) continue;
        const slice = arr.slice(pageNo * GET_PAGE, (pageNo + 1) * GET_PAGE);
        if (slice.length > 0) settings[key] = slice;
        else delete settings[key];
        if (arr.length > (pageNo + 1) * GET_PAGE) more = true;
      }
      if (more) next = Buffer.from(`jg1:${pageNo + 1}`).toString('base64url');
    }
    const runAs = ctx.state.runAsUserName(job);
    return {
      body: {
        job_id: job.job_id,
        ...(job.creator_user_name !== undefined ? { creator_user_name: job.creator_user_name } : {}),
        ...(runAs !== undefined ? { run_as_user_name: runAs } : {}),
        created_time: job.created_time,
        settings,
        ...(next ? { next_page_token: next } : {}),
        ...(version === '2.2' ? { has_more: next !== undefined } : {}),
      },
    };
  };
}

export function jobsRoutes(): Route[] {
  return [
    route('GET', '/api/2.2/jobs/list', list('2.2')),
    route('GET', '/api/2.1/jobs/list', list('2.1')),
    route('GET', '/api/2.2/jobs/get', get('2.2')),
    route('GET', '/api/2.1/jobs/get', get('2.1')),
  ];
}
