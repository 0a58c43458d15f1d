import { definePlugin, publishAction, refusedCredentials } from '../../core/plugin-sdk';
import { twitterManifest } from './manifest';
import { twitterPublisher } from './publisher';
import { postsSync } from './syncs/posts.sync';
import { me } from './twitter.client';

export default definePlugin({
  ...twitterManifest,
  entities: { posts: postsSync },
  actions: {
    publish: publishAction(twitterPublisher, 'Publish a post, or a thread when the text is longer than 280 weighted characters; media by their upload ids'),
  },
  publisher: twitterPublisher,
  async checkConnection(ctx) {
    try {
      const user = await me(ctx);
      return { ok: true, account: `@${user.username}` };
    } catch (e) {
      return refusedCredentials(e, (body) => (body as { detail?: string } | null)?.detail);
    }
  },
  simulator: () => import('./simulator/twitter.simulator.js'),
});
