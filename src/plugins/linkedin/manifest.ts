import type { PluginDefinition } from '../../core/plugin-sdk';

/** The Posts API version this plugin is written against; LinkedIn keeps each monthly version for a year. */
export const LINKEDIN_VERSION = '202610';

/** What LinkedIn is to the hub, as data: a member (or the pages they administer) through the Posts API. */
export const linkedinManifest = {
  name: 'linkedin',
  displayName: 'LinkedIn',
  description: "LinkedIn Posts API: publish posts and article shares as a member or a page they administer (3,000 characters), sync the author's posts",
  category: 'social',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  baseUrl: 'https://api.linkedin.com',
  docsUrl: 'https://learn.microsoft.com/en-us/linkedin/marketing/community-management/shares/posts-api',
  auth: [{
    kind: 'oauth2',
    authorizeUrl: 'https://www.linkedin.com/oauth/v2/authorization',
    tokenUrl: 'https://www.linkedin.com/oauth/v2/accessToken',
    revokeUrl: 'https://www.linkedin.com/oauth/v2/revoke',
    // openid + profile: /v2/userinfo names the member (their person URN); w_member_social: post as them
    scopes: ['openid', 'profile', 'w_member_social'],
    // PKCE is for LinkedIn's native-app clients; web apps authenticate with the client secret
    pkce: false,
    grant: 'authorization_code',
  }],
  // LinkedIn meters calls per day per member and application (shown in the developer portal); this
  // budget only keeps bursts polite. A 429 says the day's quota for the resource is used up.
  rateLimit: { requests: 100, perSeconds: 60 },
  // versioned /rest APIs refuse calls without a version; Rest.li 2.0 encodes URNs in query parameters
  defaultHeaders: { 'LinkedIn-Version': LINKEDIN_VERSION, 'X-Restli-Protocol-Version': '2.0.0' },
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'checkConnection' | 'simulator'>;
