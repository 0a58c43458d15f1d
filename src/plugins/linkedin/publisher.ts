import { definePublisher, truncateAtWord, z } from '../../core/plugin-sdk';
import { authorUrn, createPost, littleText, postUrl, type CreatePostBody } from './linkedin.client';

/** An article card's title: LinkedIn shows up to 400 characters of it. */
const ARTICLE_TITLE_MAX = 400;

export const linkedinPublisher = definePublisher({
  contentTypes: ['post', 'article'],
  rules: {
    // the Posts API's limit on commentary; LinkedIn has no threads, so longer content is refused
    maxLength: 3000,
    hashtags: 'append',
    links: 'append',
    // an article is a card (source URL, title), not a link in the text
    articleLink: 'card',
    // images and videos are attached by the URN the Images or Videos API gave them when uploaded
    media: { accepts: { image: 'id', video: 'id' }, max: 1 },
    title: { maxLength: ARTICLE_TITLE_MAX, required: false },
  },
  options: z.object({
    visibility: z.enum(['PUBLIC', 'CONNECTIONS']).default('PUBLIC'),
    /** post as a page the member administers (urn:li:organization:...), instead of the connection's default */
    author: z.string().regex(/^urn:li:(person|organization):[A-Za-z0-9_-]+$/).optional(),
  }),
  async publish(ctx, content, options) {
    const body: CreatePostBody = {
      author: await authorUrn(ctx, options.author),
      commentary: littleText(content.text),
      visibility: options.visibility,
      distribution: { feedDistribution: 'MAIN_FEED', targetEntities: [], thirdPartyDistributionChannels: [] },
      lifecycleState: 'PUBLISHED',
      isReshareDisabledByAuthor: false,
    };
    const media = content.media[0];
    if (content.articleUrl) {
      const title = content.title ?? truncateAtWord(content.text.split('\n')[0], ARTICLE_TITLE_MAX);
      body.content = { article: { source: content.articleUrl, title, ...(media?.kind === 'image' ? { thumbnail: media.id } : {}) } };
    } else if (media?.id) {
      body.content = { media: { id: media.id, ...(media.altText ? { altText: media.altText } : {}) } };
    }
    const urn = await createPost(ctx, body);
    return { externalId: urn, url: postUrl(urn) };
  },
});
