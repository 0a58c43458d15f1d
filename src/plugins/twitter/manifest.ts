import type { PluginDefinition } from '../../core/plugin-sdk';

/**
 * What X (formerly Twitter) is to the hub, as data. The slug is `twitter`: the manifest contract
 * wants two characters at least, and the core's platform-name check matches slugs as substrings.
 */
export const twitterManifest = {
  name: 'twitter',
  displayName: 'X (formerly Twitter)',
  description: 'X API v2 with OAuth 2.0 user context: publish posts and threads (280 weighted characters, links as 23), sync your own posts',
  category: 'social',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  baseUrl: 'https://api.x.com',
  docsUrl: 'https://docs.x.com/x-api/introduction',
  auth: [{
    kind: 'oauth2',
    authorizeUrl: 'https://x.com/i/oauth2/authorize',
    tokenUrl: 'https://api.x.com/2/oauth2/token',
    revokeUrl: 'https://api.x.com/2/oauth2/revoke',
    // offline.access: a refresh token, since access tokens last two hours
    scopes: ['tweet.read', 'tweet.write', 'users.read', 'offline.access'],
    // X requires PKCE (S256) on the authorization-code flow
    pkce: true,
    grant: 'authorization_code',
    // a confidential client authenticates at the token endpoints with a Basic header only
    clientAuth: 'basic',
  }],
  // POST /2/tweets allows 100 requests per 15 minutes per user on the Basic tier
  rateLimit: { requests: 100, perSeconds: 900 },
  // every answer says how many calls of the window are left and when it resets (epoch seconds)
  rateLimitHeaders: { remaining: 'x-rate-limit-remaining', reset: 'x-rate-limit-reset' },
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'checkConnection' | 'simulator'>;
