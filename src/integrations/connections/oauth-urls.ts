import { createHash, randomBytes } from 'node:crypto';
import { resolveBaseUrl } from '../../core/upstream';

/**
 * Points an OAuth endpoint at the same place the plugin's API calls go. A URL under the production
 * baseUrl keeps its path below the resolved base; one on another host (an authorize page) keeps its
 * path on the resolved base when an override is in force, so a simulator serves it. Without an
 * override the URL is returned unchanged.
 */
export function rebaseOAuthUrl(url: string, plugin: { name: string; baseUrl: string }, connectionBaseUrl?: string | null, env = process.env): string {
  const production = plugin.baseUrl.replace(/\/+$/, '');
  const resolved = resolveBaseUrl(plugin, connectionBaseUrl, env);
  if (resolved === production) return url;
  if (url.startsWith(`${production}/`) || url === production) return resolved + url.slice(production.length);
  const u = new URL(url);
  return resolved + u.pathname + u.search;
}

/** base64url of 32 random bytes: a state, or an RFC 7636 code verifier (43 characters). */
export function randomToken(): string {
  return randomBytes(32).toString('base64url');
}

export function pkceChallenge(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}

export function sha256(value: string): string {
  return createHash('sha256').update(value).digest('hex');
}
