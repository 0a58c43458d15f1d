import type { PluginDefinition } from '../../core/plugin-sdk';

/** What Twilio is to the hub, as data: identity, credentials, limits and price. */
export const twilioManifest = {
  name: 'twilio',
  displayName: 'Twilio',
  description: 'SMS: send text messages from a Twilio number or messaging service',
  category: 'communication',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  baseUrl: 'https://api.twilio.com',
  docsUrl: 'https://www.twilio.com/docs/messaging/api/message-resource',
  auth: [{
    kind: 'basic',
    fields: {
      accountSid: { label: 'Account SID', secret: false, required: true, description: 'AC..., from the Twilio console' },
      authToken: { label: 'Auth token', secret: true, required: true },
    },
    username: 'accountSid',
    password: 'authToken',
  }],
  // Twilio's default API concurrency; sending is further paced per sender by Twilio itself
  rateLimit: { requests: 100, perSeconds: 1 },
  // a US SMS segment at list price: an estimate for the analytics, not a bill
  pricing: { perCall: 0.0079, currency: 'USD' },
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'checkConnection' | 'simulator'>;
