import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { SimRequest, SimResponse, SimulatorServer } from './simulator-server';

export interface OAuthServerOptions {
  /** where the platform serves its authorize page, token and (optional) RFC 7009 revocation endpoints */
  paths: { authorize: string; token: string; revoke?: string };
  accessTokenTtlSeconds: number;
  /** whether the token endpoint hands out refresh tokens (some platforms only do for approved apps) */
  refreshTokens: boolean;
  /** `required`: an authorization without an S256 code challenge is refused */
  pkce: 'required' | 'optional';
  /** makes tokens look like the platform's */
  tokenPrefix?: string;
  /** fields a token answer carries besides the RFC 6749 ones (the granted scope, say) */
  extraTokenFields?(scope: string): Record<string, unknown>;
  /** `basic`: the token and revocation endpoints take the client only as an HTTP Basic header; by default the form or the header */
  clientAuth?: 'basic' | 'any';
}

interface PendingCode {
  redirectUri: string;
  scope: string;
  challenge: string | null;
}

export type BearerState = 'valid' | 'expired' | 'unknown';

/**
 * An RFC 6749 authorization server for simulators: an authorize "page" that approves at once and
 * redirects with a code, a token endpoint (authorization_code with PKCE, refresh_token; client
 * credentials in the form or a Basic header), optional RFC 7009 revocation, and bearer checks for
 * the API routes. Errors are the RFC's `{ error, error_description }` bodies.
 */
export class OAuthServerSim {
  readonly clientId = randomUUID();
  readonly clientSecret = randomBytes(24).toString('base64url');
  private readonly codes = new Map<string, PendingCode>();
  private readonly refresh = new Map<string, string>(); // refresh token -> scope
  private readonly access = new Map<string, number>(); // access token -> expiry (ms)

  constructor(private readonly opts: OAuthServerOptions) {}

  /** The app's id and secret, as a plugin test or the demo configures the platform's OAuth app with them. */
  get client(): { clientId: string; clientSecret: string } {
    return { clientId: this.clientId, clientSecret: this.clientSecret };
  }

  install(server: SimulatorServer): this {
    const { paths } = this.opts;
    server.route('GET', paths.authorize, (req) => this.authorize(req));
    server.route('POST', paths.token, (req) => this.token(req));
    if (paths.revoke) server.route('POST', paths.revoke, (req) => this.revoke(req));
    return this;
  }

  /** the authorize, token and revocation endpoints take no bearer token */
  isOAuthPath(path: string): boolean {
    return Object.values(this.opts.paths).includes(path);
  }

  /** A token as if an authorization had happened: for plugin tests and the demo. */
  issueAccessToken(ttlSeconds = this.opts.accessTokenTtlSeconds): string {
    const token = this.mint();
    this.access.set(token, Date.now() + ttlSeconds * 1000);
    return token;
  }

  /** What the request's `Authorization: Bearer` token is to this server. */
  bearer(req: SimRequest): BearerState {
    const token = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    const expiry = token ? this.access.get(token) : undefined;
    if (expiry === undefined) return 'unknown';
    return expiry > Date.now() ? 'valid' : 'expired';
  }

  private authorize(req: SimRequest): SimResponse {
    const q = req.query as Record<string, string | undefined>;
    if (q.client_id !== this.clientId) return oauthError(400, 'invalid_client', 'unknown client_id');
    if (!q.redirect_uri) return oauthError(400, 'invalid_request', 'redirect_uri is required');
    if (q.response_type !== 'code') return oauthError(400, 'unsupported_response_type', 'response_type must be code');
    const challenge = q.code_challenge ?? null;
    if (challenge && q.code_challenge_method !== 'S256') return oauthError(400, 'invalid_request', 'code_challenge_method must be S256');
    if (!challenge && this.opts.pkce === 'required') return oauthError(400, 'invalid_request', 'code_challenge is required');
    const code = randomBytes(18).toString('base64url');
    this.codes.set(code, { redirectUri: q.redirect_uri, scope: q.scope ?? '', challenge });
    const location = new URL(q.redirect_uri);
    location.searchParams.set('code', code);
    if (q.state) location.searchParams.set('state', q.state);
    return { status: 302, headers: { location: location.toString() } };
  }

