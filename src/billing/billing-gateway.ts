import { BadGatewayException, HttpException, HttpStatus, Inject, Injectable, ServiceUnavailableException } from '@nestjs/common';
import type Stripe from 'stripe';
import { PLUGBOARD_CONFIG, type PlugboardConfig } from '../core/config';
import { StripeClientFactory } from './stripe-client.factory';

/** 503: billing is off on this server. */
export class BillingNotConfiguredException extends ServiceUnavailableException {
  constructor(setting: 'STRIPE_SECRET_KEY' | 'STRIPE_WEBHOOK_SECRET') {
    super(`billing is not configured on this server (${setting} is not set): every tenant stays on the plan stored for it`);
  }
}

/**
 * Billing's door to Stripe: the client (or a 503 when there is none) and Stripe's errors turned into
 * problems a tenant can act on. A declined card is the tenant's to fix (402); anything else is ours (502/503).
 */
@Injectable()
export class BillingGateway {
  private readonly stripe: Stripe | null;

  constructor(factory: StripeClientFactory, @Inject(PLUGBOARD_CONFIG) private readonly config: PlugboardConfig) {
    this.stripe = factory.create(config);
  }

  get enabled(): boolean {
    return this.stripe !== null;
  }

  client(): Stripe {
    if (!this.stripe) throw new BillingNotConfiguredException('STRIPE_SECRET_KEY');
    return this.stripe;
  }

  webhookSecret(): string {
    this.client();
    if (!this.config.STRIPE_WEBHOOK_SECRET) throw new BillingNotConfiguredException('STRIPE_WEBHOOK_SECRET');
    return this.config.STRIPE_WEBHOOK_SECRET;
  }

  /** Runs a call to Stripe; `what` names it in the problem if it fails. */
  async call<T>(what: string, fn: (stripe: Stripe) => Promise<T>): Promise<T> {
    const stripe = this.client();
    try {
      return await fn(stripe);
    } catch (e) {
      throw toProblem(what, e);
    }
  }
}

function toProblem(what: string, e: unknown): Error {
  if (e instanceof HttpException) return e;
  const err = e as { type?: string; message?: string; code?: string };
  switch (err.type) {
    case 'StripeCardError':
      return new HttpException({ message: `${what}: the payment was declined (${err.message}); update the card in the billing portal (POST /api/v1/billing/portal) and try again`, code: err.code }, HttpStatus.PAYMENT_REQUIRED);
    case 'StripeAuthenticationError':
    case 'StripePermissionError':
      return new ServiceUnavailableException(`${what}: billing is misconfigured: the payment provider refused this server's key`);
    case undefined:
      return e as Error;
    default:
      return new BadGatewayException(`${what}: the payment provider answered: ${err.message ?? err.type}`);
  }
}
