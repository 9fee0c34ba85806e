/**
 * Emergency revocation's view of the access domain: the ledger's grants and the exact revoke
 * (plan + apply) that `AccessService` already does for the revoke command.
 */
import type { AccessService } from '../accessService';
import type { LedgerRevoker } from './emergency';

/** A `LedgerRevoker` over the access service of the connected workspace. */
export function accessLedgerRevoker(service: AccessService): LedgerRevoker {
  const ctx = service.context;
  const host = ctx.api.host;
  const appId = ctx.principal.applicationId;
  return {
    grantedJobIds: () => ctx.ledger.grantedJobs(host, appId),
    grantedObjects: async () => [...(await ctx.ledger.grants(host, appId)).values()].map((g) => g.object),
    revokeJobs: async (jobIds, opts) => {
      const plan = await service.planRevoke(jobIds, { signal: opts?.signal });
      return (await service.apply(plan, { signal: opts?.signal })).jobs;
    },
  };
}
