import { definePublisher, z } from '../../core/plugin-sdk';
import { createTweet, tweetUrl } from './twitter.client';

/**
 * twitter-text's weights: most Latin, Greek, Cyrillic and general punctuation count 1, everything
 * else (CJK, emoji) 2, against a limit of 280; every link counts 23, the length of its t.co wrapper.
 */
const WEIGHTS = { ranges: [[0, 4351, 1], [8192, 8205, 1], [8208, 8223, 1], [8242, 8247, 1]] as const, defaultWeight: 2 };

export const twitterPublisher = definePublisher({
  contentTypes: ['post', 'article'],
  rules: {
    maxLength: 280,
    linkLength: 23,
    weights: WEIGHTS,
    // longer content becomes a thread of replies; 25 keeps a runaway text from flooding followers
    thread: { maxParts: 25, numbering: true },
    hashtags: 'append',
    links: 'append',
    // media are attached by the ids the media upload endpoint gave them: four images, or one video
    media: { accepts: { image: 'id', video: 'id' }, max: 4 },
  },
  options: z.object({
    replySettings: z.enum(['following', 'mentionedUsers', 'subscribers', 'verified']).optional(),
    /** start the post (or thread) as a reply to this post */
    inReplyToTweetId: z.string().regex(/^\d{1,19}$/).optional(),
  }),
  /** Posts the parts in order, each a reply to the one before; a retry continues after the parts already posted. */
  async publish(ctx, content, options) {
    const posted = [...ctx.resume];
    const mediaIds = content.media.map((m) => m.id!).filter(Boolean);
    for (let i = posted.length; i < content.parts.length; i++) {
      const previous = posted.at(-1)?.externalId ?? options.inReplyToTweetId;
      const tweet = await createTweet(ctx, {
        text: content.parts[i],
        ...(previous ? { reply: { in_reply_to_tweet_id: previous } } : {}),
        ...(i === 0 && mediaIds.length ? { media: { media_ids: mediaIds } } : {}),
        ...(i === 0 && options.replySettings ? { reply_settings: options.replySettings } : {}),
      });
      const part = { externalId: tweet.id, url: tweetUrl(tweet.id) };
      posted.push(part);
      await ctx.partPublished(part);
    }
    return { ...posted[0], ...(posted.length > 1 ? { parts: posted } : {}) };
  },
});
