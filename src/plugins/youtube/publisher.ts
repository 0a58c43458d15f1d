import { definePublisher, z } from '../../core/plugin-sdk';
import { fitTags, uploadVideo, watchUrl, withoutAngleBrackets } from './youtube.client';

/** UTF-8 bytes per code point: YouTube limits descriptions to 5,000 bytes, not characters. */
const UTF8_BYTES = { ranges: [[0, 0x7f, 1], [0x80, 0x7ff, 2], [0x800, 0xffff, 3]] as const, defaultWeight: 4 };

export const youtubePublisher = definePublisher({
  contentTypes: ['video'],
  rules: {
    // the description
    maxLength: 5000,
    weights: UTF8_BYTES,
    // hashtags in the description link to YouTube's hashtag pages; with more than 15, YouTube ignores them all
    hashtags: 'append',
    maxHashtags: 15,
    links: 'append',
    // the video is uploaded from its bytes, which the publishing service reads from the URL
    media: { accepts: { video: 'url' }, max: 1, requires: 'video' },
    title: { maxLength: 100, required: true },
  },
  options: z.object({
    privacyStatus: z.enum(['public', 'unlisted', 'private']).default('public'),
    /** YouTube's category id (22: People & Blogs, 28: Science & Technology, ...) */
    categoryId: z.string().regex(/^\d+$/).default('22'),
    madeForKids: z.boolean().default(false),
    /** release a private video at this time */
    publishAt: z.iso.datetime({ offset: true }).optional(),
    notifySubscribers: z.boolean().default(true),
  }),
  async publish(ctx, content, options) {
    const video = content.media.find((m) => m.kind === 'video')!;
    const bytes = await ctx.media.read(video);
    const tags = fitTags(content.tags);
    const uploaded = await uploadVideo(ctx, {
      snippet: { title: withoutAngleBrackets(content.title!), description: withoutAngleBrackets(content.text), ...(tags.length ? { tags } : {}), categoryId: options.categoryId },
      status: {
        // a scheduled release is private until publishAt, as YouTube requires
        privacyStatus: options.publishAt ? 'private' : options.privacyStatus,
        ...(options.publishAt ? { publishAt: options.publishAt } : {}),
        selfDeclaredMadeForKids: options.madeForKids,
      },
    }, { data: bytes.data, contentType: video.mimeType ?? bytes.contentType }, options.notifySubscribers);
    return { externalId: uploaded.id, url: watchUrl(uploaded.id) };
  },
});
