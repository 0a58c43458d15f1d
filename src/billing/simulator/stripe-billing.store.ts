import { randomBytes } from 'node:crypto';

/**
 * The state of the billing simulator: Stripe's billing objects, shaped after the published OpenAPI
 * document (spec3, API 2023-08-16) with the fields later API versions moved added beside them
 * (a subscription's periods on its items, an invoice's `parent`), so both the spec and the current
 * SDK read them. Every change is recorded as the event Stripe would send.
 */

export type Obj = Record<string, any> & { id: string; object: string; created: number };
export type Form = Record<string, any>;
export type Card = 'ok' | 'declines';
type Interval = 'month' | 'year';

/** An error as Stripe answers it: status, and the body's type, code and param. */
export class StripeError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: 'invalid_request_error' | 'card_error' | 'idempotency_error' | 'api_error' = 'invalid_request_error',
    readonly extra: { code?: string; param?: string; decline_code?: string } = {},
  ) {
    super(message);
  }

  body(): { error: Record<string, string> } {
    return { error: { type: this.type, message: this.message, ...this.extra } };
  }
}

export const invalid = (message: string, param?: string) => new StripeError(400, message, 'invalid_request_error', param ? { param } : {});
export const missing = (what: string, id: string, param = 'id') => new StripeError(404, `No such ${what}: '${id}'`, 'invalid_request_error', { code: 'resource_missing', param });

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export function newId(prefix: string): string {
  const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
  return `${prefix}_${[...randomBytes(24)].map((b) => alphabet[b % 62]).join('')}`;
}

function addInterval(ts: number, interval: Interval): number {
  const d = new Date(ts * 1000);
  d.setUTCMonth(d.getUTCMonth() + (interval === 'year' ? 12 : 1));
  return Math.floor(d.getTime() / 1000);
}

// ---- form values arrive as strings

export function str(form: Form, key: string, opts: { required?: boolean } = {}): string | undefined {
  const v = form[key];
  if (v === undefined || v === '') {
    if (opts.required) throw invalid(`Missing required param: ${key}.`, key);
    return undefined;
  }
  if (typeof v !== 'string') throw invalid(`Invalid string: ${JSON.stringify(v)}`, key);
  return v;
}

export function int(form: Form, key: string, opts: { required?: boolean; min?: number; max?: number } = {}): number | undefined {
  const v = str(form, key, opts);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^-?\d+$/.test(v) || n < (opts.min ?? -Infinity) || n > (opts.max ?? Infinity)) throw invalid(`Invalid integer: ${v}`, key);
  return n;
}

export function bool(form: Form, key: string): boolean | undefined {
  const v = str(form, key);
  if (v === undefined) return undefined;
  if (v !== 'true' && v !== 'false') throw invalid(`Invalid boolean: ${v}`, key);
  return v === 'true';
}

/** Stripe's metadata rules: a map of strings; an empty value removes the key. */
export function metadata(current: Record<string, string>, form: Form, key = 'metadata'): Record<string, string> {
  const v = form[key];
  if (v === undefined) return current;
  if (v === '') return {};
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid('Invalid hash', key);
  const out = { ...current };
  for (const [k, x] of Object.entries(v)) {
    if (typeof x !== 'string') throw invalid('Invalid hash', `${key}[${k}]`);
    if (x === '') delete out[k];
    else out[k] = x;
  }
  return out;
}

const list = (data: unknown[], url: string) => ({ object: 'list', data, has_more: false, url });

/** A Stripe event, as delivered. */
export interface StripeEvent extends Obj {
  type: string;
  data: { object: Obj; previous_attributes?: Record<string, unknown> };
}

export class BillingStore {
  readonly customers = new Map<string, Obj>();
  readonly products = new Map<string, Obj>();
  readonly prices = new Map<string, Obj>();
  readonly meters = new Map<string, Obj>();
  readonly meterEvents: Obj[] = [];
  readonly sessions = new Map<string, Obj>();
  readonly subscriptions = new Map<string, Obj>();
  readonly invoices = new Map<string, Obj>();
  /** each customer's card: whether a charge goes through */
  readonly cards = new Map<string, Card>();

