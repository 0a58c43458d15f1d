import { defineSync } from '../../../core/plugin-sdk';
import { DEALS, fetchObjectPage, type HubspotObject } from '../hubspot.client';

export const dealsSync = defineSync<HubspotObject, 'deal'>({
  model: 'deal',
  description: 'CRM deals',
  incremental: true,
  fetchPage: (ctx, params) => fetchObjectPage(ctx.http, DEALS, params),
  externalId: (raw) => raw.id,
  remoteUpdatedAt: (raw) => new Date(raw.updatedAt),
  // bumped by rollups HubSpot recomputes (days to close, forecast amounts)
  volatileFields: ['updatedAt', 'properties.hs_lastmodifieddate'],
  toUnified: (raw) => ({
    name: raw.properties.dealname ?? null,
    // HubSpot sends numbers as strings, and an unset amount as null or ''
    amount: raw.properties.amount ? Number(raw.properties.amount) : null,
    currency: raw.properties.deal_currency_code ?? null,
    stage: raw.properties.dealstage ?? null,
    closeDate: raw.properties.closedate ?? null,
  }),
});
