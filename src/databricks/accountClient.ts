/** Account console calls: the service principal's lifecycle (implements `AccountApi`). */
import type { AccountApi, CallOptions, CreatedOAuthSecret, OAuthSecretInfo, ServicePrincipal } from './api';
import type { HttpTransport } from './http';
import * as S from './schemas';
import { createSecret, listSecretsAll, scimListAll, seg } from './workspaceClient';

const SCIM_PATCH = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';

export class AccountClient implements AccountApi {
  constructor(
    readonly host: string,
    readonly accountId: string,
    private readonly transport: HttpTransport,
  ) {}

  private get base(): string {
    return `/api/2.0/accounts/${seg(this.accountId)}`;
  }

  listServicePrincipals(filter?: string, opts: CallOptions = {}): Promise<ServicePrincipal[]> {
    return scimListAll(this.transport, `${this.base}/scim/v2/ServicePrincipals`, filter, opts);
  }

  createServicePrincipal(displayName: string, opts: CallOptions = {}): Promise<ServicePrincipal> {
    return this.transport.request(
      { method: 'POST', path: `${this.base}/scim/v2/ServicePrincipals`, body: { displayName, active: true }, schema: S.ServicePrincipal, idempotent: false },
      opts,
    );
  }

  getServicePrincipal(id: string, opts: CallOptions = {}): Promise<ServicePrincipal> {
    return this.transport.request({ method: 'GET', path: `${this.base}/scim/v2/ServicePrincipals/${seg(id)}`, schema: S.ServicePrincipal }, opts);
  }

  async setServicePrincipalActive(id: string, active: boolean, opts: CallOptions = {}): Promise<void> {
    await this.transport.request(
      {
        method: 'PATCH',
        path: `${this.base}/scim/v2/ServicePrincipals/${seg(id)}`,
        body: { schemas: [SCIM_PATCH], Operations: [{ op: 'replace', path: 'active', value: active }] },
        schema: S.Empty,
      },
      opts,
    );
  }

  listSpSecrets(spId: string, opts: CallOptions = {}): Promise<OAuthSecretInfo[]> {
    return listSecretsAll(this.transport, `${this.base}/servicePrincipals/${seg(spId)}/credentials/secrets`, opts);
  }

  createSpSecret(spId: string, lifetimeSeconds?: number, opts: CallOptions = {}): Promise<CreatedOAuthSecret> {
    return createSecret(this.transport, `${this.base}/servicePrincipals/${seg(spId)}/credentials/secrets`, lifetimeSeconds, opts);
  }

  async deleteSpSecret(spId: string, secretId: string, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `${this.base}/servicePrincipals/${seg(spId)}/credentials/secrets/${seg(secretId)}`, schema: S.Empty }, opts);
  }

  async assignToWorkspace(workspaceId: string, spId: string, permissions: string[], opts: CallOptions = {}): Promise<void> {
    await this.transport.request(
      { method: 'PUT', path: `${this.base}/workspaces/${seg(workspaceId)}/permissionassignments/principals/${seg(spId)}`, body: { permissions }, schema: S.Empty },
      opts,
    );
  }

  async removeFromWorkspace(workspaceId: string, spId: string, opts: CallOptions = {}): Promise<void> {
    await this.transport.request({ method: 'DELETE', path: `${this.base}/workspaces/${seg(workspaceId)}/permissionassignments/principals/${seg(spId)}`, schema: S.Empty }, opts);
  }
}
