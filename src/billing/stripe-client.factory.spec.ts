import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { apiBaseOptions, StripeClientFactory } from './stripe-client.factory';

describe('Stripe client factory', () => {
  it('turns STRIPE_API_BASE_URL into the host, port and protocol the SDK takes', () => {
    expect(apiBaseOptions(undefined)).toEqual({});
    expect(apiBaseOptions('http://127.0.0.1:12111')).toEqual({ host: '127.0.0.1', port: 12111, protocol: 'http' });
    expect(apiBaseOptions('https://stripe.internal.example')).toEqual({ host: 'stripe.internal.example', port: 443, protocol: 'https' });
    expect(apiBaseOptions('http://sim.local/')).toEqual({ host: 'sim.local', port: 80, protocol: 'http' });
  });

  it('makes no client without a key, and one that calls the base URL with the key', async () => {
    const factory = new StripeClientFactory();
    expect(factory.create({ STRIPE_SECRET_KEY: undefined, STRIPE_API_BASE_URL: undefined })).toBeNull();
    const seen: { url?: string; auth?: string } = {};
    const server = createServer((req, res) => {
      Object.assign(seen, { url: req.url, auth: req.headers.authorization });
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ id: 'cus_1', object: 'customer', created: 1, livemode: false }));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const stripe = factory.create({ STRIPE_SECRET_KEY: 'sk_test_factory', STRIPE_API_BASE_URL: `http://127.0.0.1:${(server.address() as AddressInfo).port}` })!;
      expect((await stripe.customers.retrieve('cus_1')).id).toBe('cus_1');
      expect(seen).toEqual({ url: '/v1/customers/cus_1', auth: 'Bearer sk_test_factory' });
    } finally {
      server.close();
    }
  });
});
