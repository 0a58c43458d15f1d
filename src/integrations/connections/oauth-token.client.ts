import { request } from 'undici';
import type { OAuth2Auth } from '../../core/plugin-sdk';

export interface OAuthClientCredentials {
  clientId: string;
  clientSecret: string;
}

export interface TokenSet {
  accessToken: string;
  /** absent when the platform did not send a new one (keep the old one) */
  refreshToken?: string;
  expiresAt: Date | null;
}

/**
 * A token endpoint's refusal. `permanent` (a 400 or 401: invalid_grant, a revoked refresh token, a
 * wrong client) means trying again cannot help and the user must re-authorize; otherwise (5xx,
 * 429, network) it may pass.
 */
export class TokenEndpointError extends Error {
  constructor(readonly permanent: boolean, readonly status: number, message: string) {
    super(message);
    this.name = 'TokenEndpointError';
  }
}

const TIMEOUT_MS = 15_000;

/**
 * Calls a token endpoint (RFC 6749 section 4): form-encoded, client authenticated with
 * client_secret_post, which the reference platforms require and most others accept.
 */
export async function requestToken(tokenUrl: string, params: Record<string, string>, client: OAuthClientCredentials): Promise<TokenSet> {
  const body = new URLSearchParams({ ...params, client_id: client.clientId, client_secret: client.clientSecret }).toString();
  let status: number;
  let text: string;
  try {
    const res = await request(tokenUrl, {
      method: 'POST', body, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS,
      headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', 'user-agent': 'Plugboard/0.1' },
    });
    status = res.statusCode;
    text = await res.body.text();
  } catch (e) {
    throw new TokenEndpointError(false, 0, `token endpoint unreachable: ${(e as Error).message}`);
  }
  const json = parseJson(text);
  if (status >= 400) {
    const reason = String(json?.error ?? json?.status ?? `HTTP ${status}`);
    const description = json?.error_description ?? json?.message;
    throw new TokenEndpointError(status === 400 || status === 401, status, `token endpoint refused (${status} ${reason})${description ? `: ${String(description)}` : ''}`);
  }
  if (typeof json?.access_token !== 'string') throw new TokenEndpointError(false, status, 'token endpoint answered without an access_token');
  const expiresIn = Number(json.expires_in);
  return {
    accessToken: json.access_token,
    refreshToken: typeof json.refresh_token === 'string' ? json.refresh_token : undefined,
    expiresAt: Number.isFinite(expiresIn) && expiresIn > 0 ? new Date(Date.now() + expiresIn * 1000) : null,
  };
}

/** Revokes a token where the platform supports it: RFC 7009 POST, or DELETE on revokeUrl/{token}. */
export async function revokeToken(method: OAuth2Auth, revokeUrl: string, token: string, hint: 'refresh_token' | 'access_token', client: OAuthClientCredentials | null): Promise<void> {
  const res = method.revokeStyle === 'path'
    ? await request(`${revokeUrl.replace(/\/+$/, '')}/${encodeURIComponent(token)}`, { method: 'DELETE', headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS })
    : await request(revokeUrl, {
      method: 'POST', headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token, token_type_hint: hint, ...(client ? { client_id: client.clientId, client_secret: client.clientSecret } : {}) }).toString(),
    });
  await res.body.dump();
  if (res.statusCode >= 400) throw new Error(`revocation answered ${res.statusCode}`);
}

function parseJson(text: string): Record<string, any> | null {
  try {
    const v = JSON.parse(text) as unknown;
    return typeof v === 'object' && v !== null ? (v as Record<string, any>) : null;
  } catch {
    return null;
  }
}
