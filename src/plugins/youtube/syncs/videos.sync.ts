import { defineSync } from '../../../core/plugin-sdk';
import { uploadsPage, watchUrl, type YoutubePlaylistItem } from '../youtube.client';

export const videosSync = defineSync<YoutubePlaylistItem, 'post'>({
  model: 'post',
  description: "The channel's uploads (through its uploads playlist: one quota unit a page, where search costs 100)",
  incremental: false,
  fetchPage: (ctx, params) => uploadsPage(ctx, params),
  externalId: (item) => item.contentDetails.videoId,
  remoteUpdatedAt: (item) => new Date(item.contentDetails.videoPublishedAt ?? item.snippet.publishedAt),
  toUnified: (item) => ({
    text: item.snippet.title, url: watchUrl(item.contentDetails.videoId), publishedAt: item.contentDetails.videoPublishedAt ?? item.snippet.publishedAt,
  }),
});
