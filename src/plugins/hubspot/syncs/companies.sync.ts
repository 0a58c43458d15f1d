import { defineSync } from '../../../core/plugin-sdk';
import { COMPANIES, fetchObjectPage, type HubspotObject } from '../hubspot.client';

export const companiesSync = defineSync<HubspotObject, 'company'>({
  model: 'company',
  description: 'CRM companies',
  incremental: true,
  fetchPage: (ctx, params) => fetchObjectPage(ctx.http, COMPANIES, params),
  externalId: (raw) => raw.id,
  remoteUpdatedAt: (raw) => new Date(raw.updatedAt),
  // bumped by rollups HubSpot recomputes (associated contact counts, last activity)
  volatileFields: ['updatedAt', 'properties.hs_lastmodifieddate'],
  toUnified: (raw) => ({
    name: raw.properties.name ?? null,
    domain: raw.properties.domain ?? null,
    industry: raw.properties.industry ?? null,
    phone: raw.properties.phone ?? null,
  }),
});
