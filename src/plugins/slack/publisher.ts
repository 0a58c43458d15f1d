import { definePublisher, PublishRejection, z } from '../../core/plugin-sdk';
import { escapeMrkdwn, permalink, postMessage } from './slack.client';

/** Slack as a publishing target: a notification of any content, posted as the bot. */
export const slackPublisher = definePublisher({
  contentTypes: ['post', 'article', 'video', 'episode'],
  rules: {
    // chat.postMessage refuses longer text (msg_too_long); a thread of notifications would be noise
    maxLength: 40_000,
    // Slack has no hashtags: a #word is a channel reference
    hashtags: 'none',
    links: 'append',
    media: { accepts: { image: 'url' }, max: 1 },
  },
  options: z.object({
    /** an id (C0123ABCD) or #name; defaults to the connection's `channel` setting */
    channel: z.string().min(1).max(100).optional(),
    threadTs: z.string().regex(/^\d{10}\.\d{6}$/).optional(),
  }),
  async publish(ctx, content, options) {
    const channel = options.channel ?? ctx.settings.channel;
    if (!channel) throw new PublishRejection('invalid_options', 'needs a channel: options.slack.channel, or the connection setting channel');
    const body = escapeMrkdwn(content.text);
    const image = content.media.find((m) => m.kind === 'image');
    const posted = await postMessage(ctx, {
      channel,
      text: content.title ? `*${escapeMrkdwn(content.title)}*\n${body}` : body,
      threadTs: options.threadTs,
      attachments: image?.url ? [{ fallback: image.altText ?? 'image', image_url: image.url }] : undefined,
    });
    return { externalId: `${posted.channel}/${posted.ts}`, url: await permalink(ctx, posted.channel, posted.ts) };
  },
});