  constructor(
    private readonly baseUrl: () => string,
    private readonly emit: (type: string, object: Obj, previous?: Record<string, unknown>) => void,
  ) {}

  // ---- customers, products, prices, meters

  createCustomer(form: Form): Obj {
    const c: Obj = {
      id: newId('cus'), object: 'customer', created: nowSeconds(), livemode: false, balance: 0, delinquent: false,
      email: str(form, 'email') ?? null, name: str(form, 'name') ?? null, description: str(form, 'description') ?? null, metadata: metadata({}, form),
    };
    this.customers.set(c.id, c);
    this.cards.set(c.id, 'ok');
    return c;
  }

  customer(id: string, param = 'id'): Obj {
    const c = this.customers.get(id);
    if (!c) throw missing('customer', id, param);
    return c;
  }

  createProduct(form: Form): Obj {
    const id = str(form, 'id') ?? newId('prod');
    if (this.products.has(id)) throw new StripeError(400, `Product already exists.`, 'invalid_request_error', { code: 'resource_already_exists', param: 'id' });
    const now = nowSeconds();
    const p: Obj = {
      id, object: 'product', created: now, updated: now, livemode: false, active: bool(form, 'active') ?? true,
      name: str(form, 'name', { required: true }), description: str(form, 'description') ?? null, features: [], images: [],
      metadata: metadata({}, form), type: 'service', default_price: null, url: null,
    };
    this.products.set(id, p);
    return p;
  }

  product(id: string, param = 'id'): Obj {
    const p = this.products.get(id);
    if (!p) throw missing('product', id, param);
    return p;
  }

  updateProduct(p: Obj, form: Form): Obj {
    Object.assign(p, {
      name: str(form, 'name') ?? p.name, active: bool(form, 'active') ?? p.active, description: str(form, 'description') ?? p.description,
      metadata: metadata(p.metadata, form), updated: nowSeconds(),
    });
    return p;
  }

  createPrice(form: Form): Obj {
    const product = this.product(str(form, 'product', { required: true })!, 'product');
    const recurring = form.recurring as Form | undefined;
    const interval = recurring ? str(recurring, 'interval', { required: true }) : undefined;
    if (interval && interval !== 'month' && interval !== 'year' && interval !== 'week' && interval !== 'day') throw invalid(`Invalid recurring[interval]: ${interval}`, 'recurring[interval]');
    const lookupKey = str(form, 'lookup_key') ?? null;
    const holder = lookupKey ? [...this.prices.values()].find((x) => x.lookup_key === lookupKey) : undefined;
    if (holder && bool(form, 'transfer_lookup_key') !== true) {
      throw invalid(`A price (\`${holder.id}\`) already uses that lookup key. Pass \`transfer_lookup_key=true\` to transfer the lookup key to the new price.`, 'lookup_key');
    }
    if (holder) holder.lookup_key = null;
    const amount = int(form, 'unit_amount', { required: true, min: 0 })!;
    const p: Obj = {
      id: newId('price'), object: 'price', created: nowSeconds(), livemode: false, active: true, billing_scheme: 'per_unit',
      currency: str(form, 'currency', { required: true })!.toLowerCase(), lookup_key: lookupKey, metadata: metadata({}, form),
      nickname: str(form, 'nickname') ?? null, product: product.id, tax_behavior: 'unspecified', tiers_mode: null, transform_quantity: null,
      type: interval ? 'recurring' : 'one_time', unit_amount: amount, unit_amount_decimal: String(amount),
      recurring: interval ? { aggregate_usage: null, interval, interval_count: 1, trial_period_days: null, usage_type: 'licensed' } : null,
    };
    this.prices.set(p.id, p);
    return p;
  }

  price(id: string, param = 'price'): Obj {
    const p = this.prices.get(id);
    if (!p) throw missing('price', id, param);
    return p;
  }

  updatePrice(p: Obj, form: Form): Obj {
    Object.assign(p, { active: bool(form, 'active') ?? p.active, nickname: str(form, 'nickname') ?? p.nickname, metadata: metadata(p.metadata, form) });
    return p;
  }

