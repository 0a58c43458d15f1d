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

type ClientAuth = NonNullable<OAuth2Auth['clientAuth']>;

/**
 * The form and headers of a request the app authenticates: client_secret_post puts the id and
 * secret in the form; client_secret_basic sends them as a Basic header, each form-encoded first.
 */
function authenticated(params: Record<string, string>, client: OAuthClientCredentials | null, how: ClientAuth): { body: string; headers: Record<string, string> } {
  const headers: Record<string, string> = { 'content-type': 'application/x-www-form-urlencoded' };
  if (client && how === 'basic') {
    const pair = `${formEncode(client.clientId)}:${formEncode(client.clientSecret)}`;
    headers.authorization = `Basic ${Buffer.from(pair, 'utf8').toString('base64')}`;
    return { body: new URLSearchParams(params).toString(), headers };
  }
  return { body: new URLSearchParams({ ...params, ...(client ? { client_id: client.clientId, client_secret: client.clientSecret } : {}) }).toString(), headers };
}

const formEncode = (v: string): string => new URLSearchParams({ v }).toString().slice(2);

/** Calls a token endpoint (RFC 6749 section 4): form-encoded, the client authenticated as the platform asks. */
export async function requestToken(tokenUrl: string, params: Record<string, string>, client: OAuthClientCredentials, how: ClientAuth = 'body'): Promise<TokenSet> {
  const { body, headers } = authenticated(params, client, how);
  let status: number;
  let text: string;
  try {
    const res = await request(tokenUrl, {
      method: 'POST', body, headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS,
      headers: { ...headers, accept: 'application/json', 'user-agent': 'Plugboard/0.1' },
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
    : await request(revokeUrl, { method: 'POST', headersTimeout: TIMEOUT_MS, bodyTimeout: TIMEOUT_MS, ...authenticated({ token, token_type_hint: hint }, client, method.clientAuth ?? 'body') });
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
