/** What route handlers receive and return; kept apart from the server so routes never import it. */
import type { IncomingHttpHeaders } from 'node:http';
import { malformedRequest } from './errors';
import type { Caller, WorkspaceState } from './state';
import type { FakeOptions, FakeState, ServedCall } from './types';

export interface Reply {
  status?: number;
  /** serialised as JSON unless `raw` is given */
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
}

/** Shared internals of one fake: state, switches and the stores routes keep between calls. */
export interface FakeInternals {
  readonly state: WorkspaceState;
  readonly options: FakeOptions;
  readonly calls: ServedCall[];
  /** `${type}/${id}` → mutations to run once after the next permissions GET */
  readonly readHooks: Map<string, ((s: FakeState) => void)[]>;
  readonly statements: Map<string, StoredStatement>;
}

export interface StoredStatement {
  id: string;
  polls: number;
  canceled: boolean;
  columns: { name: string; type_name: string }[];
  rows: (string | null)[][];
  truncated?: boolean;
  error?: { error_code: string; message: string };
}

export class RouteContext {
  /** set by the server once the bearer token is checked; placeholder on unauthenticated routes */
  caller: Caller = { kind: 'user', name: '', displayName: '', id: '', groups: [], isAdmin: false };
  action: string | undefined;
  objectId: string | undefined;
  requestParams: Record<string, string> | undefined;

  constructor(
    readonly fake: FakeInternals,
    readonly method: string,
    readonly path: string,
    readonly query: URLSearchParams,
    readonly params: Record<string, string>,
    readonly headers: IncomingHttpHeaders,
    readonly rawBody: string,
    public sourceIp: string,
  ) {}

  get state(): WorkspaceState {
    return this.fake.state;
  }

  /** the body as a JSON object; 400 MALFORMED_REQUEST when it is not one */
  json(): Record<string, unknown> {
    if (this.rawBody.trim() === '') return {};
    try {
      const v: unknown = JSON.parse(this.rawBody);
      if (v && typeof v === 'object' && !Array.isArray(v)) return v as Record<string, unknown>;
    } catch {
      // fall through to the Databricks-style error
    }
    throw malformedRequest('Invalid JSON given in the body of the request - expected a map');
  }

  /** what the audit log records for this call */
  audit(action: string, objectId?: string, requestParams?: Record<string, string>): void {
    this.action = action;
    this.objectId = objectId;
    this.requestParams = requestParams;
  }
}

export type Handler = (ctx: RouteContext) => Reply | Promise<Reply>;

export interface Route {
  method: string;
  /** path with `{param}` segments; `{param+}` matches the rest, slashes included */
  template: string;
  /** none: token endpoints and discovery; workspace: Bearer token of a workspace member; account: account-admin token */
  auth: 'none' | 'workspace' | 'account';
  /** which rate limit bucket the call draws from */
  rate?: 'read' | 'write';
  handler: Handler;
}

export function route(method: string, template: string, handler: Handler, extra: Partial<Route> = {}): Route {
  return { method, template, handler, auth: 'workspace', rate: method === 'GET' ? 'read' : undefined, ...extra };
}