  private token(req: SimRequest): SimResponse {
    const f = (typeof req.body === 'object' && req.body ? req.body : {}) as Record<string, string | undefined>;
    const refused = this.refuseClient(req, f);
    if (refused) return refused;
    let scope: string;
    if (f.grant_type === 'authorization_code') {
      const pending = f.code ? this.codes.get(f.code) : undefined;
      if (!pending) return oauthError(400, 'invalid_grant', 'the authorization code is unknown, used or expired');
      this.codes.delete(f.code!);
      if (pending.redirectUri !== f.redirect_uri) return oauthError(400, 'invalid_grant', 'redirect_uri differs from the one authorized');
      if (pending.challenge && sha256url(f.code_verifier ?? '') !== pending.challenge) return oauthError(400, 'invalid_grant', 'the code_verifier does not match the code_challenge');
      scope = pending.scope;
    } else if (f.grant_type === 'refresh_token') {
      const known = f.refresh_token ? this.refresh.get(f.refresh_token) : undefined;
      if (known === undefined) return oauthError(400, 'invalid_grant', 'the refresh token is unknown or revoked');
      this.refresh.delete(f.refresh_token!);
      scope = known;
    } else {
      return oauthError(400, 'unsupported_grant_type', 'grant_type must be authorization_code or refresh_token');
    }
    const body: Record<string, unknown> = {
      access_token: this.issueAccessToken(), token_type: 'bearer', expires_in: this.opts.accessTokenTtlSeconds, ...this.opts.extraTokenFields?.(scope),
    };
    if (this.opts.refreshTokens) {
      const refreshToken = this.mint();
      this.refresh.set(refreshToken, scope);
      body.refresh_token = refreshToken;
    }
    return { body, headers: { 'cache-control': 'no-store' } };
  }

  /** RFC 7009: the answer is 200 whether or not the token was known. */
  private revoke(req: SimRequest): SimResponse {
    const f = (typeof req.body === 'object' && req.body ? req.body : {}) as Record<string, string | undefined>;
    // a platform that authenticates clients by header does so on revocation too
    if (this.opts.clientAuth === 'basic') {
      const refused = this.refuseClient(req, f);
      if (refused) return refused;
    }
    const token = f.token;
    if (!token) return oauthError(400, 'invalid_request', 'token is required');
    this.refresh.delete(token);
    this.access.delete(token);
    return { body: {} };
  }

  /** The platform's answer to a request whose client is missing or wrong; null when it is this server's client. */
  private refuseClient(req: SimRequest, form: Record<string, string | undefined>): SimResponse | null {
    const basic = /^Basic\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (!basic && this.opts.clientAuth === 'basic') return oauthError(401, 'unauthorized_client', 'Missing valid authorization header');
    let id = form.client_id;
    let secret = form.client_secret;
    if (basic) {
      // RFC 6749 section 2.3.1: each part form-encoded before the pair is base64-encoded
      const pair = Buffer.from(basic, 'base64').toString('utf8');
      const colon = pair.indexOf(':');
      [id, secret] = colon < 0 ? [undefined, undefined] : [formDecode(pair.slice(0, colon)), formDecode(pair.slice(colon + 1))];
    }
    return id === this.clientId && secret === this.clientSecret ? null : oauthError(401, 'invalid_client', 'client authentication failed');
  }

  private mint(): string {
    return `${this.opts.tokenPrefix ?? ''}${randomBytes(32).toString('base64url')}`;
  }
}

function formDecode(v: string): string | undefined {
  try {
    return decodeURIComponent(v.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

function oauthError(status: number, error: string, description: string): SimResponse {
  return { status, body: { error, error_description: description }, headers: { 'cache-control': 'no-store' } };
}

function sha256url(value: string): string {
  return createHash('sha256').update(value).digest('base64url');
}
