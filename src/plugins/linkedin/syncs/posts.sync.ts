import { defineSync } from '../../../core/plugin-sdk';
import { plainText, postsPage, postUrl, type LinkedinPost } from '../linkedin.client';

export const postsSync = defineSync<LinkedinPost, 'post'>({
  model: 'post',
  description: "The author's posts (the member's need the r_member_social permission LinkedIn grants on request; a page's, r_organization_social)",
  incremental: true,
  fetchPage: (ctx, params) => postsPage(ctx, params),
  externalId: (p) => p.id,
  remoteUpdatedAt: (p) => new Date(p.lastModifiedAt),
  toUnified: (p) => ({ text: plainText(p.commentary), url: postUrl(p.id), publishedAt: new Date(p.publishedAt ?? p.createdAt).toISOString() }),
});
