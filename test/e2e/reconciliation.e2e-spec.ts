import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { startTestApp, type TestApp, type TenantSession } from '../support/test-app';

interface Member { recordId: string; connectionId: string; externalId: string; evidence: { key: string; value: string; with: string[] }[]; score: number }
interface Group { id: string; model: string; status: string; score: number; members: Member[] }

/**
 * Records of one unified model synced from two platforms (a HubSpot portal and a Pipedrive account)
 * are written straight into sync_records, with emails that differ in case and whitespace, phones in
 * different formats, and an explicit cross reference; reconciliation must group exactly the right ones.
 */
describe('reconciliation across connections', () => {
  let t: TestApp;
  let a: TenantSession;
  let b: TenantSession;
  let ds: DataSource;
  const hub = randomUUID();
  const pipe = randomUUID();
  const rec: Record<string, string> = {};

  async function put(tenantId: string, name: string, conn: string, model: string, unified: Record<string, unknown>, remote = '2026-01-01T00:00:00Z'): Promise<string> {
    const plugin = conn === hub ? 'hubspot' : 'pipedrive';
    const externalId = `${plugin === 'hubspot' ? 'hs' : 'pd'}-${name}`;
    const [r] = await ds.query(
      `INSERT INTO sync_records (tenant_id, connection_id, plugin, entity, model, external_id, raw, unified, hash, remote_updated_at)
       VALUES ($1, $2, $3, $4, $5, $6, '{}', $7::jsonb, '\\x00', $8) RETURNING id::text AS id`,
      [tenantId, conn, plugin, model === 'company' ? 'companies' : 'contacts', model, externalId, JSON.stringify(unified), remote],
    );
    rec[name] = r.id;
    return r.id;
  }
  const run = async (model: string, who = a) => (await t.http().post('/api/v1/reconciliation/runs').set(who.auth).send({ model }).expect(200)).body;
  const groups = async (q = '', who = a): Promise<Group[]> => (await t.http().get(`/api/v1/reconciliation/groups${q}`).set(who.auth).expect(200)).body.data;
  const sets = (gs: Group[]) => gs.map((g) => g.members.map((m) => m.recordId).sort()).sort((x, y) => x[0].localeCompare(y[0]));
  const pair = (...names: string[]) => names.map((n) => rec[n]).sort();

  beforeAll(async () => {
    t = await startTestApp({ label: 'reconcile' });
    ds = t.app.get(DataSource);
    a = await t.signup('recon-a');
    b = await t.signup('recon-b');
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [a.tenantId]);

    await put(a.tenantId, 'ada', hub, 'contact', { email: 'Ada.Lovelace@Example.com', firstName: 'Ada', lastName: null, phone: '+1 (555) 010-0001' }, '2026-03-01T00:00:00Z');
    await put(a.tenantId, 'ada', pipe, 'contact', { email: '  ada.lovelace@example.com\t', firstName: 'Augusta', lastName: 'Lovelace', phone: '555.010.0001', companyName: 'Analytical Engines' }, '2026-02-01T00:00:00Z');
    rec.adaHub = (await ds.query(`SELECT id::text FROM sync_records WHERE external_id = 'hs-ada'`))[0].id;
    rec.adaPipe = rec.ada;
    await put(a.tenantId, 'graceH', hub, 'contact', { email: 'grace@navy.mil' });
    await put(a.tenantId, 'graceP', pipe, 'contact', { email: 'GRACE@Navy.mil ' });
    await put(a.tenantId, 'alanH', hub, 'contact', { email: 'alan@example.org', phone: '+44 20 7946 0000' });
    await put(a.tenantId, 'alanP', pipe, 'contact', { email: 'turing@example.org', phone: '020 7946 0000' });
    // gmail dots are significant: no match
    await put(a.tenantId, 'dotH', hub, 'contact', { email: 'a.b@gmail.com' });
    await put(a.tenantId, 'dotP', pipe, 'contact', { email: 'ab@gmail.com' });
    // the same email twice in one connection is not a cross-platform match
    await put(a.tenantId, 'sameH1', hub, 'contact', { email: 'same@conn.test' });
    await put(a.tenantId, 'sameH2', hub, 'contact', { email: 'Same@conn.test' });
    // an explicit cross reference and nothing else in common
    await put(a.tenantId, 'xrefH', hub, 'contact', { email: 'one@x.test' });
    await put(a.tenantId, 'xrefP', pipe, 'contact', { email: 'two@y.test', externalIds: { HubSpot: 'hs-xrefH' } });
    // a short phone matches nothing
    await put(a.tenantId, 'shortH', hub, 'contact', { phone: '12-34' });
    await put(a.tenantId, 'shortP', pipe, 'contact', { phone: '1234' });
    // companies: a website URL and an email's domain meet; free-mail domains do not
    await put(a.tenantId, 'acmeH', hub, 'company', { name: 'Acme', domain: 'https://www.Acme.io/about' });
    await put(a.tenantId, 'acmeP', pipe, 'company', { name: 'ACME Inc', email: 'billing@acme.io' });
    await put(a.tenantId, 'mailH', hub, 'company', { name: 'Solo', domain: 'gmail.com' });
    await put(a.tenantId, 'mailP', pipe, 'company', { name: 'Other solo', email: 'x@gmail.com' });
  });
  afterAll(async () => {
    await t?.close();
  });

  let alanGroup: string;
  let adaGroup: string;

  it('groups the matching contacts of two platforms, with the keys and values as evidence', async () => {
    const counts = await run('contact');
    expect(counts).toMatchObject({ model: 'contact', records: 14, candidatePairs: 4, keptApartPairs: 0, proposed: 4, created: 4, unchanged: 0, removed: 0 });
    const gs = await groups('?model=contact&status=proposed');
    expect(sets(gs)).toEqual([pair('adaHub', 'adaPipe'), pair('graceH', 'graceP'), pair('alanH', 'alanP'), pair('xrefH', 'xrefP')].sort((x, y) => x[0].localeCompare(y[0])));
    const ada = gs.find((g) => g.members.some((m) => m.recordId === rec.adaHub))!;
    const hubMember = ada.members.find((m) => m.recordId === rec.adaHub)!;
    expect(hubMember.evidence).toEqual([
      { key: 'email', value: 'ada.lovelace@example.com', with: [rec.adaPipe] },
      { key: 'phone', value: '5550100001', with: [rec.adaPipe] },
    ]);
    expect(hubMember.connectionId).toBe(hub);
    const alan = gs.find((g) => g.members.some((m) => m.recordId === rec.alanH))!;
    expect(alan.members[0].evidence).toEqual([{ key: 'phone', value: '2079460000', with: [expect.any(String)] }]);
    const xref = gs.find((g) => g.members.some((m) => m.recordId === rec.xrefH))!;
    expect(xref.members[0].evidence).toEqual([{ key: 'external_id', value: 'hubspot:hs-xrefH', with: [rec.xrefP] }]);
    // two keys weigh more than one
    expect(ada.score).toBeGreaterThan(gs.find((g) => g === alan)!.score);
    expect(ada.score).toBeGreaterThan(gs.find((g) => g.members.some((m) => m.recordId === rec.graceH))!.score);
    alanGroup = alan.id;
    adaGroup = ada.id;
  });

  it('a rerun changes nothing: same groups, same ids, no duplicates', async () => {
    const before = (await groups('?model=contact')).map((g) => g.id).sort();
    const counts = await run('contact');
    expect(counts).toMatchObject({ proposed: 4, created: 0, unchanged: 4, removed: 0 });
    expect((await groups('?model=contact')).map((g) => g.id).sort()).toEqual(before);
    expect(Number((await ds.query(`SELECT count(*) AS n FROM record_group_members WHERE tenant_id = $1`, [a.tenantId]))[0].n)).toBe(8);
  });

  it('a pair kept apart is not proposed again', async () => {
    const res = await t.http().post(`/api/v1/reconciliation/groups/${alanGroup}/keep-apart`).set(a.auth).expect(200);
    expect(res.body.status).toBe('kept_apart');
    const counts = await run('contact');
    expect(counts).toMatchObject({ candidatePairs: 4, keptApartPairs: 1, proposed: 3, created: 0, removed: 0 });
    expect(await groups('?model=contact&status=kept_apart')).toHaveLength(1);
    const proposed = await groups('?model=contact&status=proposed');
    expect(proposed.flatMap((g) => g.members.map((m) => m.recordId))).not.toContain(rec.alanH);
    // a kept-apart group cannot then be merged
    await t.http().post(`/api/v1/reconciliation/groups/${alanGroup}/merge`).set(a.auth).expect(409);
  });

  it('a new record matching one side of a kept-apart pair is proposed with that side only', async () => {
    // matches alanH (other connection) by phone; alanP is in its own connection, and kept apart from alanH
    await put(a.tenantId, 'alan3', pipe, 'contact', { email: 'a.turing@example.org', phone: '(20) 7946-0000' });
    const counts = await run('contact');
    expect(counts).toMatchObject({ keptApartPairs: 1, proposed: 4, created: 1, removed: 0 });
    const proposed = await groups('?model=contact&status=proposed');
    const withAlan = proposed.filter((g) => g.members.some((m) => [rec.alanH, rec.alanP, rec.alan3].includes(m.recordId)));
    expect(sets(withAlan)).toEqual([pair('alanH', 'alan3')]);
  });

  it('merging shows a golden record with the source of every field', async () => {
    const res = await t.http().post(`/api/v1/reconciliation/groups/${adaGroup}/merge`).set(a.auth).expect(200);
    expect(res.body.status).toBe('merged');
    const view = (await t.http().get(`/api/v1/reconciliation/groups/${adaGroup}`).set(a.auth).expect(200)).body;
    expect(view.status).toBe('merged');
    // HubSpot's record is the newer one: its values win where it has them
    expect(view.golden.email).toMatchObject({ value: 'Ada.Lovelace@Example.com', recordId: rec.adaHub, plugin: 'hubspot', connectionId: hub, externalId: 'hs-ada' });
    expect(view.golden.firstName).toMatchObject({ value: 'Ada', recordId: rec.adaHub });
    expect(view.golden.lastName).toMatchObject({ value: 'Lovelace', recordId: rec.adaPipe, plugin: 'pipedrive' });
    expect(view.golden.companyName).toMatchObject({ value: 'Analytical Engines', recordId: rec.adaPipe });
    // merged stays merged and is not proposed again
    const counts = await run('contact');
    expect(counts).toMatchObject({ proposed: 3, removed: 0 });
    expect((await groups('?status=merged')).map((g) => g.id)).toEqual([adaGroup]);
  });

  it('a new record matching a merged group is proposed with it; merging absorbs the old group', async () => {
    await put(a.tenantId, 'ada2', pipe, 'contact', { email: 'ADA.lovelace@example.com' });
    const counts = await run('contact');
    expect(counts).toMatchObject({ proposed: 4, created: 1 });
    const grown = (await groups('?status=proposed')).find((g) => g.members.length === 3)!;
    expect(grown.members.map((m) => m.recordId).sort()).toEqual(pair('adaHub', 'adaPipe', 'ada2'));
    await t.http().post(`/api/v1/reconciliation/groups/${grown.id}/merge`).set(a.auth).expect(200);
    expect((await groups('?status=merged')).map((g) => g.id)).toEqual([grown.id]);
  });

  it('matches companies on the domain of a website or an email, never on a mail provider', async () => {
    const counts = await run('company');
    expect(counts).toMatchObject({ model: 'company', records: 4, proposed: 1 });
    const [g] = await groups('?model=company');
    expect(g.members.map((m) => m.recordId).sort()).toEqual(pair('acmeH', 'acmeP'));
    expect(g.members[0].evidence).toEqual([{ key: 'domain', value: 'acme.io', with: [expect.any(String)] }]);
  });

  it("another tenant sees none of it: 404 on A's groups, and its own runs find nothing", async () => {
    await t.http().get(`/api/v1/reconciliation/groups/${alanGroup}`).set(b.auth).expect(404);
    await t.http().post(`/api/v1/reconciliation/groups/${alanGroup}/merge`).set(b.auth).expect(404);
    await t.http().post(`/api/v1/reconciliation/groups/${adaGroup}/keep-apart`).set(b.auth).expect(404);
    expect(await groups('', b)).toEqual([]);
    expect(await run('contact', b)).toMatchObject({ records: 0, proposed: 0 });
    expect((await t.http().get(`/api/v1/reconciliation/groups/${alanGroup}`).set(a.auth).expect(200)).body.status).toBe('kept_apart');
  });

  it('validates its input', async () => {
    await t.http().post('/api/v1/reconciliation/runs').set(a.auth).send({ model: 'spaceship' }).expect(400);
    await t.http().get('/api/v1/reconciliation/groups?status=maybe').set(a.auth).expect(400);
    await t.http().get('/api/v1/reconciliation/groups/not-a-uuid').set(a.auth).expect(400);
    await t.http().get(`/api/v1/reconciliation/groups/${randomUUID()}`).set(a.auth).expect(404);
  });
});
