import { defineSync } from '../../../core/plugin-sdk';
import { CONTACTS, fetchObjectPage, type HubspotObject } from '../hubspot.client';

export const contactsSync = defineSync<HubspotObject, 'contact'>({
  model: 'contact',
  description: 'CRM contacts',
  incremental: true,
  fetchPage: (ctx, params) => fetchObjectPage(ctx.http, CONTACTS, params),
  externalId: (raw) => raw.id,
  remoteUpdatedAt: (raw) => new Date(raw.updatedAt),
  // bumped by activity on properties this sync does not read (page views, email opens)
  volatileFields: ['updatedAt', 'properties.lastmodifieddate'],
  toUnified: (raw) => ({
    email: raw.properties.email ?? null,
    firstName: raw.properties.firstname ?? null,
    lastName: raw.properties.lastname ?? null,
    phone: raw.properties.phone ?? null,
    companyName: raw.properties.company ?? null,
  }),
});
