import type { PluginDefinition } from '../../core/plugin-sdk';

/** What Buzzsprout is to the hub, as data: a podcast host reached with an account's API token. */
export const buzzsproutManifest = {
  name: 'buzzsprout',
  displayName: 'Buzzsprout',
  description: 'Buzzsprout podcast hosting: publish episodes (Buzzsprout fetches the audio from its URL) and sync the episodes of a podcast',
  category: 'marketing',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  baseUrl: 'https://www.buzzsprout.com',
  docsUrl: 'https://github.com/buzzsprout/buzzsprout-api',
  auth: [{
    kind: 'api_key',
    fields: {
      apiToken: { label: 'API token', secret: true, required: true, description: 'From My Account > API access in Buzzsprout' },
    },
    inject: [{ in: 'header', name: 'Authorization', value: 'Token token={apiToken}' }],
  }],
  // Buzzsprout documents no request limit (it asks clients to use ETags); this budget keeps bursts polite
  rateLimit: { requests: 60, perSeconds: 60 },
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'checkConnection' | 'simulator'>;
