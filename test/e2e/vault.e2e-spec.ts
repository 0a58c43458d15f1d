import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { RequestContext, type Principal } from '../../src/core/tenancy';
import { VaultService } from '../../src/core/vault';
import { createTestDatabase, type TestDatabase } from '../support/test-database';
import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

const key = () => randomBytes(32).toString('base64');
const K1 = `k1:${key()}`;
const K2 = `k2:${key()}`;

function principal(tenantId: string): Principal {
  return { kind: 'system', tenantId, actorId: 'test', role: 'owner', scopes: ['admin'], plan: 'free', rateLimit: 60 };
}

function asTenant<T>(t: TestApp, tenantId: string, fn: (vault: VaultService) => Promise<T>): Promise<T> {
  return t.app.get(RequestContext).runAsTenant(principal(tenantId), () => fn(t.app.get(VaultService)));
}

describe('credential vault', () => {
  let db: TestDatabase;
  let a: TenantSession;
  let b: TenantSession;
  const secret = { secretKey: `sk_live_${randomBytes(12).toString('hex')}`, webhookSecret: `whsec_${randomBytes(12).toString('hex')}` };
  const entries: string[] = [];
  let apiKey: string;

  beforeAll(async () => {
    db = await createTestDatabase('vault');
    const t = await startTestApp({ db, env: { VAULT_KEYS: K1 } });
    a = await t.signup('vault-a');
    b = await t.signup('vault-b');
    apiKey = (await t.http().post('/api/v1/api-keys').set(a.auth).send({ name: 'x', scopes: ['read'] }).expect(201)).body.key;
    for (let i = 0; i < 3; i++) entries.push(await asTenant(t, a.tenantId, (v) => v.put(secret)));
    await t.close();
  });
  afterAll(() => db.drop());

  it('leaves no plaintext secret, password or token in a dump of the database', () => {
    const dump = execFileSync('pg_dump', ['--data-only', '--no-owner', db.url], { maxBuffer: 64 * 1024 * 1024 }).toString('utf8');
    expect(dump).toContain('vault_entries');
    for (const plain of [secret.secretKey, secret.webhookSecret, a.password, apiKey, a.refreshToken]) {
      expect({ found: dump.includes(plain), what: plain.slice(0, 6) }).toEqual({ found: false, what: plain.slice(0, 6) });
    }
    // and the API key is findable by its non-secret prefix, as documented
    expect(dump).toContain(apiKey.slice(0, 10));
  });

  let tampered: string;

  it('keeps one tenant out of another tenant\'s entries, even with the row in hand', async () => {
    const t = await startTestApp({ db, env: { VAULT_KEYS: K1 } });
    try {
      await expect(asTenant(t, b.tenantId, (v) => v.get(entries[0]))).rejects.toThrow(/not found/);
      // moving A's ciphertext under B's tenant id fails authentication: the tenant is in the AAD
      const c = new Client({ connectionString: db.url });
      await c.connect();
      const stolen = await asTenant(t, b.tenantId, (v) => v.put({ x: 'y' }));
      await c.query(
        'UPDATE vault_entries SET ciphertext = src.ciphertext, iv = src.iv, tag = src.tag FROM vault_entries src WHERE vault_entries.id = $1 AND src.id = $2',
        [stolen, entries[0]],
      );
      await c.end();
      await expect(asTenant(t, b.tenantId, (v) => v.get(stolen))).rejects.toThrow();
      tampered = stolen;
      expect(await asTenant(t, a.tenantId, (v) => v.get(entries[0]))).toEqual(secret);
    } finally {
      await t.close();
    }
  });

  it('rotates every entry to the new key; the old key can then be dropped', async () => {
    const both = await startTestApp({ db, env: { VAULT_KEYS: `${K2},${K1}` } });
    try {
      // the tampered entry is reported, not fatal: the rotation goes on for everything else
      expect(await both.app.get(VaultService).rotateAll(2)).toEqual({ moved: 3, unreadable: [tampered] });
      expect(await both.app.get(VaultService).rotateAll()).toEqual({ moved: 0, unreadable: [tampered] });
      const c = new Client({ connectionString: db.url });
      await c.connect();
      await c.query('DELETE FROM vault_entries WHERE id = $1', [tampered]);
      await c.end();
    } finally {
      await both.close();
    }
    const c = new Client({ connectionString: db.url });
    await c.connect();
    const { rows } = await c.query('SELECT DISTINCT key_id FROM vault_entries');
    await c.end();
    expect(rows).toEqual([{ key_id: 'k2' }]);

    const onlyNew = await startTestApp({ db, env: { VAULT_KEYS: K2 } });
    try {
      for (const id of entries) expect(await asTenant(onlyNew, a.tenantId, (v) => v.get(id))).toEqual(secret);
    } finally {
      await onlyNew.close();
    }
    const onlyOld = await startTestApp({ db, env: { VAULT_KEYS: K1 } });
    try {
      await expect(asTenant(onlyOld, a.tenantId, (v) => v.get(entries[0]))).rejects.toThrow(/k2 is not in VAULT_KEYS/);
    } finally {
      await onlyOld.close();
    }
  });

});
