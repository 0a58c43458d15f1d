import { join } from 'node:path';
import { fetchAllPages, type PluginTestContext, pluginTestContext, publishThrough, requestStatus, simControl, type SimulatedPlugin, simulatePlugin } from '../../core/plugin-sdk/testing';
import { loadOpenApi, type OpenApiConformance } from '../../../test/support/openapi-conformance';
import plugin from './index';
import { startSimulator, type SlackSimulator } from './simulator/slack.simulator';

// parsing the 1.2 MB document and compiling its schemas takes a few seconds
jest.setTimeout(60_000);

/** Error codes the live API answers with that the 2021 document's enums predate. */
const NEWER_ERROR_CODES = ['ratelimited', 'fatal_error', 'service_unavailable'];

/**
 * Where the published document and the live API part ways, patched on the parsed copy: the token is
 * modelled as a required `token` header (or query) parameter, while clients send it as
 * `Authorization: Bearer` (which the operations' security already requires); refusals are described
 * as the `default` answer, while Slack sends them with HTTP 200 (so a 200 is either shape); and the
 * error enums lack codes Slack answers with today.
 */
function patchSlackDocument(doc: Record<string, any>): void {
  for (const item of Object.values<Record<string, any>>(doc.paths)) {
    for (const op of Object.values<Record<string, any>>(item)) {
      if (!Array.isArray(op.parameters)) continue;
      op.parameters = op.parameters.filter((p: { name?: string }) => p.name !== 'token');
      const success = op.responses?.['200']?.content?.['application/json'];
      const refusal = op.responses?.default?.content?.['application/json']?.schema;
      if (!success || !refusal) continue;
      if (Array.isArray(refusal.properties?.error?.enum)) {
        refusal.properties.error.enum.push(...NEWER_ERROR_CODES.filter((c) => !refusal.properties.error.enum.includes(c)));
      }
      success.schema = { anyOf: [success.schema, refusal] };
    }
  }
}

describe('slack conformance with slack_web_openapi_v2.json', () => {
  let spec: OpenApiConformance;
  let sim: SlackSimulator;
  let ctx: PluginTestContext;
  let env: SimulatedPlugin<SlackSimulator>;

  beforeAll(async () => {
    spec = loadOpenApi(join(__dirname, 'spec', 'slack_web_openapi_v2.json'), patchSlackDocument);

    env = await simulatePlugin(plugin, startSimulator, { seed: 30 });

    ({ sim, ctx } = env);

  });

  afterAll(() => env.close());

  const faults = (body: unknown) => simControl(sim, 'faults', body);

  it('every recorded request and answer of the plugin and simulator matches the document', async () => {
    await plugin.checkConnection(ctx);
    await fetchAllPages(plugin.entities.channels, ctx);
    const posted = await plugin.actions.post_message.run(ctx, { channel: '#general', text: 'conformance <check> & more', unfurlLinks: false });
    await plugin.actions.post_message.run(ctx, { channel: posted.channel, text: 'in the thread', threadTs: posted.ts });
    await publishThrough(plugin, ctx, { text: 'with a picture', title: 'Title', media: [{ kind: 'image', url: 'https://example.com/p.png' }] }, { options: { channel: '#random' } });
    // refusals, as Slack words them
    await plugin.actions.post_message.run(ctx, { channel: '#leadership', text: 'private' }).catch(() => undefined);
    await plugin.actions.post_message.run(ctx, { channel: '#nowhere', text: 'missing' }).catch(() => undefined);
    await ctx.http.request({ path: '/api/chat.getPermalink', query: { channel: posted.channel, message_ts: '1000000000.000001' } });
    const badToken = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { botToken: 'xoxb-wrong' } });
    const once = pluginTestContext({ plugin, baseUrl: sim.url, credentials: sim.credentials, policy: { maxAttempts: 1 } });
    try {
      await plugin.checkConnection(badToken);
      await faults({ rate429: 1 });
      expect(await requestStatus(once.http, { path: '/api/conversations.list', query: { limit: 10 } })).toBe(429);
      await faults({ rate500: 1 });
      expect(await requestStatus(once.http, { path: '/api/auth.test' })).toBe(500);
    } finally {
      await faults({});
      await badToken.close();
      await once.close();
    }

    const errors = sim.calls.filter((c) => (c.response as { ok?: boolean }).ok === false).map((c) => (c.response as { error: string }).error);
    expect(new Set(errors)).toEqual(new Set(['not_in_channel', 'channel_not_found', 'message_not_found', 'invalid_auth', 'ratelimited', 'fatal_error']));
    expect(sim.calls.flatMap((call) => spec.validateExchange(call))).toEqual([]);
  });

  it('catches a malformed answer and a malformed request, so the check above can fail', () => {
    const post = sim.calls.find((c) => c.path === '/api/chat.postMessage' && (c.response as { ok: boolean }).ok)!;
    const { ts: _dropped, ...withoutTs } = post.response as Record<string, unknown>;
    expect(spec.validateResponse({ ...post, response: withoutTs }).join('\n')).toMatch(/ts/);
    expect(spec.validateResponse({ ...post, response: { ...(post.response as object), channel: 'general' } }).join('\n')).toMatch(/channel/);
    expect(spec.validateRequest({ ...post, body: { text: 'no channel' } }).join('\n')).toMatch(/channel/);
    expect(spec.validateRequest({ ...post, headers: {} }).join('\n')).toMatch(/no credentials/);
    const list = sim.calls.find((c) => c.path === '/api/conversations.list')!;
    expect(spec.validateRequest({ ...list, query: { ...list.query, since: '1' } }).join('\n')).toMatch(/since/);
  });
});
