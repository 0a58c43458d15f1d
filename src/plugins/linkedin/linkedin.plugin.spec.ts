import { PublishRejection, UpstreamError } from '../../core/plugin-sdk';
import { fetchAllPages, pluginTestContext, type PluginTestContext, publishThrough, type SimulatedPlugin, simulatePlugin } from '../../core/plugin-sdk/testing';
import plugin from './index';
import { littleText, plainText } from './linkedin.client';
import { LINKEDIN_VERSION } from './manifest';
import { startSimulator, type LinkedinSimulator } from './simulator/linkedin.simulator';
import { postsSync } from './syncs/posts.sync';

describe('linkedin plugin against its simulator', () => {
  let sim: LinkedinSimulator;
  let ctx: PluginTestContext;
  let env: SimulatedPlugin<LinkedinSimulator>;

  beforeAll(async () => {

    env = await simulatePlugin(plugin, startSimulator);

    ({ sim, ctx } = env);

  });

  afterAll(() => env.close());

  const stored = (urn: string) => sim.posts().find((p) => p.id === urn)!;
  const raw = (path: string, headers: Record<string, string>) => fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${sim.credentials.accessToken}`, ...headers } });

  it('writes little text: reserved characters escaped, hashtags as templates, and reads it back', () => {
    expect(littleText('Ship it (today) #launch_day @team')).toBe('Ship it \\(today\\) {hashtag|\\#|launch\\_day} \\@team');
    expect(plainText(littleText('a_b [c] {d} <e> *f* ~g~ \\ | #Tag'))).toBe('a_b [c] {d} <e> *f* ~g~ \\ | #Tag');
  });

  it('publishes a post as the member with the version headers, and members see the text as written', async () => {
    const text = 'Plugboard (v2) is out: faster syncs & fewer retries';
    const r = await publishThrough(plugin, ctx, { text, tags: ['release notes'], links: ['https://example.com/v2'] });
    expect(r).toEqual(expect.objectContaining({ externalId: expect.stringMatching(/^urn:li:share:\d+$/), url: `https://www.linkedin.com/feed/update/${r.externalId}/` }));
    const post = stored(r.externalId);
    expect(post).toMatchObject({ author: sim.member.urn, visibility: 'PUBLIC', lifecycleState: 'PUBLISHED' });
    expect(post.rendered).toBe(`${text}\n\nhttps://example.com/v2\n\n#ReleaseNotes`);
    expect(post.commentary).toContain('{hashtag|\\#|ReleaseNotes}');
    const create = sim.calls.find((c) => c.method === 'POST' && c.path === '/rest/posts')!;
    expect(create.headers).toMatchObject({ 'linkedin-version': LINKEDIN_VERSION, 'x-restli-protocol-version': '2.0.0', authorization: `Bearer ${sim.credentials.accessToken}` });
    expect(create.status).toBe(201);
  });

  it('shares an article as a card (not in the text), and attaches media by URN', async () => {
    const article = await publishThrough(plugin, ctx, { contentType: 'article', text: 'Our integration guide', title: 'How we integrate', links: ['https://example.com/guide'], media: [{ kind: 'image', id: 'urn:li:image:C4E10AQFoyyAjHPMQuQ' }] });
    expect(stored(article.externalId)).toMatchObject({
      rendered: 'Our integration guide',
      content: { article: { source: 'https://example.com/guide', title: 'How we integrate', thumbnail: 'urn:li:image:C4E10AQFoyyAjHPMQuQ' } },
    });
    const untitled = await publishThrough(plugin, ctx, { contentType: 'article', text: 'A first line that becomes the title\nand more', links: ['https://example.com/x'] });
    expect(stored(untitled.externalId).content).toEqual({ article: { source: 'https://example.com/x', title: 'A first line that becomes the title' } });
    const image = await publishThrough(plugin, ctx, { text: 'A picture', media: [{ kind: 'image', id: 'urn:li:image:D5', altText: 'the team' }] });
    expect(stored(image.externalId).content).toEqual({ media: { id: 'urn:li:image:D5', altText: 'the team' } });
  });

  it("posts as the member's page when asked, and is refused for someone else's", async () => {
    const r = await publishThrough(plugin, ctx, { text: 'From the page' }, { options: { author: sim.organizationUrn, visibility: 'PUBLIC' } });
    expect(stored(r.externalId).author).toBe(sim.organizationUrn);
    const other = await publishThrough(plugin, ctx, { text: 'Not ours' }, { options: { author: 'urn:li:organization:1' } }).catch((e: unknown) => e);
    expect(other).toBeInstanceOf(UpstreamError);
    expect(other).toMatchObject({ status: 403, body: { code: 'ACCESS_DENIED' } });
  });

  it('refuses content over 3,000 characters before calling LinkedIn, which holds the same limit', async () => {
    const before = sim.calls.length;
    await expect(publishThrough(plugin, ctx, { text: 'word '.repeat(601) })).rejects.toMatchObject({ code: 'content_too_long' });
    await expect(publishThrough(plugin, ctx, { text: 'x'.repeat(3001) })).rejects.toBeInstanceOf(PublishRejection);
    expect(sim.calls.length).toBe(before);
    const tooLong = await ctx.http.request({
      method: 'POST', path: '/rest/posts',
      json: { author: sim.member.urn, commentary: 'x'.repeat(3001), visibility: 'PUBLIC', distribution: { feedDistribution: 'MAIN_FEED' }, lifecycleState: 'PUBLISHED' },
    }).catch((e: UpstreamError) => e);
    expect(tooLong).toMatchObject({ status: 422, body: { errorDetails: { inputErrors: [{ input: { inputPath: { fieldPath: '/commentary' } } }] } } });
  });

  it('refuses versioned calls without an active LinkedIn-Version', async () => {
    const missing = await raw('/rest/posts?q=author&author=x', {});
    expect([missing.status, await missing.json()]).toEqual([400, expect.objectContaining({ code: 'VERSION_MISSING' })]);
    const old = await raw('/rest/posts?q=author&author=x', { 'linkedin-version': '202301' });
    expect([old.status, await old.json()]).toEqual([426, expect.objectContaining({ code: 'NONEXISTENT_VERSION', message: 'Requested version 202301 is not active' })]);
  });

  it("syncs the member's posts across pages, newest change first, and only changes since a checkpoint", async () => {
    const { records, pages } = await fetchAllPages(postsSync, ctx);
    const mine = sim.posts().filter((p) => p.author === sim.member.urn);
    expect(records.map((p) => p.id).sort()).toEqual(mine.map((p) => p.id).sort());
    expect(pages).toBe(Math.ceil(mine.length / 50) + (mine.length % 50 === 0 ? 1 : 0));
    const seeded = records.find((p) => p.commentary.startsWith('Seeded'))!;
    expect(postsSync.toUnified(seeded)).toEqual({ text: plainText(seeded.commentary), url: `https://www.linkedin.com/feed/update/${seeded.id}/`, publishedAt: new Date(seeded.publishedAt!).toISOString() });
    expect(postsSync.toUnified(seeded).text).toMatch(/^Seeded update \d+ \(archive\)$/);
    const since = new Date();
    const fresh = await publishThrough(plugin, ctx, { text: 'Only this is new' });
    const incremental = await fetchAllPages(postsSync, ctx, since);
    expect(incremental.records.map((p) => p.id)).toEqual([fresh.externalId]);
    expect(incremental.pages).toBe(1);
  });

  it('checks the connection, and reports a refused token in LinkedIn words', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: 'Ada Lovelace' });
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { accessToken: 'AQX-not-valid' } });
    try {
      await expect(plugin.checkConnection(bad)).resolves.toEqual({ ok: false, detail: 'Invalid access token' });
    } finally {
      await bad.close();
    }
  });
});