  createMeter(form: Form): Obj {
    const eventName = str(form, 'event_name', { required: true })!;
    if ([...this.meters.values()].some((m) => m.event_name === eventName && m.status === 'active')) {
      throw invalid(`An active meter with event_name \`${eventName}\` already exists.`, 'event_name');
    }
    const agg = form.default_aggregation as Form | undefined;
    const formula = agg ? str(agg, 'formula', { required: true }) : undefined;
    if (!formula) throw invalid('Missing required param: default_aggregation.', 'default_aggregation');
    const now = nowSeconds();
    const m: Obj = {
      id: newId('mtr'), object: 'billing.meter', created: now, updated: now, livemode: false, status: 'active',
      display_name: str(form, 'display_name', { required: true }), event_name: eventName, event_time_window: null,
      default_aggregation: { formula },
      customer_mapping: { type: 'by_id', event_payload_key: str((form.customer_mapping as Form) ?? {}, 'event_payload_key') ?? 'stripe_customer_id' },
      value_settings: { event_payload_key: str((form.value_settings as Form) ?? {}, 'event_payload_key') ?? 'value' },
      status_transitions: { deactivated_at: null },
    };
    this.meters.set(m.id, m);
    return m;
  }

  createMeterEvent(form: Form): Obj {
    const eventName = str(form, 'event_name', { required: true })!;
    const meter = [...this.meters.values()].find((m) => m.event_name === eventName && m.status === 'active');
    if (!meter) throw invalid(`No active meter found for event_name \`${eventName}\`.`, 'event_name');
    const payload = (form.payload ?? {}) as Form;
    const customer = str(payload, meter.customer_mapping.event_payload_key, { required: true })!;
    this.customer(customer, `payload[${meter.customer_mapping.event_payload_key}]`);
    const raw = str(payload, meter.value_settings.event_payload_key, { required: true })!;
    if (!/^\d+(\.\d+)?$/.test(raw)) throw invalid(`Invalid value: ${raw}`, `payload[${meter.value_settings.event_payload_key}]`);
    const identifier = str(form, 'identifier') ?? newId('mev');
    if (this.meterEvents.some((e) => e.identifier === identifier)) throw invalid(`An event with identifier \`${identifier}\` already exists.`, 'identifier');
    const now = nowSeconds();
    const timestamp = int(form, 'timestamp') ?? now;
    if (timestamp < now - 35 * 86_400 || timestamp > now + 300) throw invalid('The timestamp must be within the past 35 days and not more than 5 minutes in the future.', 'timestamp');
    const e: Obj = { id: identifier, object: 'billing.meter_event', created: now, livemode: false, event_name: eventName, identifier, timestamp, payload: { ...payload } };
    this.meterEvents.push(e);
    return e;
  }

  // ---- checkout and the portal

  createSession(form: Form): Obj {
    const mode = str(form, 'mode', { required: true });
    if (mode !== 'subscription') throw invalid(`This simulator only runs subscription checkouts, not ${mode}.`, 'mode');
    const customer = this.customer(str(form, 'customer', { required: true })!, 'customer');
    const items = form.line_items as Form[] | undefined;
    if (!Array.isArray(items) || items.length !== 1) throw invalid('Checkout needs exactly one line item here.', 'line_items');
    const price = this.price(str(items[0], 'price', { required: true })!, 'line_items[0][price]');
    if (!price.active) throw invalid(`The price specified is inactive. This field only accepts active prices.`, 'line_items[0][price]');
    if (price.type !== 'recurring') throw invalid('In subscription mode, every line item needs a recurring price.', 'line_items[0][price]');
    const data = (form.subscription_data ?? {}) as Form;
    const id = newId('cs_test');
    const now = nowSeconds();
    const s: Obj = {
      id, object: 'checkout.session', created: now, expires_at: now + 86_400, livemode: false, mode, status: 'open', payment_status: 'unpaid',
      url: `${this.baseUrl()}/checkout/${id}`, customer: customer.id, customer_email: null, subscription: null, client_reference_id: str(form, 'client_reference_id') ?? null,
      metadata: metadata({}, form), success_url: str(form, 'success_url', { required: true }), cancel_url: str(form, 'cancel_url') ?? null,
      currency: price.currency, amount_subtotal: price.unit_amount, amount_total: price.unit_amount,
      automatic_tax: { enabled: false, status: null }, custom_fields: [], custom_text: { shipping_address: null, submit: null, terms_of_service_acceptance: null },
      payment_method_types: ['card'], shipping_options: [],
      // kept for completing the session; not part of Stripe's object
      _price: price.id, _quantity: int(items[0], 'quantity', { min: 1 }) ?? 1, _trialDays: int(data, 'trial_period_days', { min: 1, max: 730 }) ?? null,
      _subscriptionMetadata: metadata({}, data),
    };
    this.sessions.set(id, s);
    return s;
  }

