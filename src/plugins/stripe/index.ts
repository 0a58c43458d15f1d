import { definePlugin, refusedCredentials } from '../../core/plugin-sdk';
import { createCustomerAction } from './actions/create-customer.action';
import { getCustomerAction } from './actions/get-customer.action';
import { stripeManifest } from './manifest';
import { retrieveAccount } from './stripe.client';
import { customersSync } from './syncs/customers.sync';
import { invoicesSync } from './syncs/invoices.sync';
import { productsSync } from './syncs/products.sync';
import { subscriptionsSync } from './syncs/subscriptions.sync';
import { stripeWebhooks } from './webhooks';

export default definePlugin({
  ...stripeManifest,
  entities: {
    customers: customersSync,
    products: productsSync,
    invoices: invoicesSync,
    subscriptions: subscriptionsSync,
  },
  actions: {
    create_customer: createCustomerAction,
    get_customer: getCustomerAction,
  },
  webhooks: stripeWebhooks,
  async checkConnection(ctx) {
    try {
      const account = await retrieveAccount(ctx);
      return { ok: true, account: account.settings?.dashboard?.display_name ?? account.business_profile?.name ?? account.email ?? account.id };
    } catch (e) {
      // a refused key is an answer about the connection; an outage (5xx, open circuit) is a failure of the check
      return refusedCredentials(e, stripeMessage);
    }
  },
  simulator: () => import('./simulator/stripe.simulator.js'),
});

function stripeMessage(body: unknown): string | undefined {
  return (body as { error?: { message?: string } } | null)?.error?.message;
}
