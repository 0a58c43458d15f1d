import { defineSync } from '../../../core/plugin-sdk';
import { timelinePage, tweetUrl, type Tweet } from '../twitter.client';

export const postsSync = defineSync<Tweet, 'post'>({
  model: 'post',
  description: "The connected user's own posts (the timeline endpoint reaches back 3,200 posts)",
  // posts are not edited after 30 minutes and start_time filters by creation, so new posts are what changes
  incremental: true,
  fetchPage: (ctx, params) => timelinePage(ctx, params),
  externalId: (t) => t.id,
  remoteUpdatedAt: (t) => (t.created_at ? new Date(t.created_at) : null),
  toUnified: (t) => ({ text: t.text, url: tweetUrl(t.id), publishedAt: t.created_at ?? null }),
});
