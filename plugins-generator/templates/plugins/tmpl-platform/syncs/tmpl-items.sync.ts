import { defineSync } from '../../../core/plugin-sdk';
import { listPage, TMPL_ITEMS_PATH, updatedAt } from '../tmpl-platform.client'; // @if updated
// @when !updated: import { listPage, TMPL_ITEMS_PATH } from '../tmpl-platform.client';
import type { TmplPlatformTmplItem } from '../tmpl-platform.types';

export const tmplItemsSync = defineSync<TmplPlatformTmplItem, 'product'>({ // @sub [product] model
  model: 'product', // @sub [product] model
  description: 'Tmpl items',
  // every run reads everything: where the platform can filter by update time, pass params.modifiedSince in the client and set this
  incremental: false,
  fetchPage: (ctx, { cursor }) => listPage<TmplPlatformTmplItem>(ctx.http, TMPL_ITEMS_PATH, cursor),
  externalId: (raw) => String(raw.tmpl_id),
  remoteUpdatedAt: (raw) => updatedAt(raw.tmpl_updated), // @if updated
  // @when !updated: remoteUpdatedAt: () => null,
  toUnified: (raw) => ({
    name: raw.tmpl_field, // @each mapping @sub [name] unified
  }),
});
