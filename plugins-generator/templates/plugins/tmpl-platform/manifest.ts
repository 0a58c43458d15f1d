import type { PluginDefinition } from '../../core/plugin-sdk';

const webhookSecret = {
  label: 'Webhook signing secret',
  secret: true,
  required: false,
  description: 'Only needed to receive webhooks: every delivery is verified with it, and refused without it.',
};

/** What Tmpl Platform is to the hub, as data: identity, credentials, limits. */
export const tmplPlatformManifest = {
  name: 'tmpl-platform',
  displayName: 'Tmpl Platform',
  description: 'Tmpl Platform: sync tmpl items, create one tmpl item, verify signed webhooks',
  category: 'other', // @sub [other] category
  version: '0.1.0',
  coreVersion: '^0.1.0', // @sub [^0.1.0] coreVersion
  baseUrl: 'https://api.tmpl-platform.example',
  auth: [
    // @if auth=api_key
    {
      kind: 'api_key',
      fields: { apiKey: { label: 'API key', secret: true, required: true }, webhookSecret },
      inject: [{ in: 'header', name: 'Authorization', value: 'Bearer {apiKey}' }],
    },
    // @end
    // @when auth=oauth2
    // {
    //   kind: 'oauth2',
    //   authorizeUrl: 'https://api.tmpl-platform.example/oauth/authorize',
    //   tokenUrl: 'https://api.tmpl-platform.example/oauth/token',
    //   scopes: [],
    //   pkce: true,
    //   grant: 'authorization_code',
    //   fields: { webhookSecret },
    // },
    // @end
    // @when auth=basic
    // {
    //   kind: 'basic',
    //   fields: { username: { label: 'User name', secret: false, required: true }, password: { label: 'Password', secret: true, required: true }, webhookSecret },
    //   username: 'username',
    //   password: 'password',
    // },
    // @end
    // @when auth=none: { kind: 'none', fields: { webhookSecret } },
  ],
  // a cautious guess: put the platform's documented limit here
  rateLimit: { requests: 10, perSeconds: 1 },
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'webhooks' | 'checkConnection' | 'simulator'>;