  session(id: string): Obj {
    const s = this.sessions.get(id);
    if (!s) throw missing('checkout.session', id);
    return s;
  }

  createPortalSession(form: Form): Obj {
    const customer = this.customer(str(form, 'customer', { required: true })!, 'customer');
    const id = newId('bps');
    return {
      id, object: 'billing_portal.session', created: nowSeconds(), livemode: false, configuration: 'bpc_plugboard_simulator', customer: customer.id,
      locale: null, on_behalf_of: null, flow: null, return_url: str(form, 'return_url') ?? null, url: `${this.baseUrl()}/portal/${id}?customer=${customer.id}`,
    };
  }

  /** The customer paid at checkout: the subscription starts (in trial, if the session asked for one). */
  completeSession(id: string): Obj {
    const s = this.session(id);
    if (s.status !== 'open') throw invalid(`This Checkout Session is ${s.status}.`);
    this.cards.set(s.customer, 'ok');
    const price = this.price(s._price);
    const now = nowSeconds();
    const trialEnd = s._trialDays ? now + s._trialDays * 86_400 : null;
    const periodEnd = trialEnd ?? addInterval(now, price.recurring.interval);
    const subId = newId('sub');
    const item: Obj = {
      id: newId('si'), object: 'subscription_item', created: now, metadata: {}, price, quantity: s._quantity, subscription: subId, tax_rates: [],
      current_period_start: now, current_period_end: periodEnd,
    };
    const sub: Obj = {
      id: subId, object: 'subscription', created: now, livemode: false, application: null, automatic_tax: { enabled: false }, billing_cycle_anchor: periodEnd,
      cancel_at: null, cancel_at_period_end: false, canceled_at: null, collection_method: 'charge_automatically', currency: price.currency,
      current_period_start: now, current_period_end: periodEnd, customer: s.customer, days_until_due: null, default_payment_method: null, ended_at: null,
      items: list([item], `/v1/subscription_items?subscription=${subId}`), latest_invoice: null, metadata: s._subscriptionMetadata, start_date: now,
      status: trialEnd ? 'trialing' : 'active', trial_start: trialEnd ? now : null, trial_end: trialEnd,
    };
    this.subscriptions.set(subId, sub);
    const invoice = this.createInvoice(sub, [this.line(price, trialEnd ? 0 : price.unit_amount * s._quantity, now, periodEnd, false, trialEnd ? `Trial period for ${price.nickname ?? price.id}` : undefined)], 'subscription_create');
    this.pay(invoice);
    Object.assign(s, { status: 'complete', payment_status: trialEnd ? 'no_payment_required' : 'paid', subscription: subId });
    this.emit('checkout.session.completed', s);
    this.emit('customer.subscription.created', sub);
    this.emit('invoice.paid', invoice);
    return sub;
  }

  // ---- subscriptions

  subscription(id: string): Obj {
    const sub = this.subscriptions.get(id);
    if (!sub) throw missing('subscription', id);
    return sub;
  }

