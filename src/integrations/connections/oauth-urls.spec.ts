import { rebaseOAuthUrl } from './oauth-urls';

describe('rebaseOAuthUrl', () => {
  const plugin = { name: 'acme', baseUrl: 'https://api.acme.example' };

  it('leaves URLs alone without an override', () => {
    expect(rebaseOAuthUrl('https://api.acme.example/oauth/token', plugin, null, {})).toBe('https://api.acme.example/oauth/token');
    expect(rebaseOAuthUrl('https://app.acme.example/authorize', plugin, null, {})).toBe('https://app.acme.example/authorize');
  });

  it('moves URLs under the production base, and other hosts by path, onto the env override', () => {
    const env = { PLUGIN_ACME_BASE_URL: 'http://127.0.0.1:9999/' };
    expect(rebaseOAuthUrl('https://api.acme.example/oauth/v1/token', plugin, null, env)).toBe('http://127.0.0.1:9999/oauth/v1/token');
    expect(rebaseOAuthUrl('https://app.acme.example/oauth/authorize', plugin, null, env)).toBe('http://127.0.0.1:9999/oauth/authorize');
  });

  it("prefers the connection's own base URL", () => {
    expect(rebaseOAuthUrl('https://api.acme.example/revoke', plugin, 'http://sandbox.local', { PLUGIN_ACME_BASE_URL: 'http://x' })).toBe('http://sandbox.local/revoke');
  });
});
