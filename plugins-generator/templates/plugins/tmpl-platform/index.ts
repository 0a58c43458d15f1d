import { definePlugin, UpstreamError } from '../../core/plugin-sdk';
import { createTmplItemAction } from './actions/create-tmpl-item.action';
import { tmplPlatformManifest } from './manifest';
import { tmplItemsSync } from './syncs/tmpl-items.sync'; // @each entity
import { listPage, TMPL_ITEMS_PATH } from './tmpl-platform.client';
import { tmplPlatformWebhooks } from './webhooks';

export default definePlugin({
  ...tmplPlatformManifest,
  entities: {
    tmpl_items: tmplItemsSync, // @each entity
  },
  actions: {
    create_tmpl_item: createTmplItemAction,
  },
  webhooks: tmplPlatformWebhooks,
  // one page of tmpl items proves the base URL and the credentials
  async checkConnection(ctx) {
    try {
      await listPage(ctx.http, TMPL_ITEMS_PATH, null);
      return { ok: true };
    } catch (e) {
      if (e instanceof UpstreamError && (e.status === 401 || e.status === 403)) return { ok: false, detail: `Tmpl Platform refused the credentials (${e.status})` };
      throw e;
    }
  },
  // Under nodenext a dynamic import() resolves ESM-style: it needs the .js suffix, in Jest and in dist alike.
  simulator: () => import('./simulator/tmpl-platform.simulator.js'),
});
