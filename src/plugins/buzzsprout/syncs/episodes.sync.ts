import { defineSync } from '../../../core/plugin-sdk';
import { episodes, episodeUrl, podcastId, type BuzzsproutEpisode } from '../buzzsprout.client';

type Row = BuzzsproutEpisode & { podcast_id: string };

export const episodesSync = defineSync<Row, 'post'>({
  model: 'post',
  description: "The podcast's episodes, private ones included",
  // one unpaged list, with no "changed since" filter
  incremental: false,
  fetchPage: async (ctx) => {
    const podcast = await podcastId(ctx);
    return { records: (await episodes(ctx, podcast)).map((e) => ({ ...e, podcast_id: podcast })), nextCursor: null };
  },
  externalId: (e) => String(e.id),
  remoteUpdatedAt: (e) => (e.published_at ? new Date(e.published_at) : null),
  volatileFields: ['total_plays'],
  toUnified: (e) => ({ text: e.title, url: episodeUrl(e.podcast_id, e.id), publishedAt: e.published_at ? new Date(e.published_at).toISOString() : null }),
});
