import { PublishRejection, type PublishContent } from '../../core/plugin-sdk';
import { fetchAllPages, type PluginTestContext, pluginTestContext, publishThrough, simControl, type SimulatedPlugin, simulatePlugin } from '../../core/plugin-sdk/testing';
import plugin from './index';
import { SlackApiError } from './slack.client';
import { startSimulator, type SlackSimulator } from './simulator/slack.simulator';
import { channelsSync } from './syncs/channels.sync';

const { post_message } = plugin.actions;

describe('slack plugin against its simulator', () => {
  let sim: SlackSimulator;
  let ctx: PluginTestContext;
  let env: SimulatedPlugin<SlackSimulator>;

  beforeAll(async () => {

    env = await simulatePlugin(plugin, startSimulator);

    ({ sim, ctx } = env);

  });

  afterAll(() => env.close());

  const publish = (content: Partial<PublishContent> & { text: string }, options: Record<string, unknown>, settings: Record<string, string> = {}) =>
    publishThrough(plugin, { ...ctx, settings }, content, { options });

  it('lists every unarchived channel once across cursor pages, as unified channels', async () => {
    const { records, pages } = await fetchAllPages(channelsSync, ctx);
    expect(records).toHaveLength(sim.channelCount);
    expect(new Set(records.map((c) => c.id)).size).toBe(records.length);
    expect(pages).toBe(2);
    expect(records.map((c) => c.name)).not.toContain('old-launch');
    const general = records.find((c) => c.name === 'general')!;
    expect(channelsSync.toUnified(general)).toEqual({ name: 'general', topic: 'Company-wide announcements', isPrivate: false, memberCount: expect.any(Number) });
    expect(channelsSync.toUnified(records.find((c) => c.name === 'leadership')!).isPrivate).toBe(true);
  });

  it('posts a message and a threaded reply, which the workspace then holds, with permalinks', async () => {
    const first = await post_message.run(ctx, post_message.input.parse({ channel: '#general', text: 'Deploy finished :rocket:' }));
    expect(first).toEqual({ channel: 'C0000000001', ts: expect.stringMatching(/^\d{10}\.\d{6}$/), permalink: `https://plugboard-sim.slack.com/archives/C0000000001/p${first.ts.replace('.', '')}` });
    const reply = await post_message.run(ctx, { channel: first.channel, text: 'Details in the log', threadTs: first.ts });
    expect(sim.messages('general').slice(-2)).toEqual([
      expect.objectContaining({ ts: first.ts, text: 'Deploy finished :rocket:', bot_id: 'B0PLUGB0T01' }),
      expect.objectContaining({ ts: reply.ts, text: 'Details in the log', thread_ts: first.ts }),
    ]);
    const sent = sim.calls.filter((c) => c.path === '/api/chat.postMessage').at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${sim.credentials.botToken}`);
    expect(sent.headers['content-type']).toBe('application/x-www-form-urlencoded');
  });

  it("turns Slack's ok:false answers into errors with Slack's code and a fitting status", async () => {
    await expect(post_message.run(ctx, { channel: '#leadership', text: 'hi' })).rejects.toMatchObject({ status: 403, error: 'not_in_channel' });
    await expect(post_message.run(ctx, { channel: '#nowhere', text: 'hi' })).rejects.toMatchObject({ status: 404, error: 'channel_not_found' });
    await expect(post_message.run(ctx, { channel: '#old-launch', text: 'hi' })).rejects.toBeInstanceOf(SlackApiError);
    expect(sim.messages('leadership')).toEqual([]);
  });

  it('publishes formatted content: links appended, no hashtags, mrkdwn escaped, bold title, an image attachment', async () => {
    const result = await publish({
      contentType: 'article', title: 'Release 2.0', text: 'Faster syncs & <fewer> retries', links: ['https://example.com/blog/2-0'], tags: ['release'],
      media: [{ kind: 'image', url: 'https://example.com/banner.png', altText: 'banner' }],
    }, { channel: '#random' });
    const [stored] = sim.messages('random');
    expect(result).toEqual({ externalId: `C0000000002/${stored.ts}`, url: expect.stringContaining('/archives/C0000000002/p'), recordedParts: [] });
    expect(stored.text).toBe('*Release 2.0*\nFaster syncs &amp; &lt;fewer&gt; retries\n\nhttps://example.com/blog/2-0');
    expect(stored.attachments).toEqual([{ id: 1, fallback: 'banner', image_url: 'https://example.com/banner.png' }]);
  });

  it('takes the channel from the connection settings, and refuses to publish without one', async () => {
    await publish({ text: 'from settings' }, {}, { channel: 'general' });
    expect(sim.messages('general').at(-1)!.text).toBe('from settings');
    await expect(publish({ text: 'nowhere' }, {})).rejects.toBeInstanceOf(PublishRejection);
  });

  it('checks the connection, and reports a refused or missing token', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: 'Plugboard Simulator (plugboard)' });
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { botToken: 'xoxb-not-the-token' } });
    try {
      await expect(plugin.checkConnection(bad)).resolves.toEqual({ ok: false, detail: 'Slack refused the token: invalid_auth' });
    } finally {
      await bad.close();
    }
    const none = await fetch(`${sim.url}/api/auth.test`);
    expect(none.status).toBe(200);
    expect(await none.json()).toEqual({ ok: false, error: 'not_authed' });
    const unknown = await fetch(`${sim.url}/api/chat.nothing`, { headers: { authorization: `Bearer ${sim.credentials.botToken}` } });
    expect([unknown.status, await unknown.json()]).toEqual([404, { ok: false, error: 'unknown_method' }]);
  });

  it('waits out a 429 for as long as Retry-After says, then posts once', async () => {
    const before = sim.calls.length;
    await simControl(sim, 'faults', { rate429: 1, retryAfterSeconds: 1, times: 1 });
    const posted = await post_message.run(ctx, { channel: '#general', text: 'after the pause' });
    const calls = sim.calls.slice(before).filter((c) => c.path === '/api/chat.postMessage');
    expect(calls.map((c) => c.status)).toEqual([429, 200]);
    expect(calls[0].response).toEqual({ ok: false, error: 'ratelimited' });
    expect(calls[1].arrivedAt - calls[0].at).toBeGreaterThanOrEqual(1000);
    expect(sim.messages('general').filter((m) => m.text === 'after the pause').map((m) => m.ts)).toEqual([posted.ts]);
  });
});
