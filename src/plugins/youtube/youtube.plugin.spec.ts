import { UpstreamError, type MediaReader, type PublishMedia } from '../../core/plugin-sdk';
import { fetchAllPages, type PluginTestContext, pluginTestContext, publishThrough, simControl, type SimulatedPlugin, simulatePlugin } from '../../core/plugin-sdk/testing';
import plugin from './index';
import { startSimulator, type YoutubeSimulator } from './simulator/youtube.simulator';
import { videosSync } from './syncs/videos.sync';
import { fitTags } from './youtube.client';

describe('youtube plugin against its simulator', () => {
  let sim: YoutubeSimulator;
  let ctx: PluginTestContext;
  let env: SimulatedPlugin<YoutubeSimulator>;
  const clip = Buffer.from('not really an mp4, but bytes all the same');
  const read: PublishMedia[] = [];
  const media: MediaReader = {
    read: async (item) => {
      read.push(item);
      return { data: clip, contentType: 'video/mp4' };
    },
  };
  const video = { kind: 'video' as const, url: 'https://cdn.example.com/launch.mp4' };

  beforeAll(async () => {

    env = await simulatePlugin(plugin, startSimulator);

    ({ sim, ctx } = env);

  });

  afterAll(() => env.close());

  const stored = (id: string) => sim.videos().find((v) => v.id === id)!;

  it('uploads a video through a resumable session: metadata first, then the bytes', async () => {
    const r = await publishThrough(plugin, ctx, {
      contentType: 'video', title: 'Launch <day>', text: 'We launched.\nMore at the link.', links: ['https://example.com/launch'], tags: ['launch', 'product demo'], media: [video],
    }, { media, options: { privacyStatus: 'unlisted', categoryId: '28' } });
    expect(r).toEqual(expect.objectContaining({ externalId: expect.stringMatching(/^[\w-]{11}$/), url: `https://www.youtube.com/watch?v=${r.externalId}` }));
    expect(read).toEqual([video]);
    expect(stored(r.externalId)).toMatchObject({
      title: 'Launch ‹day›', description: 'We launched.\nMore at the link.\n\nhttps://example.com/launch\n\n#launch #ProductDemo',
      tags: ['launch', 'product demo'], categoryId: '28', privacyStatus: 'unlisted', bytes: clip.length, contentType: 'video/mp4',
    });
    const [open, put] = sim.calls.filter((c) => c.path === '/upload/youtube/v3/videos');
    expect(open).toMatchObject({ method: 'POST', query: { uploadType: 'resumable', part: 'snippet,status', notifySubscribers: 'true' }, status: 200 });
    expect(open.headers).toMatchObject({ 'x-upload-content-type': 'video/mp4', 'x-upload-content-length': String(clip.length), authorization: `Bearer ${sim.credentials.accessToken}` });
    expect(put).toMatchObject({ method: 'PUT', query: { upload_id: expect.any(String) }, status: 200 });
    expect(sim.quotaUsed).toBeGreaterThanOrEqual(1600);
  });

  it('titles a video from its first line, schedules a private release, and fits tags into 500 characters', async () => {
    const manyTags = Array.from({ length: 80 }, (_, i) => `tag number ${i}`);
    const r = await publishThrough(plugin, ctx, { contentType: 'video', text: 'A video about sync engines\nwith notes', tags: manyTags, media: [video] }, {
      media, options: { publishAt: '2030-01-01T10:00:00Z' },
    });
    const v = stored(r.externalId);
    expect(v).toMatchObject({ title: 'A video about sync engines', privacyStatus: 'private', publishAt: '2030-01-01T10:00:00Z' });
    expect(v.tags).toEqual(fitTags(manyTags));
    expect(v.tags.length).toBeLessThan(manyTags.length);
    // more than 15 hashtags make YouTube ignore them all, so no more go into the description
    expect(v.description.match(/#\w+/g)).toHaveLength(15);
  });

  it('refuses a description over 5,000 bytes before uploading, which YouTube would refuse too', async () => {
    const before = sim.calls.length;
    await expect(publishThrough(plugin, ctx, { contentType: 'video', title: 'Too long', text: 'é'.repeat(2501), media: [video] }, { media })).rejects.toMatchObject({ code: 'content_too_long' });
    expect(sim.calls.length).toBe(before);
    const raw = await ctx.http.request({ method: 'POST', path: '/upload/youtube/v3/videos', query: { uploadType: 'resumable', part: 'snippet' }, json: { snippet: { title: 'x', description: 'é'.repeat(2501) } } }).catch((e: UpstreamError) => e);
    expect(raw).toMatchObject({ status: 400, body: { error: { errors: [{ reason: 'invalidDescription' }] } } });
    await expect(publishThrough(plugin, ctx, { contentType: 'video', text: 'no file' }, { media })).rejects.toMatchObject({ code: 'media_required' });
  });

  it("syncs the channel's uploads across pages of its uploads playlist", async () => {
    const { records, pages } = await fetchAllPages(videosSync, ctx);
    expect(records.map((r) => r.contentDetails.videoId)).toEqual(sim.videos().map((v) => v.id));
    expect(pages).toBe(Math.ceil(sim.videos().length / 50));
    const [newest] = records;
    expect(videosSync.toUnified(newest)).toEqual({ text: newest.snippet.title, url: `https://www.youtube.com/watch?v=${newest.contentDetails.videoId}`, publishedAt: newest.contentDetails.videoPublishedAt });
  });

  it('reports a spent daily quota as the 403 Google sends', async () => {
    await simControl(sim, 'quota', { used: 9_999 });
    try {
      const spent = await publishThrough(plugin, ctx, { contentType: 'video', title: 'Over quota', text: 'x', media: [video] }, { media }).catch((e: unknown) => e);
      expect(spent).toBeInstanceOf(UpstreamError);
      expect(spent).toMatchObject({ status: 403, body: { error: { errors: [{ reason: 'quotaExceeded', domain: 'youtube.quota' }] } } });
    } finally {
      await simControl(sim, 'quota', { used: 0 });
    }
  });

  it('checks the connection, and reports a refused token in Google words', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: 'Plugboard Simulator' });
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { accessToken: 'ya29.not-valid' } });
    try {
      const result = await plugin.checkConnection(bad);
      expect(result).toEqual({ ok: false, detail: expect.stringMatching(/^Request had invalid authentication credentials/) });
    } finally {
      await bad.close();
    }
  });
});
