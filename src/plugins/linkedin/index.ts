import { definePlugin, publishAction, refusedCredentials } from '../../core/plugin-sdk';
import { userinfo } from './linkedin.client';
import { linkedinManifest } from './manifest';
import { linkedinPublisher } from './publisher';
import { postsSync } from './syncs/posts.sync';

export default definePlugin({
  ...linkedinManifest,
  entities: { posts: postsSync },
  actions: {
    publish: publishAction(linkedinPublisher, 'Publish a post (or an article card) as the member or one of their pages; 3,000 characters; media by their LinkedIn URN'),
  },
  publisher: linkedinPublisher,
  async checkConnection(ctx) {
    try {
      const me = await userinfo(ctx);
      return { ok: true, account: me.name ?? `urn:li:person:${me.sub}` };
    } catch (e) {
      return refusedCredentials(e, (body) => (body as { message?: string } | null)?.message);
    }
  },
  simulator: () => import('./simulator/linkedin.simulator.js'),
});