  /** Price changes (prorated and invoiced now with `always_invoice`), cancel_at_period_end, metadata. */
  updateSubscription(sub: Obj, form: Form): Obj {
    if (sub.status === 'canceled' || sub.status === 'incomplete_expired') throw invalid('A canceled subscription can only update its cancellation_details and metadata.');
    const before = structuredClone(sub);
    const previous: Record<string, unknown> = {};
    const proration = str(form, 'proration_behavior') ?? 'create_prorations';
    if (!['create_prorations', 'always_invoice', 'none'].includes(proration)) throw invalid(`Invalid proration_behavior: ${proration}`, 'proration_behavior');
    let prorated: { from: Obj; to: Obj } | null = null;
    if (form.items !== undefined) {
      const items = form.items as Form[];
      if (!Array.isArray(items) || items.length !== 1) throw invalid('Pass one item: this simulator runs one-price subscriptions.', 'items');
      const item = sub.items.data[0];
      if (str(items[0], 'id') !== undefined && str(items[0], 'id') !== item.id) throw invalid(`No such subscription item: '${str(items[0], 'id')}'`, 'items[0][id]');
      const price = this.price(str(items[0], 'price', { required: true })!, 'items[0][price]');
      if (!price.active) throw invalid('The price specified is inactive.', 'items[0][price]');
      if (price.id !== item.price.id) {
        previous.items = before.items;
        prorated = { from: item.price, to: price };
        item.price = price;
        sub.currency = price.currency;
      }
    }
    const cancel = bool(form, 'cancel_at_period_end');
    if (cancel !== undefined && cancel !== sub.cancel_at_period_end) {
      previous.cancel_at_period_end = sub.cancel_at_period_end;
      Object.assign(sub, { cancel_at_period_end: cancel, cancel_at: cancel ? sub.current_period_end : null, canceled_at: cancel ? nowSeconds() : null });
    }
    if (form.metadata !== undefined) {
      previous.metadata = sub.metadata;
      sub.metadata = metadata(sub.metadata, form);
    }
    if (Object.keys(previous).length) this.emit('customer.subscription.updated', sub, previous);
    if (prorated && proration !== 'none' && sub.status !== 'trialing') {
      const now = nowSeconds();
      const left = Math.max(0, sub.current_period_end - now) / Math.max(1, sub.current_period_end - sub.current_period_start);
      const lines = [
        this.line(prorated.from, -Math.round(prorated.from.unit_amount * left), now, sub.current_period_end, true, `Unused time on ${prorated.from.nickname ?? prorated.from.id}`),
        this.line(prorated.to, Math.round(prorated.to.unit_amount * left), now, sub.current_period_end, true, `Remaining time on ${prorated.to.nickname ?? prorated.to.id}`),
      ];
      // create_prorations leaves the lines for the next invoice; always_invoice bills them now
      if (proration === 'always_invoice') this.attempt(this.createInvoice(sub, lines, 'subscription_update'), sub);
    }
    return sub;
  }

  /** Ends the subscription now (DELETE). */
  cancelNow(sub: Obj): Obj {
    if (sub.status === 'canceled') throw invalid(`This subscription has already been canceled.`);
    const now = nowSeconds();
    Object.assign(sub, { status: 'canceled', ended_at: now, canceled_at: sub.canceled_at ?? now, cancel_at_period_end: false });
    this.emit('customer.subscription.deleted', sub);
    return sub;
  }

  /**
   * The period ends (what a test clock would do): a subscription set to cancel ends; otherwise a new
   * period starts (a trial ends) and its invoice is charged, or goes past due when the card declines.
   */
  renew(sub: Obj): Obj {
    if (sub.status === 'canceled') throw invalid('This subscription has ended.');
    if (sub.cancel_at_period_end) {
      Object.assign(sub, { status: 'canceled', ended_at: sub.current_period_end });
      this.emit('customer.subscription.deleted', sub);
      return sub;
    }
    const item = sub.items.data[0];
    const start = sub.current_period_end;
    const end = addInterval(start, item.price.recurring.interval);
    const previous = { current_period_start: sub.current_period_start, current_period_end: sub.current_period_end, status: sub.status };
    Object.assign(sub, { current_period_start: start, current_period_end: end, status: sub.status === 'trialing' ? 'active' : sub.status });
    Object.assign(item, { current_period_start: start, current_period_end: end });
    const invoice = this.createInvoice(sub, [this.line(item.price, item.price.unit_amount * (item.quantity ?? 1), start, end, false)], 'subscription_cycle');
    this.emit('customer.subscription.updated', sub, previous);
    this.attempt(invoice, sub);
    return sub;
  }

  // ---- invoices

  invoice(id: string): Obj {
    const i = this.invoices.get(id);
    if (!i) throw missing('invoice', id, 'invoice');
    return i;
  }

