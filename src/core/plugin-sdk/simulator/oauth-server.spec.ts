import { createHash } from 'node:crypto';
import { OAuthServerSim } from './oauth-server';
import { SimulatorServer } from './simulator-server';

describe('OAuthServerSim', () => {
  let server: SimulatorServer;
  let oauth: OAuthServerSim;
  let url: string;
  const redirectUri = 'https://hub.example/oauth/callback';
  const verifier = 'v'.repeat(43);
  const challenge = createHash('sha256').update(verifier).digest('base64url');

  beforeAll(async () => {
    oauth = new OAuthServerSim({
      paths: { authorize: '/oauth/authorize', token: '/oauth/token', revoke: '/oauth/revoke' },
      accessTokenTtlSeconds: 3600, refreshTokens: true, pkce: 'required', tokenPrefix: 'tok_', extraTokenFields: (scope) => ({ scope }),
    });
    server = new SimulatorServer({
      name: 'oauth-test',
      authenticate: (req) => (oauth.isOAuthPath(req.path) || oauth.bearer(req) === 'valid' ? null : { status: 401, body: { state: oauth.bearer(req) } }),
      errorBody: (status, message) => ({ status, message }),
    });
    oauth.install(server);
    server.route('GET', '/me', () => ({ body: { ok: true } }));
    url = await server.listen();
  });
  afterAll(() => server.close());

  const authorize = async (params: Record<string, string>) => {
    const res = await fetch(`${url}/oauth/authorize?${new URLSearchParams({ response_type: 'code', client_id: oauth.clientId, redirect_uri: redirectUri, state: 's', ...params })}`, { redirect: 'manual' });
    return { status: res.status, location: res.headers.get('location'), body: res.status === 302 ? null : await res.json() };
  };
  const token = async (form: Record<string, string>, headers: Record<string, string> = {}) => {
    const res = await fetch(`${url}/oauth/token`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers }, body: new URLSearchParams(form) });
    return { status: res.status, body: (await res.json()) as Record<string, string> };
  };
  const codeFor = async () => new URL((await authorize({ code_challenge: challenge, code_challenge_method: 'S256', scope: 'read write' })).location!).searchParams.get('code')!;
  const client = () => ({ client_id: oauth.clientId, client_secret: oauth.clientSecret });

  it('redirects with a code and the state, and refuses an authorization without a PKCE challenge or with an unknown client', async () => {
    const ok = await authorize({ code_challenge: challenge, code_challenge_method: 'S256' });
    expect(ok.status).toBe(302);
    expect(new URL(ok.location!).searchParams.get('state')).toBe('s');
    expect(await authorize({})).toEqual({ status: 400, location: null, body: { error: 'invalid_request', error_description: 'code_challenge is required' } });
    expect((await authorize({ client_id: 'someone-else', code_challenge: challenge, code_challenge_method: 'S256' })).body).toMatchObject({ error: 'invalid_client' });
  });

  it('exchanges a code once, with the verifier, the same redirect_uri and client credentials in the form or a Basic header', async () => {
    const wrongVerifier = await token({ ...client(), grant_type: 'authorization_code', code: await codeFor(), redirect_uri: redirectUri, code_verifier: 'w'.repeat(43) });
    expect(wrongVerifier).toEqual({ status: 400, body: { error: 'invalid_grant', error_description: 'the code_verifier does not match the code_challenge' } });
    const code = await codeFor();
    const basic = `Basic ${Buffer.from(`${oauth.clientId}:${oauth.clientSecret}`).toString('base64')}`;
    const issued = await token({ grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier }, { authorization: basic });
    expect(issued).toEqual({ status: 200, body: { access_token: expect.stringMatching(/^tok_/), token_type: 'bearer', expires_in: 3600, scope: 'read write', refresh_token: expect.stringMatching(/^tok_/) } });
    expect((await token({ ...client(), grant_type: 'authorization_code', code, redirect_uri: redirectUri, code_verifier: verifier })).body.error).toBe('invalid_grant');
    expect((await token({ client_id: oauth.clientId, client_secret: 'wrong', grant_type: 'refresh_token', refresh_token: issued.body.refresh_token })).status).toBe(401);
    const me = await fetch(`${url}/me`, { headers: { authorization: `Bearer ${issued.body.access_token}` } });
    expect(me.status).toBe(200);
  });

  it('rotates refresh tokens, revokes them, and tells valid, expired and unknown bearer tokens apart', async () => {
    const issued = (await token({ ...client(), grant_type: 'authorization_code', code: await codeFor(), redirect_uri: redirectUri, code_verifier: verifier })).body;
    const refreshed = await token({ ...client(), grant_type: 'refresh_token', refresh_token: issued.refresh_token });
    expect(refreshed.body.scope).toBe('read write');
    expect((await token({ ...client(), grant_type: 'refresh_token', refresh_token: issued.refresh_token })).body.error).toBe('invalid_grant');
    const revoked = await fetch(`${url}/oauth/revoke`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams({ token: refreshed.body.refresh_token }) });
    expect(revoked.status).toBe(200);
    expect((await token({ ...client(), grant_type: 'refresh_token', refresh_token: refreshed.body.refresh_token })).body.error).toBe('invalid_grant');
    const expired = oauth.issueAccessToken(-1);
    const states = await Promise.all([expired, 'nope'].map(async (t) => (await (await fetch(`${url}/me`, { headers: { authorization: `Bearer ${t}` } })).json()) as { state: string }));
    expect(states.map((s) => s.state)).toEqual(['expired', 'unknown']);
  });
});
