import { definePlugin, publishAction, refusedCredentials } from '../../core/plugin-sdk';
import { podcasts } from './buzzsprout.client';
import { buzzsproutManifest } from './manifest';
import { buzzsproutPublisher } from './publisher';
import { episodesSync } from './syncs/episodes.sync';

export default definePlugin({
  ...buzzsproutManifest,
  entities: { episodes: episodesSync },
  actions: {
    publish: publishAction(buzzsproutPublisher, 'Publish an episode: a title, show notes, tags and the audio URL Buzzsprout fetches (artwork optional)'),
  },
  publisher: buzzsproutPublisher,
  async checkConnection(ctx) {
    try {
      const all = await podcasts(ctx);
      return { ok: true, account: all.map((p) => p.title).join(', ') || 'no podcasts yet' };
    } catch (e) {
      // Buzzsprout refuses a token with a plain-text 401
      return refusedCredentials(e, (body) => (typeof body === 'string' ? body.trim() : null));
    }
  },
  simulator: () => import('./simulator/buzzsprout.simulator.js'),
});
