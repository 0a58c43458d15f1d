import { UpstreamError } from '../../core/plugin-sdk';
import { fetchAllPages, type PluginTestContext, pluginTestContext, publishThrough, simControl, type SimulatedPlugin, simulatePlugin } from '../../core/plugin-sdk/testing';
import { showNotesHtml } from './buzzsprout.client';
import plugin from './index';
import { startSimulator, type BuzzsproutSimulator } from './simulator/buzzsprout.simulator';
import { episodesSync } from './syncs/episodes.sync';

describe('buzzsprout plugin against its simulator', () => {
  let sim: BuzzsproutSimulator;
  let ctx: PluginTestContext;
  let env: SimulatedPlugin<BuzzsproutSimulator>;
  const audio = { kind: 'audio' as const, url: 'https://cdn.example.com/episodes/42.mp3' };

  beforeAll(async () => {

    env = await simulatePlugin(plugin, startSimulator);

    ({ sim, ctx } = env);

  });

  afterAll(() => env.close());

  const stored = (id: string) => sim.episodes().find((e) => String(e.id) === id)!;

  it('turns plain text into show-notes HTML', () => {
    expect(showNotesHtml('Hello <world> & "friends"\nline two\n\nSee https://example.com/a?b=1')).toBe(
      '<p>Hello &lt;world&gt; &amp; &quot;friends&quot;<br>line two</p><p>See <a href="https://example.com/a?b=1">https://example.com/a?b=1</a></p>',
    );
  });

  it('publishes an episode: Buzzsprout fetches the audio, stores the show notes, tags and options', async () => {
    const r = await publishThrough(plugin, ctx, {
      contentType: 'episode', title: 'Episode 42: Webhooks', text: 'We talk webhooks.\n\nNotes: https://example.com/42', tags: ['webhooks', 'apis'],
      media: [audio, { kind: 'image', url: 'https://cdn.example.com/art/42.jpg' }],
    }, { options: { explicit: true, episodeNumber: 42, seasonNumber: 3, summary: 'All about webhooks' } });
    expect(r).toEqual(expect.objectContaining({ externalId: expect.stringMatching(/^\d+$/), url: `https://www.buzzsprout.com/${sim.podcastId}/${r.externalId}` }));
    expect(stored(r.externalId)).toMatchObject({
      title: 'Episode 42: Webhooks', tags: 'webhooks,apis', explicit: true, private: false, episode_number: 42, season_number: 3, summary: 'All about webhooks',
      description: '<p>We talk webhooks.</p><p>Notes: <a href="https://example.com/42">https://example.com/42</a></p>',
      sourceAudioUrl: audio.url, audio_url: `https://www.buzzsprout.com/${sim.podcastId}/${r.externalId}-episode-42-webhooks.mp3`, artwork_url: 'https://cdn.example.com/art/42.jpg',
    });
    const sent = sim.calls.find((c) => c.method === 'POST')!;
    expect(sent.path).toBe(`/api/${sim.podcastId}/episodes.json`);
    expect(sent.headers.authorization).toBe(`Token token=${sim.credentials.apiToken}`);
    expect(sent.body.email_user_after_audio_processed).toBe(false);
  });

  it('derives the title from the first line, and needs an audio URL', async () => {
    const r = await publishThrough(plugin, ctx, { contentType: 'episode', text: 'Short first line\nand the notes', media: [audio] });
    expect(stored(r.externalId).title).toBe('Short first line');
    await expect(publishThrough(plugin, ctx, { contentType: 'episode', text: 'no audio' })).rejects.toMatchObject({ code: 'media_required' });
    await expect(publishThrough(plugin, ctx, { contentType: 'post', text: 'a post', media: [audio] })).rejects.toMatchObject({ code: 'unsupported_content_type' });
    await expect(publishThrough(plugin, ctx, { contentType: 'episode', text: 'x', title: 't'.repeat(256), media: [audio] })).rejects.toMatchObject({ code: 'title_too_long' });
  });

  it('works on the podcast the settings name, and answers 404 for one the account does not have', async () => {
    const other = { ...ctx, settings: { podcastId: '999999' } };
    const refused = await publishThrough(plugin, other, { contentType: 'episode', title: 'x', text: 'x', media: [audio] }).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(UpstreamError);
    expect(refused).toMatchObject({ status: 404 });
  });

  it('answers as Buzzsprout does: 415 without JSON, 422 naming the field, a plain-text 401', async () => {
    const auth = { authorization: `Token token=${sim.credentials.apiToken}` };
    const url = `${sim.url}/api/${sim.podcastId}/episodes.json`;
    const form = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/x-www-form-urlencoded' }, body: 'title=x' });
    expect(form.status).toBe(415);
    const blank = await fetch(url, { method: 'POST', headers: { ...auth, 'content-type': 'application/json; charset=utf-8' }, body: JSON.stringify({ title: ' ', audio_url: 'not a url' }) });
    expect([blank.status, await blank.json()]).toEqual([422, { title: ["can't be blank"], audio_url: ['is invalid'] }]);
    const denied = await fetch(url, { headers: { authorization: 'Token token=wrong' } });
    expect([denied.status, denied.headers.get('www-authenticate'), await denied.text()]).toEqual([401, 'Token realm="Application"', 'HTTP Token: Access denied.\n']);
    expect((await fetch(`${url}?api_token=${sim.credentials.apiToken}`)).status).toBe(200);
  });

  it('syncs every episode of the podcast as unified posts', async () => {
    const { records } = await fetchAllPages(episodesSync, ctx);
    expect(records.map((e) => e.id)).toEqual(sim.episodes().map((e) => e.id));
    const first = records.at(-1)!;
    expect(episodesSync.toUnified(first)).toEqual({ text: 'Episode 1: integration stories', url: `https://www.buzzsprout.com/${sim.podcastId}/${first.id}`, publishedAt: first.published_at });
  });

  it('checks the connection, and reports a refused token in its own words', async () => {
    await expect(plugin.checkConnection(ctx)).resolves.toEqual({ ok: true, account: 'Plugboard Weekly' });
    const bad = pluginTestContext({ plugin, baseUrl: sim.url, credentials: { apiToken: 'nope' } });
    try {
      await expect(plugin.checkConnection(bad)).resolves.toEqual({ ok: false, detail: 'HTTP Token: Access denied.' });
    } finally {
      await bad.close();
    }
  });

  it('does not send an episode twice: a 500 on the create is reported, not retried (Buzzsprout takes no idempotency key)', async () => {
    const before = sim.episodes().length;
    const podcastCtx = { ...ctx, settings: { podcastId: sim.podcastId } };
    const callsBefore = sim.calls.length;
    await simControl(sim, 'faults', { rate500: 1, times: 1 });
    await expect(publishThrough(plugin, podcastCtx, { contentType: 'episode', title: 'After a blip', text: 'notes', media: [audio] })).rejects.toMatchObject({ status: 500 });
    expect(sim.episodes().length).toBe(before);
    expect(sim.calls.slice(callsBefore).map((c) => `${c.method} ${c.status}`)).toEqual(['POST 500']);
  });
});
