import type { PluginDefinition } from '../../core/plugin-sdk';

/** What YouTube is to the hub, as data: a channel reached through the Data API v3 with Google OAuth. */
export const youtubeManifest = {
  name: 'youtube',
  displayName: 'YouTube',
  description: "YouTube Data API v3: upload videos with their title, description, tags and privacy (resumable upload), sync the channel's uploads",
  category: 'social',
  version: '1.0.0',
  coreVersion: '^0.1.0',
  // the Data API and its upload endpoints both answer here; the resumable session URL is on this host too
  baseUrl: 'https://www.googleapis.com',
  docsUrl: 'https://developers.google.com/youtube/v3/docs',
  auth: [{
    kind: 'oauth2',
    authorizeUrl: 'https://accounts.google.com/o/oauth2/v2/auth',
    tokenUrl: 'https://oauth2.googleapis.com/token',
    revokeUrl: 'https://oauth2.googleapis.com/revoke',
    scopes: ['https://www.googleapis.com/auth/youtube.upload', 'https://www.googleapis.com/auth/youtube.readonly'],
    pkce: true,
    grant: 'authorization_code',
    // Google hands out a refresh token only for offline access, and again only with a fresh consent
    authorizeParams: { access_type: 'offline', prompt: 'consent' },
  }],
  // Google meters YouTube in quota units per day (10,000 by default; an upload costs 1,600, a list 1):
  // this request budget only smooths bursts, and a 403 quotaExceeded says the day is used up
  rateLimit: { requests: 10, perSeconds: 1 },
} satisfies Omit<PluginDefinition, 'entities' | 'actions' | 'checkConnection' | 'simulator'>;
