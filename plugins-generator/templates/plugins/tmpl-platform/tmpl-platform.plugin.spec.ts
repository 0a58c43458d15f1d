import { verifyWebhook, type SyncDefinition } from '../../core/plugin-sdk';
import { fetchAllPages, pluginTestContext, type PluginTestContext } from '../../core/plugin-sdk/testing';
import { createTmplItemAction } from './actions/create-tmpl-item.action';
import plugin from './index';
import { startSimulator, type TmplPlatformSimulator } from './simulator/tmpl-platform.simulator';
import { tmplItemsSync } from './syncs/tmpl-items.sync'; // @each entity

const SEED = 250;

describe('Tmpl Platform plugin against its simulator', () => {
  let sim: TmplPlatformSimulator;
  let ctx: PluginTestContext;

  beforeAll(async () => {
    sim = await startSimulator({ seed: SEED });
    ctx = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials });
  });

  afterAll(async () => {
    await ctx.close();
    await sim.close();
  });

  it.each(Object.keys(plugin.entities))('syncs every one of the %s the platform holds, page by page, as it holds them', async (entity) => {
    const sync = plugin.entities[entity] as SyncDefinition<{ tmpl_id: string | number }>;
    const { records, pages } = await fetchAllPages(sync, ctx);
    expect(records).toEqual(sim.records[entity as keyof TmplPlatformSimulator['records']]);
    expect(records).toHaveLength(SEED);
    expect(pages).toBeGreaterThanOrEqual(3);
    expect(new Set(records.map((r) => sync.externalId(r))).size).toBe(SEED);
  });

  // @each entity
  it('maps tmpl items onto the unified product model', () => { // @sub [product] model
    const [raw] = sim.records.tmpl_items;
    expect(tmplItemsSync.toUnified(raw)).toEqual({
      name: raw.tmpl_field, // @each mapping @sub [name] unified
    });
    expect(tmplItemsSync.externalId(raw)).toBe(String(raw.tmpl_id));
  });

  // @end
  it('creates one tmpl item, which the next sync returns', async () => {
    const i = SEED + 1000;
    const input = createTmplItemAction.input.parse({
      tmpl_field: `tmpl field ${i}`, // @each createField @sub [`tmpl field ${i}`] sample
    });
    const made = createTmplItemAction.output.parse(await createTmplItemAction.run(ctx, input));
    const { records } = await fetchAllPages(tmplItemsSync, ctx);
    expect(records.map((r) => String(r.tmpl_id))).toContain(String(made.tmpl_id));
    expect(records).toHaveLength(SEED + 1);
    expect(createTmplItemAction.input.safeParse({}).success).toBe(false); // @if required
  });

  it('checks the connection', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true });
  });

  // @if auth!=none
  it('reports refused credentials as a failed check, without throwing', async () => {
    const wrong = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { ...sim.credentials, apiKey: 'wrong' } }); // @sub [apiKey] secretField
    try {
      await expect(plugin.checkConnection(wrong)).resolves.toEqual({ ok: false, detail: 'Tmpl Platform refused the credentials (401)' });
    } finally {
      await wrong.close();
    }
  });

  // @end

  it('verifies webhook signatures over the raw body, and refuses unsigned, tampered and wrongly keyed deliveries', () => {
    const body = JSON.stringify({ id: 'evt_1', type: 'tmpl_item.updated', created_at: new Date().toISOString(), data: { tmpl_id: 'x1' } });
    const delivery = (headers: Record<string, string>, raw = body) => ({ method: 'POST', url: 'https://hub.example/webhooks/tmpl-platform', headers, body: Buffer.from(raw) });
    const { scheme } = plugin.webhooks!;
    const secret = sim.credentials.webhookSecret;
    expect(verifyWebhook(scheme, secret, delivery(sim.sign(body)))).toMatchObject({ ok: true });
    expect(verifyWebhook(scheme, secret, delivery({}))).toEqual({ ok: false, reason: 'missing_signature' });
    expect(verifyWebhook(scheme, secret, delivery(sim.sign(body), body.replace('updated', 'deleted')))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verifyWebhook(scheme, `${secret}x`, delivery(sim.sign(body)))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(plugin.webhooks!.parse(JSON.parse(body), {})).toEqual([
      { id: 'evt_1', type: 'tmpl_item.updated', occurredAt: expect.any(Date), entity: 'tmpl_items', externalIds: ['x1'], data: { tmpl_id: 'x1' } },
    ]);
    expect(() => plugin.webhooks!.parse({ something: 'else' }, {})).toThrow();
  });

  it('loads its simulator lazily through the manifest', async () => {
    const mod = await plugin.simulator!();
    expect(mod.startSimulator).toBe(startSimulator);
  });
});
