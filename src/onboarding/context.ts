import type { WorkspaceApi } from '../databricks/api';
import type { Ledger } from './ledger';
import type { PlanOptions, ZipherPrincipal } from './model';

/** Everything planning and applying need; built once per connection by the VS Code layer. */
export interface AccessContext {
  api: WorkspaceApi;
  principal: ZipherPrincipal;
  ledger: Ledger;
  options: PlanOptions;
  /** who is connected (SCIM Me userName), written into the ledger */
  actor: string;
}
