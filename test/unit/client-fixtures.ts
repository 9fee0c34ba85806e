/** A small, known workspace for the client tests, and helpers to talk to it. */
import { createWorkspaceClient, HttpLogger, RequestScheduler, WorkspaceClient } from '../../src/databricks';
import type { ClientOptions } from '../../src/databricks';
import type { Feedback, Permit, RequestKind } from '../../src/databricks/scheduler';
import type { FakeJob, FakeWorkspaceSeed } from '../fake-workspace';

export const ADMIN = 'admin@example.com';
export const ADMIN_PAT = 'dapi00000000000000000000000000admin1';
export const OTHER_USER = 'alice@example.com';
export const OTHER_PAT = 'dapi00000000000000000000000000alice1';
export const SP_APP_ID = '6f1b0a44-1c2d-4e5f-8a9b-0c1d2e3f4a5b';
export const SP_SCIM_ID = '7001';
export const SP_SECRET = 'dose0123456789abcdef0123456789abcdef';
export const ACCOUNT_ID = '00000000-0000-4000-8000-00000000acc7';
export const ACCOUNT_CLIENT = 'acc0a0a0-0000-4000-8000-000000000001';
export const ACCOUNT_SECRET = 'doseaccount0123456789abcdef0123456789';
export const WORKSPACE_ID = '9876543210';

export function job(id: number, extra: Partial<FakeJob['settings']> = {}, createdTime = 1_700_000_000_000 + id): FakeJob {
  return {
    job_id: id,
    creator_user_name: ADMIN,
    created_time: createdTime,
    settings: { name: `job-${id}`, ...extra },
    acl: [{ user_name: ADMIN, permission_level: 'IS_OWNER' }],
  };
}

export function seed(jobs: FakeJob[] = [job(1), job(2)]): FakeWorkspaceSeed {
  return {
    workspaceId: WORKSPACE_ID,
    accountId: ACCOUNT_ID,
    users: [
      { userName: ADMIN, displayName: 'Admin', groups: ['admins'], token: ADMIN_PAT },
      { userName: OTHER_USER, displayName: 'Alice', groups: [], token: OTHER_PAT },
    ],
    servicePrincipals: [
      { id: SP_SCIM_ID, applicationId: SP_APP_ID, displayName: 'zipher', groups: ['admins'], secrets: [{ id: 'sec-1', secret: SP_SECRET }] },
    ],
    jobs,
    clusters: [{ id: '0101-abc', name: 'shared', acl: [] }],
    warehouses: [{ id: 'wh1', name: 'Audit warehouse', state: 'RUNNING', acl: [] }],
    secretScopes: [{ name: 'zipher-scope', acls: [{ principal: ADMIN, permission: 'MANAGE' }] }],
    accountAdmins: [{ clientId: ACCOUNT_CLIENT, secret: ACCOUNT_SECRET }],
  };
}

/** Fast retries so tests do not sleep through real backoff. */
export const FAST_RETRY = { maxAttempts: 6, baseDelayMs: 5, maxDelayMs: 20 };

export function patClient(url: string, extra: Partial<ClientOptions> = {}): Promise<WorkspaceClient> {
  return createWorkspaceClient({ host: url, auth: { type: 'pat', token: ADMIN_PAT }, env: {}, retry: FAST_RETRY, ...extra });
}

export function oauthClient(url: string, extra: Partial<ClientOptions> = {}): Promise<WorkspaceClient> {
  return createWorkspaceClient({ host: url, auth: { type: 'oauth-m2m', clientId: SP_APP_ID, clientSecret: SP_SECRET }, env: {}, retry: FAST_RETRY, ...extra });
}

/** Keeps every log line so tests can check what was logged (and that no secret was). */
export class RecordingLogger implements HttpLogger {
  readonly lines: { level: string; m: string }[] = [];
  constructor(private readonly onLine?: (level: string, m: string) => void) {}
  private add(level: string, m: string): void {
    this.lines.push({ level, m });
    this.onLine?.(level, m);
  }
  trace(m: string): void {
    this.add('trace', m);
  }
  debug(m: string): void {
    this.add('debug', m);
  }
  info(m: string): void {
    this.add('info', m);
  }
  warn(m: string): void {
    this.add('warn', m);
  }
  error(m: string): void {
    this.add('error', m);
  }
  text(): string {
    return this.lines.map((l) => `${l.level} ${l.m}`).join('\n');
  }
}

/** A scheduler that records every acquire and the feedback each permit was released with. */
export class RecordingScheduler extends RequestScheduler {
  readonly acquired: RequestKind[] = [];
  readonly feedback: Feedback[] = [];
  constructor(ceiling = 20) {
    super({ ceiling });
  }
  override async acquire(kind: RequestKind, priority?: 'user' | 'background', signal?: AbortSignal): Promise<Permit> {
    const permit = await super.acquire(kind, priority, signal);
    this.acquired.push(kind);
    return {
      release: (fb: Feedback) => {
        this.feedback.push(fb);
        permit.release(fb);
      },
    };
  }
}

export async function collect<T>(it: AsyncIterable<T[]>): Promise<T[][]> {
  const pages: T[][] = [];
  for await (const p of it) pages.push(p);
  return pages;
}
