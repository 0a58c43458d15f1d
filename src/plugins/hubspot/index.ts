import { definePlugin, UpstreamError } from '../../core/plugin-sdk';
import { createContactAction } from './actions/create-contact.action';
import { getContactAction } from './actions/get-contact.action';
import { updateContactAction } from './actions/update-contact.action';
import { updateDealAction } from './actions/update-deal.action';
import { getAccountDetails } from './hubspot.client';
import { companiesSync } from './syncs/companies.sync';
import { contactsSync } from './syncs/contacts.sync';
import { dealsSync } from './syncs/deals.sync';
import { hubspotWebhooks } from './webhooks';

const webhookSecret = {
  label: 'App client secret',
  secret: true,
  required: false,
  description: 'Only needed to receive webhooks: HubSpot signs them (v3) with the client secret of the app that subscribed.',
};

export default definePlugin({
  name: 'hubspot',
  displayName: 'HubSpot',
  description: 'HubSpot CRM: contacts, companies and deals, kept in sync incrementally, with contact and deal actions and CRM webhooks.',
  category: 'crm',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  baseUrl: 'https://api.hubapi.com',
  docsUrl: 'https://developers.hubspot.com/docs/api-reference/legacy/overview',
  auth: [
    {
      kind: 'api_key',
      fields: {
        accessToken: { label: 'Private app access token', secret: true, required: true, description: 'Starts with pat-; from Settings > Integrations > Private apps.' },
        webhookSecret,
      },
      inject: [{ in: 'header', name: 'Authorization', value: 'Bearer {accessToken}' }],
    },
    {
      kind: 'oauth2',
      authorizeUrl: 'https://app.hubspot.com/oauth/authorize',
      tokenUrl: 'https://api.hubapi.com/oauth/v1/token',
      // HubSpot revokes with DELETE /oauth/v1/refresh-tokens/{token}, not an RFC 7009 POST
      revokeUrl: 'https://api.hubapi.com/oauth/v1/refresh-tokens',
      revokeStyle: 'path',
      scopes: [
        'oauth', 'crm.objects.contacts.read', 'crm.objects.contacts.write', 'crm.objects.companies.read',
        'crm.objects.deals.read', 'crm.objects.deals.write',
      ],
      // HubSpot's authorize URL takes client_id, scope, redirect_uri, optional_scope and state: no PKCE
      pkce: false,
      grant: 'authorization_code',
      fields: { webhookSecret },
    },
  ],
  // Free and Starter accounts: 100 requests per 10 s per app, 250,000 a day per account (Professional and up allow more)
  rateLimit: { requests: 100, perSeconds: 10, dailyQuota: 250_000 },
  // HubSpot sends the window's length (X-HubSpot-RateLimit-Interval-Milliseconds), not its reset time
  rateLimitHeaders: { remaining: 'X-HubSpot-RateLimit-Remaining' },
  entities: { contacts: contactsSync, companies: companiesSync, deals: dealsSync },
  actions: { create_contact: createContactAction, update_contact: updateContactAction, update_deal: updateDealAction, get_contact: getContactAction },
  webhooks: hubspotWebhooks,
  async checkConnection(ctx) {
    try {
      const account = await getAccountDetails(ctx.http);
      return { ok: true, account: String(account.portalId) };
    } catch (e) {
      if (e instanceof UpstreamError && (e.status === 401 || e.status === 403)) {
        const message = (e.body as { message?: string } | null)?.message;
        return { ok: false, detail: message ?? `HubSpot refused the credentials (${e.status})` };
      }
      throw e;
    }
  },
  // Under nodenext a dynamic import() resolves ESM-style and needs a .js suffix that Jest cannot map
  // back to .ts; require() stays lazy and resolves the same in Jest and in dist.
  simulator: () => import('./simulator/hubspot.simulator.js'),
});
