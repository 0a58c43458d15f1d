import Stripe from 'stripe';
import { signWebhook, verifyWebhook } from '../../core/plugin-sdk';
import { stripeSignature } from './webhooks';

/** Stripe's own library is the reference: each side accepts what the other signs. */
describe('Stripe-Signature', () => {
  const secret = 'whsec_test_0123456789abcdef';
  const payload = JSON.stringify({ id: 'evt_1', object: 'event', type: 'invoice.paid', created: 1_700_000_000, data: { object: { id: 'in_1', object: 'invoice' } } });
  const verify = (header: string, body = payload, now = Date.now()) =>
    verifyWebhook(stripeSignature, secret, { method: 'POST', url: 'https://hooks.example/webhooks/stripe', headers: { 'stripe-signature': header }, body: Buffer.from(body) }, now);

  it('verifies the header Stripe generates, and Stripe verifies ours', () => {
    const theirs = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    expect(verify(theirs)).toMatchObject({ ok: true });
    const ours = signWebhook(stripeSignature, secret, { body: payload })['stripe-signature'];
    expect(ours).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
    expect(Stripe.webhooks.constructEvent(payload, ours, secret).type).toBe('invoice.paid');
  });

  it('refuses a tampered body, another secret, and a timestamp past the five-minute tolerance', () => {
    const t = Math.floor(Date.now() / 1000) - 400;
    const old = Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp: t });
    expect(verify(old)).toEqual({ ok: false, reason: 'stale_timestamp' });
    expect(() => Stripe.webhooks.constructEvent(payload, old, secret, 300)).toThrow(/Timestamp outside the tolerance zone/);
    const fresh = Stripe.webhooks.generateTestHeaderString({ payload, secret });
    expect(verify(fresh, payload.replace('invoice.paid', 'invoice.voided'))).toEqual({ ok: false, reason: 'bad_signature' });
    expect(verify(Stripe.webhooks.generateTestHeaderString({ payload, secret: 'whsec_other' }))).toEqual({ ok: false, reason: 'bad_signature' });
  });
});
