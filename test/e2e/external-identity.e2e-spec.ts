import { generateKeyPairSync } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

/** Tokens of an external identity provider (Clerk, Auth0) verified through its JWKS URL. */
describe('external identity provider tokens', () => {
  const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const other = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const kid = 'test-key-1';
  const issuer = 'https://idp.example.test';
  const audience = 'plugboard';
  let jwks: Server;
  let t: TestApp;
  let owner: TenantSession;

  beforeAll(async () => {
    jwks = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [{ ...publicKey.export({ format: 'jwk' }), kid, use: 'sig', alg: 'RS256' }] }));
    });
    await new Promise<void>((r) => jwks.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(jwks.address() as AddressInfo).port}/.well-known/jwks.json`;
    t = await startTestApp({ label: 'jwks', env: { AUTH_JWKS_URL: url, AUTH_JWKS_ISSUER: issuer, AUTH_JWKS_AUDIENCE: audience } });
    owner = await t.signup('idp');
  });
  afterAll(async () => {
    await t.close();
    await new Promise((r) => jwks.close(r));
  });

  const sign = (claims: object, opts: Partial<jwt.SignOptions> = {}, key = privateKey) =>
    jwt.sign({ exp: Math.floor(Date.now() / 1000) + 300, ...claims }, key, { algorithm: 'RS256', keyid: kid, issuer, audience, ...opts });

  it('accepts a token whose email names a Plugboard user, as that user', async () => {
    const res = await t.http().get('/api/v1/me').set('Authorization', `Bearer ${sign({ sub: 'idp|1', email: owner.email })}`).expect(200);
    expect(res.body).toMatchObject({ kind: 'user', actorId: owner.userId, tenant: { id: owner.tenantId } });
  });

  it('still accepts Plugboard tokens', async () => {
    await t.http().get('/api/v1/me').set(owner.auth).expect(200);
  });

  it('refuses unknown users, wrong issuer or audience, expired tokens and foreign signatures', async () => {
    const bad = [
      sign({ email: 'nobody@example.test' }),
      sign({ email: owner.email }, { issuer: 'https://evil.example.test' }),
      sign({ email: owner.email }, { audience: 'someone-else' }),
      sign({ email: owner.email, exp: Math.floor(Date.now() / 1000) - 60 }),
      sign({ email: owner.email }, {}, other.privateKey),
    ];
    for (const token of bad) await t.http().get('/api/v1/me').set('Authorization', `Bearer ${token}`).expect(401);
  });
});
