import { DataSource } from 'typeorm';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type request from 'supertest';
import { TenantDirectory } from '../../src/core/tenancy';
import { startSimulator, type HubspotSimulator } from '../../src/plugins/hubspot/simulator/hubspot.simulator';
import stripe from '../../src/plugins/stripe';
import type { RunningSimulator } from '../../src/core/plugin-sdk';
import { startSyncApiApp, syncTestConfig } from '../support/sync-test-app';
import type { TestConnectionAccess } from '../support/test-connections';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

type Props = Record<string, string | null>;
interface Pair { a: HubspotSimulator; b: HubspotSimulator; connA: string; connB: string }

const CONTACT_FIELDS = { email: 'email', firstName: 'firstname', lastName: 'lastname', phone: 'phone' };
const MAPPING = [{ from: 'email', to: 'email' }, { from: 'firstName', to: 'firstName' }, { from: 'lastName', to: 'lastName' }, { from: 'phone', to: 'phone' }];

/**
 * Sync flows between two HubSpot portals (two simulators): creates and updates propagate through
 * the plugin's actions, conflicts are settled by strategy or by a person, and our own writes coming
 * back in the next sync are recognised (the simulators' call logs show no second write).
 */
describe('sync flows between two HubSpot simulators', () => {
  let db: TestDatabase;
  const redis = createTestRedisPrefix('flows');
  let app: NestFastifyApplication;
  let access: TestConnectionAccess;
  let http: () => ReturnType<typeof request>;
  let auth: { Authorization: string };
  let tenantId: string;
  let ds: DataSource;
  const sims: RunningSimulator[] = [];

  async function signup(who: string): Promise<{ auth: { Authorization: string }; tenantId: string }> {
    const res = await http().post('/api/v1/auth/signup').send({ email: `${who}-${Date.now()}-${Math.random()}@example.test`, password: 'correct horse battery staple', tenantName: who }).expect(201);
    return { auth: { Authorization: `Bearer ${res.body.accessToken}` }, tenantId: res.body.tenant.id };
  }

  async function pair(): Promise<Pair> {
    const a = await startSimulator({ seed: 0 });
    const b = await startSimulator({ seed: 0 });
    sims.push(a, b);
    return {
      a, b,
      connA: access.add({ tenantId, plugin: 'hubspot', baseUrl: a.url, credentials: a.credentials }),
      connB: access.add({ tenantId, plugin: 'hubspot', baseUrl: b.url, credentials: b.credentials }),
    };
  }

  const hs = async (sim: HubspotSimulator, method: string, path: string, body?: unknown) => {
    const res = await fetch(`${sim.url}${path}`, { method, headers: { authorization: `Bearer ${sim.credentials.accessToken}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body) });
    return (await res.json()) as { id: string; properties: Props };
  };
  const createContact = (sim: HubspotSimulator, properties: Props) => hs(sim, 'POST', '/crm/v3/objects/contacts', { properties });
  const contact = async (sim: HubspotSimulator, idOrEmail: string): Promise<Props> =>
    (await hs(sim, 'GET', `/crm/v3/objects/contacts/${encodeURIComponent(idOrEmail)}?properties=email,firstname,lastname,phone${idOrEmail.includes('@') ? '&idProperty=email' : ''}`)).properties;
  /** an edit in the HubSpot UI */
  const edit = (sim: HubspotSimulator, id: string, properties: Props) =>
    fetch(`${sim.url}/__sim/touch`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ objectType: 'contacts', ids: [id], properties }) });
  /** writes the simulator received: creates and updates of contacts */
  const writes = async (sim: HubspotSimulator) => {
    const n = async (b: unknown) => ((await (await fetch(`${sim.url}/__sim/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(b) })).json()) as { count: number }).count;
    return { creates: await n({ method: 'POST', path: '/crm/v3/objects/contacts' }), updates: await n({ method: 'PATCH' }) };
  };
  const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

  async function sync(connectionId: string): Promise<void> {
    const res = await http().post(`/api/v1/connections/${connectionId}/syncs`).set(auth).send({ entity: 'contacts', mode: 'incremental' }).expect(202);
    const end = Date.now() + 30_000;
    for (;;) {
      const run = (await http().get(`/api/v1/sync-runs/${res.body.id}`).set(auth).expect(200)).body;
      if (run.status === 'succeeded') return;
      if (['failed', 'cancelled'].includes(run.status) || Date.now() > end) throw new Error(`run ${run.id} ${run.status}: ${run.error}`);
      await sleep(50);
    }
  }

  async function createFlow(p: Pair, body: Record<string, unknown>): Promise<string> {
    const res = await http().post('/api/v1/sync-flows').set(auth).send({
      name: 'portal a to portal b', mapping: MAPPING,
      source: { connectionId: p.connA, entity: 'contacts', write: { create: 'create_contact', update: 'update_contact', fields: CONTACT_FIELDS } },
      target: { connectionId: p.connB, entity: 'contacts', write: { create: 'create_contact', update: 'update_contact', fields: CONTACT_FIELDS } },
      ...body,
    });
    expect(res.status).toBe(201);
    return res.body.id;
  }

  /** waits for the flow applied on sync.completed to reach the newest change of its streams */
  async function waitApplied(flowId: string, p: Pair): Promise<void> {
    const end = Date.now() + 15_000;
    for (;;) {
      const flow = (await http().get(`/api/v1/sync-flows/${flowId}`).set(auth).expect(200)).body;
      const [{ m }] = await ds.query(`SELECT coalesce(max(id), 0)::text AS m FROM sync_changes WHERE connection_id = ANY($1::uuid[])`, [[p.connA, p.connB]]);
      if (BigInt(flow.cursor) >= BigInt(m)) return;
      if (Date.now() > end) throw new Error(`flow ${flowId} stuck at ${flow.cursor} < ${m}`);
      await sleep(50);
    }
  }

  const apply = async (flowId: string) => (await http().post(`/api/v1/sync-flows/${flowId}/apply`).set(auth).expect(200)).body;
  const history = async (flowId: string) => (await http().get(`/api/v1/sync-flows/${flowId}/history`).set(auth).expect(200)).body.data as { direction: string; op: string; fields: string[]; before: Props; after: Props; reason: string }[];

  /** a two-way flow with one contact created on A and linked to its copy on B, the echo already settled */
  async function linkedContact(p: Pair, body: Record<string, unknown>, props: Props): Promise<{ flowId: string; idA: string; idB: string }> {
    const flowId = await createFlow(p, { direction: 'two_way', autoApply: false, ...body });
    const made = await createContact(p.a, props);
    await sync(p.connA);
    expect(await apply(flowId)).toMatchObject({ created: 1, errors: [] });
    await sync(p.connB);
    expect(await apply(flowId)).toMatchObject({ created: 0, updated: 0, errors: [] });
    const [link] = await ds.query(`SELECT target_external_id FROM sync_links WHERE flow_id = $1`, [flowId]);
    return { flowId, idA: made.id, idB: link.target_external_id };
  }

  beforeAll(async () => {
    db = await createTestDatabase('flows');
    ({ app, access, http } = await startSyncApiApp(syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix })));
    ds = app.get(DataSource);
    ({ auth, tenantId } = await signup('flows-a'));
    await ds.query(`UPDATE tenants SET plan = 'enterprise' WHERE id = $1`, [tenantId]);
    app.get(TenantDirectory).invalidate(tenantId);
  });
  afterAll(async () => {
    await app?.close();
    for (const s of sims) await s.close();
    await db?.drop();
    await redis.purge();
  });

  it('one-way: a create and an update on the source reach the target when the sync completes; a re-sync writes nothing', async () => {
    const p = await pair();
    const flowId = await createFlow(p, { direction: 'one_way', conflict: 'source_wins' });
    const made = await createContact(p.a, { email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace' });
    await sync(p.connA);
    await waitApplied(flowId, p);
    expect(await contact(p.b, 'ada@example.com')).toMatchObject({ email: 'ada@example.com', firstname: 'Ada', lastname: 'Lovelace', phone: null });

    await edit(p.a, made.id, { firstname: 'Augusta' });
    await sync(p.connA);
    await waitApplied(flowId, p);
    expect(await contact(p.b, 'ada@example.com')).toMatchObject({ firstname: 'Augusta', lastname: 'Lovelace' });
    const h = await history(flowId);
    expect(h.map((e) => [e.direction, e.op])).toEqual([['source_to_target', 'created'], ['source_to_target', 'updated']]);
    expect(h[1]).toMatchObject({ fields: ['firstName'], before: { firstName: 'Ada' }, after: { firstName: 'Augusta' } });

    // target edits do not flow back in a one-way flow, and nothing new is written
    const before = [await writes(p.a), await writes(p.b)];
    await sync(p.connB);
    await sync(p.connA);
    await waitApplied(flowId, p);
    expect([await writes(p.a), await writes(p.b)]).toEqual(before);
    expect(await history(flowId)).toHaveLength(2);
  });

  it('two-way: our own write synced back is recognised and causes no new write on either side', async () => {
    const p = await pair();
    const { flowId, idA, idB } = await linkedContact(p, { conflict: 'newest_wins' }, { email: 'echo@example.com', firstname: 'Echo' });
    await edit(p.b, idB, { phone: '+1 555 0100' });
    await sync(p.connB);
    expect(await apply(flowId)).toMatchObject({ updated: 1 });
    expect((await contact(p.a, idA)).phone).toBe('+1 555 0100');
    const before = [await writes(p.a), await writes(p.b)];
    // A now holds the phone we wrote: the next sync of A brings it back as a change
    await sync(p.connA);
    const changed = await ds.query(`SELECT count(*)::int AS n FROM sync_changes WHERE connection_id = $1 AND external_id = $2`, [p.connA, idA]);
    expect(changed[0].n).toBe(2);
    expect(await apply(flowId)).toMatchObject({ processed: 1, created: 0, updated: 0, skipped: 1 });
    expect([await writes(p.a), await writes(p.b)]).toEqual(before);
    expect(await history(flowId)).toHaveLength(2);
  });

  it('two-way newest_wins: the side edited last wins a field both sides changed, in either direction', async () => {
    const p = await pair();
    const { flowId, idA, idB } = await linkedContact(p, { conflict: 'newest_wins' }, { email: 'grace@example.com', firstname: 'Grace', lastname: 'Hopper' });
    await edit(p.b, idB, { firstname: 'Older B' });
    await sleep(30);
    await edit(p.a, idA, { firstname: 'Newer A' });
    await sync(p.connA);
    await sync(p.connB);
    expect(await apply(flowId)).toMatchObject({ updated: 1, conflicts: 0 });
    expect((await contact(p.b, idB)).firstname).toBe('Newer A');
    expect((await contact(p.a, idA)).firstname).toBe('Newer A');

    await edit(p.a, idA, { lastname: 'Older A' });
    await sleep(30);
    await edit(p.b, idB, { lastname: 'Newer B' });
    await sync(p.connA);
    await sync(p.connB);
    expect(await apply(flowId)).toMatchObject({ updated: 1 });
    expect((await contact(p.a, idA)).lastname).toBe('Newer B');
    expect((await contact(p.b, idB)).lastname).toBe('Newer B');
    const h = (await history(flowId)).slice(-2);
    expect(h.map((e) => [e.direction, e.reason])).toEqual([['source_to_target', 'conflict:newest_wins:source'], ['target_to_source', 'conflict:newest_wins:target']]);
  });

  it('manual: a field changed on both sides waits as an open conflict, the rest applies, and resolving writes the choice', async () => {
    const p = await pair();
    const { flowId, idA, idB } = await linkedContact(p, { conflict: 'manual' }, { email: 'alan@example.com', firstname: 'Alan' });
    await edit(p.a, idA, { firstname: 'Source Alan', phone: '+1 555 0142' });
    await edit(p.b, idB, { firstname: 'Target Alan' });
    await sync(p.connA);
    await sync(p.connB);
    expect(await apply(flowId)).toMatchObject({ conflicts: 1, updated: 1 });
    expect(await contact(p.b, idB)).toMatchObject({ firstname: 'Target Alan', phone: '+1 555 0142' });
    expect((await contact(p.a, idA)).firstname).toBe('Source Alan');

    const open = (await http().get('/api/v1/conflicts?status=open').set(auth).expect(200)).body.data;
    expect(open).toHaveLength(1);
    expect(open[0]).toMatchObject({ flowId, fields: ['firstName'], sourceValues: { firstName: 'Source Alan' }, targetValues: { firstName: 'Target Alan' }, status: 'open' });
    await http().post(`/api/v1/conflicts/${open[0].id}/resolve`).set(auth).send({ choose: 'nobody' }).expect(400);
    const resolved = await http().post(`/api/v1/conflicts/${open[0].id}/resolve`).set(auth).send({ choose: 'target' }).expect(200);
    expect(resolved.body).toMatchObject({ status: 'resolved', applied: { firstName: 'Target Alan' } });
    expect((await contact(p.a, idA)).firstname).toBe('Target Alan');
    expect((await http().get('/api/v1/conflicts?status=open').set(auth).expect(200)).body.data).toEqual([]);
    await http().post(`/api/v1/conflicts/${open[0].id}/resolve`).set(auth).send({ choose: 'source' }).expect(422);
    expect((await history(flowId)).at(-1)).toMatchObject({ direction: 'target_to_source', reason: 'resolved:target', after: { firstName: 'Target Alan' } });

    // the resolution synced back is no change
    const before = [await writes(p.a), await writes(p.b)];
    await sync(p.connA);
    expect(await apply(flowId)).toMatchObject({ updated: 0, conflicts: 0 });
    expect([await writes(p.a), await writes(p.b)]).toEqual(before);
  });

  it('merge: fields changed on one side only are merged both ways; a field changed on both follows the merge rule', async () => {
    const p = await pair();
    const { flowId, idA, idB } = await linkedContact(p, { conflict: 'merge', mergeRule: 'source_wins' }, { email: 'barbara@example.com', firstname: 'Barbara', lastname: 'Liskov' });
    await edit(p.a, idA, { firstname: 'Barb', lastname: 'From A' });
    await sleep(30);
    await edit(p.b, idB, { phone: '+1 555 0177', lastname: 'From B' });
    await sync(p.connA);
    await sync(p.connB);
    expect(await apply(flowId)).toMatchObject({ updated: 2, conflicts: 0 });
    const want = { email: 'barbara@example.com', firstname: 'Barb', lastname: 'From A', phone: '+1 555 0177' };
    expect(await contact(p.a, idA)).toMatchObject(want);
    expect(await contact(p.b, idB)).toMatchObject(want);
  });

  it('one-way to Stripe: contacts become customers through create_customer; Stripe being create-only, later edits write nothing', async () => {
    const a = await startSimulator({ seed: 0 });
    const s = await (await stripe.simulator!()).startSimulator({ seed: 0 });
    sims.push(a, s);
    const connA = access.add({ tenantId, plugin: 'hubspot', baseUrl: a.url, credentials: a.credentials });
    const connS = access.add({ tenantId, plugin: 'stripe', baseUrl: s.url, credentials: s.credentials });
    const res = await http().post('/api/v1/sync-flows').set(auth).send({
      name: 'contacts to stripe', source: { connectionId: connA, entity: 'contacts' }, target: { connectionId: connS, entity: 'customers', write: { create: 'create_customer' } },
      mapping: [{ from: 'email', to: 'email' }, { from: 'firstName', to: 'name' }], direction: 'one_way', conflict: 'source_wins',
    }).expect(201);
    const stripeCreates = async () => ((await (await fetch(`${s.url}/__sim/calls`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ method: 'POST', path: '/v1/customers' }) })).json()) as { count: number }).count;
    const made = await createContact(a, { email: 'ken@example.com', firstname: 'Ken' });
    await sync(connA);
    await waitApplied(res.body.id, { a, b: a, connA, connB: connS });
    expect(await stripeCreates()).toBe(1);
    const [link] = await ds.query(`SELECT target_external_id FROM sync_links WHERE flow_id = $1`, [res.body.id]);
    expect(link.target_external_id).toMatch(/^cus_/);
    await edit(a, made.id, { firstname: 'Kenneth' });
    await sync(connA);
    await waitApplied(res.body.id, { a, b: a, connA, connB: connS });
    expect(await stripeCreates()).toBe(1);
    expect((await http().get(`/api/v1/sync-flows/${res.body.id}`).set(auth).expect(200)).body.lastError).toBeNull();
  });

  it('validates flows (400 naming fields), refuses connections it cannot open (404), and keeps tenants apart', async () => {
    const p = await pair();
    const bad = await http().post('/api/v1/sync-flows').set(auth).send({
      name: 'x', source: { connectionId: 'nope', entity: 'contacts' }, target: { connectionId: p.connB }, mapping: [{ from: 'email' }], direction: 'one_way', conflict: 'merge', mergeRule: 'coin_flip',
    }).expect(400);
    const fields = (bad.body.errors as { field: string }[]).map((e) => e.field);
    expect(fields).toEqual(expect.arrayContaining(['mergeRule']));
    const bad2 = await http().post('/api/v1/sync-flows').set(auth).send({
      name: 'x', source: { connectionId: 'nope', entity: 'contacts' }, target: { connectionId: p.connB }, mapping: [{ from: 'email' }], direction: 'one_way', conflict: 'merge',
    }).expect(400);
    expect((bad2.body.errors as { field: string }[]).map((e) => e.field)).toEqual(expect.arrayContaining(['source.connectionId', 'target.entity', 'mapping.0.to']));
    const unknown = await http().post('/api/v1/sync-flows').set(auth).send({
      name: 'x', source: { connectionId: p.connA, entity: 'tickets' }, target: { connectionId: p.connB, entity: 'contacts' }, mapping: MAPPING, direction: 'one_way', conflict: 'source_wins',
    }).expect(400);
    expect((unknown.body.errors as { field: string }[]).map((e) => e.field)).toEqual(['source.entity']);
    const flowId = await createFlow(p, { direction: 'one_way', conflict: 'target_wins' });

    const other = await signup('flows-b');
    await http().post('/api/v1/sync-flows').set(other.auth).send({
      name: 'steal', source: { connectionId: p.connA, entity: 'contacts' }, target: { connectionId: p.connB, entity: 'contacts' }, mapping: MAPPING, direction: 'one_way', conflict: 'source_wins',
    }).expect(404);
    await http().get(`/api/v1/sync-flows/${flowId}`).set(other.auth).expect(404);
    await http().get(`/api/v1/sync-flows/${flowId}/history`).set(other.auth).expect(404);
    await http().post(`/api/v1/sync-flows/${flowId}/apply`).set(other.auth).expect(404);
    await http().delete(`/api/v1/sync-flows/${flowId}`).set(other.auth).expect(404);
    expect((await http().get('/api/v1/sync-flows').set(other.auth).expect(200)).body.data).toEqual([]);
    expect((await http().get('/api/v1/conflicts').set(other.auth).expect(200)).body.data).toEqual([]);

    await http().delete(`/api/v1/sync-flows/${flowId}`).set(auth).expect(204);
    await http().get(`/api/v1/sync-flows/${flowId}`).set(auth).expect(404);
  });
});
