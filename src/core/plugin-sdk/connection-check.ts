import { UpstreamError } from './http.types';
import type { ConnectionCheckResult } from './plugin.types';

/**
 * What a connection check answers when the platform refused the credentials (401 or 403): the
 * platform's own words (`said` picks them from its error body), since a refusal is an answer about
 * the connection, not a failure of the check. Any other error is rethrown.
 */
export function refusedCredentials(e: unknown, said: (body: unknown) => string | null | undefined): ConnectionCheckResult {
  if (e instanceof UpstreamError && (e.status === 401 || e.status === 403)) {
    return { ok: false, detail: said(e.body) ?? `${e.plugin} refused the credentials (${e.status})` };
  }
  throw e;
}
