import { formatForPublishing, PublishRejection, UpstreamError } from '../../core/plugin-sdk';
import { fetchAllPages, pluginTestContext, type PluginTestContext, publishThrough, type SimulatedPlugin, simulatePlugin } from '../../core/plugin-sdk/testing';
import plugin from './index';
import { startSimulator, type TwitterSimulator } from './simulator/twitter.simulator';
import { postsSync } from './syncs/posts.sync';

describe('X (twitter) plugin against its simulator', () => {
  let sim: TwitterSimulator;
  let ctx: PluginTestContext;
  let env: SimulatedPlugin<TwitterSimulator>;

  beforeAll(async () => {

    env = await simulatePlugin(plugin, startSimulator);

    ({ sim, ctx } = env);

  });

  afterAll(() => env.close());

  const tweet = (id: string) => sim.tweets().find((t) => t.id === id)!;

  it('publishes a post with the links and hashtags appended, and answers its id and URL', async () => {
    const r = await publishThrough(plugin, ctx, { text: 'Plugboard 2.0 is out', links: ['https://example.com/blog/plugboard-2-0-release-notes-with-a-long-path'], tags: ['release', 'open source'] });
    expect(r).toEqual({ externalId: expect.stringMatching(/^\d{19}$/), url: `https://x.com/i/web/status/${r.externalId}`, recordedParts: [{ externalId: r.externalId, url: r.url }] });
    expect(tweet(r.externalId).text).toBe('Plugboard 2.0 is out\n\nhttps://example.com/blog/plugboard-2-0-release-notes-with-a-long-path\n\n#release #OpenSource');
    const sent = sim.calls.filter((c) => c.path === '/2/tweets' && c.method === 'POST').at(-1)!;
    expect(sent.headers.authorization).toBe(`Bearer ${sim.credentials.accessToken}`);
    expect(sent.body).toEqual({ text: tweet(r.externalId).text });
  });

  it('threads longer text: numbered parts within 280 weighted characters, each replying to the one before', async () => {
    const text = Array.from({ length: 60 }, (_, i) => `sentence${i}`).join(' ') + ' https://example.com/' + 'x'.repeat(300);
    const r = await publishThrough(plugin, ctx, { text, media: [{ kind: 'image', id: '1455952740635586573' }] });
    expect(r.parts!.length).toBeGreaterThan(2);
    const posted = r.parts!.map((p) => tweet(p.externalId));
    expect(posted[0].in_reply_to_tweet_id).toBeUndefined();
    expect(posted[0].media_ids).toEqual(['1455952740635586573']);
    for (let i = 1; i < posted.length; i++) {
      expect(posted[i].in_reply_to_tweet_id).toBe(posted[i - 1].id);
      expect(posted[i].conversation_id).toBe(posted[0].id);
      expect(posted[i].media_ids).toBeUndefined();
    }
    expect(posted.map((t) => t.text.match(/ (\d+)\/(\d+)$/)?.slice(1))).toEqual(posted.map((_, i) => [String(i + 1), String(posted.length)]));
    expect(r.externalId).toBe(posted[0].id);
    expect(r.recordedParts).toEqual(r.parts);
  });

  it('counts CJK characters double: 150 of them make a thread of two', async () => {
    const r = await publishThrough(plugin, ctx, { text: '日本語'.repeat(50) });
    expect(r.parts).toHaveLength(2);
  });

  it('continues a thread after the parts an earlier attempt posted, instead of posting them again', async () => {
    const text = Array.from({ length: 80 }, (_, i) => `resume${i}`).join(' ');
    const { parts } = formatForPublishing(plugin.publisher!, { contentType: 'post', text, media: [], tags: [], links: [] });
    // the second part already exists, so X refuses it as duplicate content after the first is posted
    const blocker = await ctx.http.request<{ data: { id: string } }>({ method: 'POST', path: '/2/tweets', json: { text: parts[1] } });
    const failed = await publishThrough(plugin, ctx, { text }).catch((e: unknown) => e);
    expect(failed).toBeInstanceOf(UpstreamError);
    expect(failed).toMatchObject({ status: 403, body: { detail: 'You are not allowed to create a Tweet with duplicate content.' } });
    const [postedFirst] = sim.tweets().filter((t) => t.text === parts[0]);
    await ctx.http.request({ method: 'DELETE', path: `/2/tweets/${blocker.body.data.id}` });

    const retried = await publishThrough(plugin, ctx, { text }, { resume: [{ externalId: postedFirst.id, url: `https://x.com/i/web/status/${postedFirst.id}` }] });
    expect(retried.externalId).toBe(postedFirst.id);
    expect(retried.recordedParts).toHaveLength(parts.length - 1);
    expect(sim.tweets().filter((t) => t.text === parts[0])).toHaveLength(1);
    expect(tweet(retried.parts![1].externalId).in_reply_to_tweet_id).toBe(postedFirst.id);
  });

  it('refuses media the platform takes only by upload id, and more than four', () => {
    const run = (media: { kind: 'image'; url?: string; id?: string }[]) => publishThrough(plugin, ctx, { text: 'pics', media });
    return Promise.all([
      expect(run([{ kind: 'image', url: 'https://example.com/a.png' }])).rejects.toBeInstanceOf(PublishRejection),
      expect(run(Array.from({ length: 5 }, (_, i) => ({ kind: 'image' as const, id: String(i + 1) })))).rejects.toMatchObject({ code: 'too_many_media' }),
    ]);
  });

  it('holds its own limit: a raw post over 280 weighted characters is refused with an invalid-request problem', async () => {
    const res = await fetch(`${sim.url}/2/tweets`, {
      method: 'POST', headers: { authorization: `Bearer ${sim.credentials.accessToken}`, 'content-type': 'application/json' }, body: JSON.stringify({ text: '日'.repeat(141) }),
    });
    expect(res.status).toBe(400);
    expect(await res.json()).toMatchObject({ title: 'Invalid Request', type: 'https://api.twitter.com/2/problems/invalid-request', errors: [{ message: expect.stringContaining('too long') }] });
    expect(Number(res.headers.get('x-rate-limit-remaining'))).toBeLessThan(Number(res.headers.get('x-rate-limit-limit')));
    expect(Number(res.headers.get('x-rate-limit-reset'))).toBeGreaterThan(Date.now() / 1000);
  });

  it('syncs the own timeline across pagination tokens, and only newer posts when incremental', async () => {
    const { records, pages } = await fetchAllPages(postsSync, ctx);
    expect(records).toHaveLength(sim.tweets().length);
    expect(pages).toBe(Math.ceil(sim.tweets().length / 100));
    expect(postsSync.toUnified(records[0])).toEqual({ text: records[0].text, url: `https://x.com/i/web/status/${records[0].id}`, publishedAt: records[0].created_at });
    const since = new Date();
    const fresh = await publishThrough(plugin, ctx, { text: 'only this one is new' });
    expect((await fetchAllPages(postsSync, ctx, since)).records.map((t) => t.id)).toEqual([fresh.externalId]);
  });

  it('checks the connection, and reports a refused token', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: '@plugboard_sim' });
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { accessToken: 'not-a-token' } });
    try {
      await expect(plugin.checkConnection(bad)).resolves.toEqual({ ok: false, detail: 'Unauthorized' });
    } finally {
      await bad.close();
    }
  });
});
