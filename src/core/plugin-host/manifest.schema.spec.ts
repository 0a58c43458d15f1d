import { webhookSchemes } from '../plugin-sdk';
import { pluginManifestSchema } from './manifest.schema';

describe('manifest webhook declarations', () => {
  it('every preset is a valid manifest declaration; a bad recipe is refused at load', () => {
    const base = {
      name: 'x-y', displayName: 'X', description: 'x', category: 'other', version: '1.0.0', coreVersion: '^0.1.0', baseUrl: 'https://x.example',
      auth: [{ kind: 'api_key', fields: { webhookSecret: { label: 'S', secret: true } }, inject: [{ in: 'header', name: 'X', value: '{webhookSecret}' }] }],
      rateLimit: { requests: 1, perSeconds: 1 }, entities: {}, actions: {}, checkConnection: () => undefined,
    };
    const withScheme = (scheme: unknown) => pluginManifestSchema.safeParse({ ...base, webhooks: { scheme, secretField: 'webhookSecret', parse: () => [] } });
    const presets = [webhookSchemes.standardWebhooks(), webhookSchemes.shopify(), webhookSchemes.intercom(), webhookSchemes.xero(), webhookSchemes.hmac({ header: 'X-Sig' })];
    for (const p of presets) expect({ name: p.name, ok: withScheme(p).success }).toEqual({ name: p.name, ok: true });
    const refused = [
      { ...webhookSchemes.hmac({ header: 'X-Sig', timestamp: { header: 'X-T', unit: 'seconds', toleranceSeconds: 60 } }), timestamp: undefined },
      { ...webhookSchemes.standardWebhooks(), idHeader: undefined },
      { ...webhookSchemes.xero(), signedContent: '{timestamp}' },
      { ...webhookSchemes.xero(), algorithm: 'md5' },
      'hmac_sha256',
    ];
    for (const r of refused) expect(withScheme(r).success).toBe(false);
  });
});
