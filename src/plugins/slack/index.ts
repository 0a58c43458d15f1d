import { definePlugin, refusedCredentials } from '../../core/plugin-sdk';
import { postMessageAction } from './actions/post-message.action';
import { slackManifest } from './manifest';
import { slackPublisher } from './publisher';
import { authTest } from './slack.client';
import { channelsSync } from './syncs/channels.sync';
import { slackWebhooks } from './webhooks';

export default definePlugin({
  ...slackManifest,
  entities: { channels: channelsSync },
  actions: { post_message: postMessageAction },
  publisher: slackPublisher,
  webhooks: slackWebhooks,
  async checkConnection(ctx) {
    try {
      const me = await authTest(ctx);
      return { ok: true, account: `${me.team} (${me.user})` };
    } catch (e) {
      return refusedCredentials(e, (body) => `Slack refused the token: ${(body as { error?: string } | null)?.error}`);
    }
  },
  simulator: () => import('./simulator/slack.simulator.js'),
});
