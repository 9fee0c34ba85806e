/**
 * A `TokenProbe` over the real client: gets an OAuth M2M token for the SP and makes the guide's
 * connectivity call with it. An answer other than "credentials rejected" proves a token was issued.
 */
import type { ClientOptions } from '../../databricks';
import type { TokenCheck, TokenProbe } from './rotation';
import { kindOf, problemFrom } from './result';

/** Probe against `host` (the workspace); extra client options (agents, timeouts) pass through. */
export function workspaceTokenProbe(host: string, base: Omit<ClientOptions, 'host' | 'auth'> = {}): TokenProbe {
  return async (clientId, secret, signal): Promise<TokenCheck> => {
    try {
      // Loaded on first use: the REST client (axios, zod) stays off the extension's activation path.
      const { createWorkspaceClient } = await import('../../databricks');
      const client = await createWorkspaceClient({ retry: { maxAttempts: 2 }, ...base, host, auth: { type: 'oauth-m2m', clientId, clientSecret: secret.reveal() } });
      await client.listWorkspace('/', { signal });
      return { ok: true };
    } catch (e) {
      const kind = kindOf(e);
      // The token was issued; the SP merely lacks rights on this call.
      if (kind === 'permission' || kind === 'not-found') return { ok: true };
      return { ok: false, refused: kind === 'auth', reason: problemFrom(e, 'Getting a token').message };
    }
  };
}
