import { Injectable } from '@nestjs/common';
import Stripe from 'stripe';
import type { PlugboardConfig } from '../core/config';

export type StripeSettings = Pick<PlugboardConfig, 'STRIPE_SECRET_KEY' | 'STRIPE_API_BASE_URL'>;

/** Where the SDK sends its calls: Stripe itself, or the host, port and protocol of STRIPE_API_BASE_URL (a simulator). */
export function apiBaseOptions(url: string | undefined): Pick<Stripe.StripeConfig, 'host' | 'port' | 'protocol'> {
  if (!url) return {};
  const u = new URL(url);
  const protocol = u.protocol === 'http:' ? 'http' : 'https';
  return { host: u.hostname, port: Number(u.port || (protocol === 'http' ? 80 : 443)), protocol };
}

/** The one place the Stripe SDK is built (tests and the demo point it elsewhere through the settings alone). */
@Injectable()
export class StripeClientFactory {
  /** null without a secret key: billing is then off and every tenant stays on its stored plan */
  create(settings: StripeSettings): Stripe | null {
    if (!settings.STRIPE_SECRET_KEY) return null;
    return new Stripe(settings.STRIPE_SECRET_KEY, {
      ...apiBaseOptions(settings.STRIPE_API_BASE_URL),
      // the SDK retries with the same idempotency key, so a retried write happens once
      maxNetworkRetries: 2,
      timeout: 10_000,
      telemetry: false,
      appInfo: { name: 'Plugboard' },
    });
  }
}
