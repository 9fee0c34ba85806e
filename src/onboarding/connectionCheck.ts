/**
 * The first call made with new credentials: who am I, am I an admin, and — when it fails — one
 * sentence saying what is wrong and what to do. Also finds Zipher's service principal by its
 * application id.
 */
import type { ErrorKind, ServicePrincipal, WorkspaceApi } from '../databricks/api';
import { explainFailure, failureOf } from './verifyErrors';

export interface ConnectedIdentity {
  userName: string;
  displayName?: string;
  isAdmin: boolean;
}

export type ConnectionCheckResult =
  | { ok: true; identity: ConnectedIdentity; workspaceId?: string }
  | {
      ok: false;
      kind: ErrorKind;
      /** the one actionable sentence to show */
      message: string;
      /** what the server or client said, for the logs */
      detail: string;
    };

const ADMINS_GROUP = 'admins';

export function isWorkspaceAdmin(groups: readonly { display?: string }[]): boolean {
  return groups.some((g) => g.display === ADMINS_GROUP);
}

export async function checkConnection(api: WorkspaceApi, signal?: AbortSignal): Promise<ConnectionCheckResult> {
  try {
    const me = await api.me({ signal, priority: 'user' });
    return {
      ok: true,
      identity: { userName: me.userName, displayName: me.displayName, isAdmin: isWorkspaceAdmin(me.groups) },
      workspaceId: api.workspaceId,
    };
  } catch (error) {
    const failure = failureOf(error, signal);
    const { message, action } = explainFailure(failure, api.host, 'admin');
    return { ok: false, kind: failure.kind, message: action ? `${message} ${action}` : message, detail: failure.detail };
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Application ids are UUIDs; anything else (a display name, a numeric SCIM id) is a mistake. */
export function isUuid(value: string): boolean {
  return UUID.test(value.trim());
}

export type ServicePrincipalLookup =
  | { found: true; sp: ServicePrincipal }
  | {
      found: false;
      reason: 'invalid-id' | 'not-in-workspace' | 'error';
      message: string;
      kind?: ErrorKind;
    };

export async function lookupServicePrincipal(
  api: WorkspaceApi,
  applicationId: string,
  signal?: AbortSignal,
): Promise<ServicePrincipalLookup> {
  const id = applicationId.trim();
  if (!isUuid(id)) {
    return {
      found: false,
      reason: 'invalid-id',
      message: `"${id}" is not an application id: it must be a UUID such as 12345678-90ab-cdef-1234-567890abcdef (the Application ID shown for the service principal in the account console).`,
    };
  }
  try {
    const sps = await api.listServicePrincipals(`applicationId eq "${id.toLowerCase()}"`, { signal, priority: 'user' });
    // The filter is applied server side, but compare again: a server that ignores the filter must
    // not make us pick someone else's principal.
    const sp = sps.find((candidate) => candidate.applicationId.toLowerCase() === id.toLowerCase());
    if (sp) {
      return { found: true, sp };
    }
    return {
      found: false,
      reason: 'not-in-workspace',
      message: `No service principal with application id ${id} is in ${api.host}. Add it to this workspace in the account console (Workspaces → Permissions → Add, as a User), then try again.`,
    };
  } catch (error) {
    const failure = failureOf(error, signal);
    const { message, action } = explainFailure(failure, api.host, 'admin');
    return { found: false, reason: 'error', kind: failure.kind, message: action ? `${message} ${action}` : message };
  }
}
