import { createHash } from 'node:crypto';
import type { OAuth2Auth } from '../../core/plugin-sdk';
import { OAuthServerSim, SimulatorServer } from '../../core/plugin-sdk/simulator';
import { requestToken, revokeToken, TokenEndpointError } from './oauth-token.client';

/** The token client against a platform that takes the client only as a Basic header, as X does. */
describe('token endpoint client authentication', () => {
  let server: SimulatorServer;
  let oauth: OAuthServerSim;
  let url: string;
  const redirectUri = 'https://hub.example/oauth/callback';
  const verifier = 'v'.repeat(43);
  const method = { kind: 'oauth2', revokeStyle: 'rfc7009', clientAuth: 'basic' } as OAuth2Auth;

  beforeAll(async () => {
    oauth = new OAuthServerSim({ paths: { authorize: '/authorize', token: '/token', revoke: '/revoke' }, accessTokenTtlSeconds: 60, refreshTokens: true, pkce: 'required', clientAuth: 'basic' });
    server = new SimulatorServer({ name: 'basic-oauth', authenticate: () => null, errorBody: (status, message) => ({ status, message }) });
    oauth.install(server);
    url = await server.listen();
  });
  afterAll(() => server.close());

  const code = async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: oauth.clientId, redirect_uri: redirectUri, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const res = await fetch(`${url}/authorize?${q}`, { redirect: 'manual' });
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  };
  const client = () => ({ clientId: oauth.clientId, clientSecret: oauth.clientSecret });
  const exchange = async (how: 'basic' | 'body') =>
    requestToken(`${url}/token`, { grant_type: 'authorization_code', code: await code(), redirect_uri: redirectUri, code_verifier: verifier }, client(), how);

  it('exchanges a code, refreshes and revokes with a Basic header when the plugin declares clientAuth basic', async () => {
    const tokens = await exchange('basic');
    expect(tokens).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    const refreshed = await requestToken(`${url}/token`, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken! }, client(), 'basic');
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    await revokeToken(method, `${url}/revoke`, refreshed.refreshToken!, 'refresh_token', client());
    await expect(requestToken(`${url}/token`, { grant_type: 'refresh_token', refresh_token: refreshed.refreshToken! }, client(), 'basic')).rejects.toMatchObject({ status: 400, permanent: true });
  });

  it('is refused, for good, when it sends the secret in the form to such a platform', async () => {
    const refused = await exchange('body').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenEndpointError);
    expect(refused).toMatchObject({ status: 401, permanent: true, message: expect.stringMatching(/unauthorized_client.*Missing valid authorization header/) });
    await expect(revokeToken({ ...method, clientAuth: 'body' }, `${url}/revoke`, 'any', 'refresh_token', client())).rejects.toThrow(/revocation answered 401/);
  });
});
