import { defineAction, z } from '../../../core/plugin-sdk';
import { permalink, postMessage } from '../slack.client';

export const postMessageAction = defineAction({
  description: 'Post a message to a channel (an id such as C0123ABCD, or #name), optionally as a reply in a thread. Text is Slack mrkdwn.',
  kind: 'write',
  input: z.object({
    channel: z.string().min(1).max(100),
    // Slack refuses longer text with msg_too_long
    text: z.string().min(1).max(40_000),
    threadTs: z.string().regex(/^\d{10}\.\d{6}$/, 'a message ts such as 1503435956.000247').optional(),
    unfurlLinks: z.boolean().optional(),
  }),
  output: z.object({ channel: z.string(), ts: z.string(), permalink: z.string() }),
  async run(ctx, input) {
    const posted = await postMessage(ctx, input);
    return { channel: posted.channel, ts: posted.ts, permalink: await permalink(ctx, posted.channel, posted.ts) };
  },
});
