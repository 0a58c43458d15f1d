import { createHash } from 'node:crypto';
import type { OAuth2Auth } from '../../core/plugin-sdk';
import { startSimulator, type TwitterSimulator } from '../../plugins/twitter/simulator/twitter.simulator';
import { requestToken, revokeToken, TokenEndpointError } from './oauth-token.client';

/** The token client against X's token endpoints, which take a confidential client only as a Basic header. */
describe('token endpoint client authentication', () => {
  let x: TwitterSimulator;
  let url: string;
  const redirectUri = 'https://hub.example/oauth/callback';
  const verifier = 'v'.repeat(43);
  const method = { kind: 'oauth2', revokeStyle: 'rfc7009', clientAuth: 'basic' } as OAuth2Auth;

  beforeAll(async () => {
    x = await startSimulator({ seed: 0 });
    url = x.url;
  });
  afterAll(() => x?.close());

  const code = async () => {
    const q = new URLSearchParams({ response_type: 'code', client_id: x.oauthClient.clientId, redirect_uri: redirectUri, code_challenge: createHash('sha256').update(verifier).digest('base64url'), code_challenge_method: 'S256' });
    const res = await fetch(`${url}/i/oauth2/authorize?${q}`, { redirect: 'manual' });
    return new URL(res.headers.get('location')!).searchParams.get('code')!;
  };
  const client = () => x.oauthClient;
  const exchange = async (how: 'basic' | 'body') =>
    requestToken(`${url}/2/oauth2/token`, { grant_type: 'authorization_code', code: await code(), redirect_uri: redirectUri, code_verifier: verifier }, client(), how);

  it('exchanges a code, refreshes and revokes with a Basic header when the plugin declares clientAuth basic', async () => {
    const tokens = await exchange('basic');
    expect(tokens).toMatchObject({ accessToken: expect.any(String), refreshToken: expect.any(String) });
    const refreshed = await requestToken(`${url}/2/oauth2/token`, { grant_type: 'refresh_token', refresh_token: tokens.refreshToken! }, client(), 'basic');
    expect(refreshed.accessToken).not.toBe(tokens.accessToken);
    await revokeToken(method, `${url}/2/oauth2/revoke`, refreshed.refreshToken!, 'refresh_token', client());
    await expect(requestToken(`${url}/2/oauth2/token`, { grant_type: 'refresh_token', refresh_token: refreshed.refreshToken! }, client(), 'basic')).rejects.toMatchObject({ status: 400, permanent: true });
  });

  it('is refused, for good, when it sends the secret in the form to such a platform', async () => {
    const refused = await exchange('body').catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(TokenEndpointError);
    expect(refused).toMatchObject({ status: 401, permanent: true, message: expect.stringMatching(/unauthorized_client.*Missing valid authorization header/) });
    await expect(revokeToken({ ...method, clientAuth: 'body' }, `${url}/2/oauth2/revoke`, 'any', 'refresh_token', client())).rejects.toThrow(/revocation answered 401/);
  });
});
