/**
 * The parts of Stripe's objects (API version 2023-08-16) this plugin reads. Stripe sends many more
 * fields; these are the ones mapped, so a schema change shows up here and nowhere else.
 */

export interface StripeObject {
  id: string;
  object: string;
  /** unix seconds */
  created: number;
}

export interface StripeList<T> {
  object: 'list';
  data: T[];
  has_more: boolean;
  url: string;
}

export type StripeMetadata = Record<string, string>;

export interface StripeCustomer extends StripeObject {
  object: 'customer';
  email: string | null;
  name: string | null;
  phone: string | null;
  currency: string | null;
  metadata: StripeMetadata;
}

export interface StripeDeletedObject {
  id: string;
  object: string;
  deleted: true;
}

export interface StripeProduct extends StripeObject {
  object: 'product';
  name: string;
  description: string | null;
  active: boolean;
  /** unix seconds */
  updated: number;
}

/** Where Stripe nests a related object, it is an id unless expanded. */
export type StripeRef = string | { id: string } | null;

export interface StripeInvoice extends StripeObject {
  object: 'invoice';
  number: string | null;
  total: number;
  amount_paid: number;
  currency: string;
  status: string | null;
  customer: StripeRef;
  due_date: number | null;
}

export interface StripeSubscription extends StripeObject {
  object: 'subscription';
  status: string;
  customer: StripeRef;
  current_period_end: number;
  cancel_at_period_end: boolean;
}

export interface StripeAccount {
  id: string;
  object: 'account';
  email?: string | null;
  business_profile?: { name?: string | null } | null;
  settings?: { dashboard?: { display_name?: string | null } } | null;
}

export interface StripeEvent {
  id: string;
  object: 'event';
  type: string;
  created: number;
  account?: string;
  data: { object: { id?: string; object?: string } & Record<string, unknown> };
}

export interface StripeWebhookEndpoint extends StripeObject {
  object: 'webhook_endpoint';
  url: string;
  enabled_events: string[];
  status: 'enabled' | 'disabled';
  /** only in the answer to the creation */
  secret?: string;
}
