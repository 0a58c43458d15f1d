import { definePlugin, publishAction, refusedCredentials } from '../../core/plugin-sdk';
import { youtubeManifest } from './manifest';
import { youtubePublisher } from './publisher';
import { videosSync } from './syncs/videos.sync';
import { myChannel } from './youtube.client';

export default definePlugin({
  ...youtubeManifest,
  entities: { videos: videosSync },
  actions: {
    publish: publishAction(youtubePublisher, 'Upload a video with its title, description, tags and privacy; the video bytes come from its URL (through the publishing service)'),
  },
  publisher: youtubePublisher,
  async checkConnection(ctx) {
    try {
      const channel = await myChannel(ctx, 'snippet');
      return channel ? { ok: true, account: channel.snippet?.title ?? channel.id } : { ok: false, detail: 'the Google account has no YouTube channel' };
    } catch (e) {
      return refusedCredentials(e, (body) => (body as { error?: { message?: string } } | null)?.error?.message);
    }
  },
  simulator: () => import('./simulator/youtube.simulator.js'),
});
