import { Controller, Param, Post } from '@nestjs/common';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { Test } from '@nestjs/testing';
import { BillingWebhookController } from './billing.controller';
import { BillingWebhooks } from './billing-webhooks.service';

/** Stands for the generic inbound webhooks area (`/webhooks/:plugin`), registered first on purpose. */
@Controller('webhooks')
class GenericWebhooksProbe {
  @Post(':plugin')
  receive(@Param('plugin') plugin: string): { route: string; plugin: string } {
    return { route: 'generic', plugin };
  }
}

describe('billing webhook route', () => {
  let app: NestFastifyApplication;

  beforeAll(async () => {
    const moduleRef = await Test.createTestingModule({
      controllers: [GenericWebhooksProbe, BillingWebhookController],
      providers: [{ provide: BillingWebhooks, useValue: { receive: async (raw: Buffer | undefined, sig?: string) => ({ route: 'billing', raw: raw?.toString(), sig }) } }],
    }).compile();
    app = moduleRef.createNestApplication<NestFastifyApplication>(new FastifyAdapter(), { rawBody: true, logger: false });
    await app.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(() => app.close());

  it('wins over a `/webhooks/:plugin` route registered before it, and gets the raw body and the signature', async () => {
    const body = '{"id":"evt_1",  "type":"invoice.paid"}';
    const url = await app.getUrl();
    const res = await fetch(`${url}/webhooks/stripe-billing`, { method: 'POST', headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=abc' }, body });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ route: 'billing', raw: body, sig: 't=1,v1=abc' });
    const other = await fetch(`${url}/webhooks/hubspot`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' });
    expect(await other.json()).toEqual({ route: 'generic', plugin: 'hubspot' });
  });
});