  /** POST /v1/invoices/:id/pay: the overdue invoice is charged again now. */
  payNow(invoice: Obj): Obj {
    if (invoice.status !== 'open') throw invalid(`Invoice is already ${invoice.status}.`, 'invoice');
    const sub = invoice.subscription ? this.subscription(invoice.subscription) : null;
    if (!this.attempt(invoice, sub)) throw new StripeError(402, 'Your card was declined.', 'card_error', { code: 'card_declined', decline_code: 'generic_decline' });
    return invoice;
  }

  private createInvoice(sub: Obj, lines: Record<string, any>[], reason: string): Obj {
    const id = newId('in');
    const total = lines.reduce((sum, l) => sum + l.amount, 0);
    const due = Math.max(0, total);
    const now = nowSeconds();
    const invoice: Obj = {
      id, object: 'invoice', created: now, livemode: false, customer: sub.customer, subscription: sub.id,
      parent: { type: 'subscription_details', quote_details: null, subscription_details: { subscription: sub.id, metadata: sub.metadata } },
      number: `PB-${String(this.invoices.size + 1).padStart(4, '0')}`, status: 'open', billing_reason: reason, currency: sub.currency,
      amount_due: due, amount_paid: 0, amount_remaining: due, amount_shipping: 0, attempt_count: 0, attempted: false, paid: false, paid_out_of_band: false,
      automatic_tax: { enabled: false, status: null }, collection_method: 'charge_automatically', default_tax_rates: [],
      lines: list(lines.map((l) => ({ ...l, invoice: id })), `/v1/invoices/${id}/lines`),
      payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
      period_start: lines[0]?.period.start ?? now, period_end: lines[0]?.period.end ?? now,
      post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0, starting_balance: 0,
      status_transitions: { finalized_at: now, marked_uncollectible_at: null, paid_at: null, voided_at: null },
      subtotal: total, total, total_tax_amounts: [], next_payment_attempt: null,
      hosted_invoice_url: `${this.baseUrl()}/invoices/${id}`, invoice_pdf: `${this.baseUrl()}/invoices/${id}.pdf`,
    };
    this.invoices.set(id, invoice);
    sub.latest_invoice = id;
    return invoice;
  }

  private line(price: Obj, amount: number, start: number, end: number, proration: boolean, description?: string): Record<string, any> {
    return {
      id: newId('il'), object: 'line_item', amount, currency: price.currency, description: description ?? `1 × ${price.nickname ?? price.id}`,
      discountable: !proration, discount_amounts: [], discounts: [], livemode: false, metadata: {}, period: { start, end }, price, proration,
      quantity: 1, type: 'subscription',
    };
  }

  private pay(invoice: Obj): void {
    const now = nowSeconds();
    Object.assign(invoice, {
      status: 'paid', paid: true, attempted: true, attempt_count: invoice.attempt_count + (invoice.amount_due > 0 ? 1 : 0),
      amount_paid: invoice.amount_due, amount_remaining: 0, next_payment_attempt: null,
      status_transitions: { ...invoice.status_transitions, paid_at: now },
    });
  }

  /** One payment attempt: paid, or left open with the subscription past due (Stripe's dunning retries it). Returns whether it was paid. */
  private attempt(invoice: Obj, sub: Obj | null): boolean {
    const ok = invoice.amount_due === 0 || this.cards.get(invoice.customer) !== 'declines';
    if (ok) {
      this.pay(invoice);
      this.emit('invoice.paid', invoice);
      if (sub && (sub.status === 'past_due' || sub.status === 'unpaid')) {
        const previous = { status: sub.status };
        sub.status = 'active';
        this.emit('customer.subscription.updated', sub, previous);
      }
      return true;
    }
    Object.assign(invoice, { attempted: true, attempt_count: invoice.attempt_count + 1, next_payment_attempt: nowSeconds() + 3 * 86_400 });
    this.emit('invoice.payment_failed', invoice);
    if (sub && sub.status !== 'past_due') {
      const previous = { status: sub.status };
      sub.status = 'past_due';
      this.emit('customer.subscription.updated', sub, previous);
    }
    return false;
  }
}
