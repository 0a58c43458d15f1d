import { SimError } from '../../../core/plugin-sdk/simulator';

/**
 * Stripe's objects as the simulator holds them: deterministic seed data, and the create, update
 * and delete rules of each resource, shaped after spec3 (API version 2023-08-16) so responses
 * carry every field the published schemas require.
 */

export type StripeResource = 'customers' | 'products' | 'invoices' | 'subscriptions';
export type Row = Record<string, any> & { id: string; object: string; created: number };
type Form = Record<string, any>;

/** 2022-01-01: every seeded record is older than anything a test creates. */
const SEED_EPOCH = 1_640_995_200;

/** The errors Stripe answers with, carrying the `type`, `code` and `param` of its error body. */
export class StripeApiError extends SimError {
  constructor(
    status: number,
    message: string,
    readonly detail: { type?: 'api_error' | 'card_error' | 'idempotency_error' | 'invalid_request_error'; code?: string; param?: string } = {},
  ) {
    super(status, message);
  }

  body(): { error: Record<string, string> } {
    const { type = 'invalid_request_error', code, param } = this.detail;
    return { error: { type, message: this.message, ...(code && { code }), ...(param && { param }) } };
  }
}

export function invalid(message: string, param?: string): StripeApiError {
  return new StripeApiError(400, message, { param });
}

export function noSuch(object: string, id: string, param = 'id', status = 404): StripeApiError {
  return new StripeApiError(status, `No such ${object}: '${id}'`, { code: 'resource_missing', param });
}

/** mulberry32: tiny, seedable, and the same sequence on every run. */
export class Rng {
  private s: number;
  constructor(seed: number) {
    this.s = seed >>> 0;
  }

  next(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  int(n: number): number {
    return Math.floor(this.next() * n);
  }

  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)];
  }

  /** Stripe-style id: a prefix and 14 base62 characters */
  id(prefix: string): string {
    const alphabet = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
    let out = '';
    for (let i = 0; i < 14; i++) out += alphabet[this.int(62)];
    return `${prefix}_${out}`;
  }
}

export function nowSeconds(): number {
  return Math.floor(Date.now() / 1000);
}

// ---- form values arrive as strings: convert them the way Stripe does, naming the param on failure

function asString(v: unknown, param: string, max = 5000): string {
  if (typeof v !== 'string') throw invalid(`Invalid string: ${JSON.stringify(v)}`, param);
  if (v.length > max) throw invalid(`Invalid string: ${v.slice(0, 20)}...; must be at most ${max} characters`, param);
  return v;
}

function asNullableString(v: unknown, param: string, max?: number): string | null {
  return v === '' ? null : asString(v, param, max);
}

function asBoolean(v: unknown, param: string): boolean {
  if (v === 'true' || v === 'false') return v === 'true';
  throw invalid(`Invalid boolean: ${String(v)}`, param);
}

function asInteger(v: unknown, param: string): number {
  if (typeof v === 'string' && /^-?\d+$/.test(v)) return Number(v);
  throw invalid(`Invalid integer: ${String(v)}`, param);
}

/** Stripe merges metadata: an empty value unsets a key, and `metadata=` clears them all. */
function mergeMetadata(row: Row, v: unknown): void {
  if (v === '') {
    row.metadata = {};
    return;
  }
  if (!v || typeof v !== 'object' || Array.isArray(v)) throw invalid('Invalid hash', 'metadata');
  for (const [k, value] of Object.entries(v as Record<string, unknown>)) {
    if (value === '') delete row.metadata[k];
    else row.metadata[k] = asString(value, `metadata[${k}]`, 500);
  }
  if (Object.keys(row.metadata).length > 50) throw invalid('Metadata may have at most 50 keys', 'metadata');
}

type Setter = (row: Row, value: unknown) => void;
const text = (field: string, max?: number): Setter => (row, v) => {
  row[field] = asNullableString(v, field, max);
};
const flag = (field: string): Setter => (row, v) => {
  row[field] = asBoolean(v, field);
};
const metadata: Setter = (row, v) => mergeMetadata(row, v);

// ---- object factories: every field spec3 requires, and the common optional ones

function list(url: string, data: unknown[] = []): Record<string, unknown> {
  return { object: 'list', data, has_more: false, url };
}

function customer(id: string, created: number, f: { email: string | null; name: string | null }, rng: Rng): Row {
  return {
    id, object: 'customer', address: null, balance: 0, created, currency: 'usd', default_source: null, delinquent: false,
    description: null, discount: null, email: f.email, invoice_prefix: rng.id('x').slice(2, 10).toUpperCase(),
    invoice_settings: { custom_fields: null, default_payment_method: null, footer: null, rendering_options: null },
    livemode: false, metadata: {}, name: f.name, next_invoice_sequence: 1, phone: null, preferred_locales: [],
    shipping: null, tax_exempt: 'none', test_clock: null,
  };
}

function product(id: string, created: number, f: { name: string; defaultPrice: string | null }): Row {
  return {
    id, object: 'product', active: true, attributes: [], created, default_price: f.defaultPrice, description: null,
    features: [], images: [], livemode: false, metadata: {}, name: f.name, package_dimensions: null, shippable: null,
    statement_descriptor: null, tax_code: null, type: 'service', unit_label: null, updated: created, url: null,
  };
}

function price(id: string, created: number, productId: string, unitAmount: number): Row {
  return {
    id, object: 'price', active: true, billing_scheme: 'per_unit', created, currency: 'usd', custom_unit_amount: null,
    livemode: false, lookup_key: null, metadata: {}, nickname: null, product: productId,
    recurring: { aggregate_usage: null, interval: 'month', interval_count: 1, trial_period_days: null, usage_type: 'licensed' },
    tax_behavior: 'unspecified', tiers_mode: null, transform_quantity: null, type: 'recurring',
    unit_amount: unitAmount, unit_amount_decimal: String(unitAmount),
  };
}

const MONTH = 30 * 86_400;

function subscription(id: string, created: number, f: { customer: string; price: Row; status: string; itemId: string }): Row {
  const ended = f.status === 'canceled' ? created + MONTH : null;
  return {
    id, object: 'subscription', application: null, application_fee_percent: null, automatic_tax: { enabled: false },
    billing_cycle_anchor: created, billing_thresholds: null, cancel_at: null, cancel_at_period_end: false, canceled_at: ended,
    cancellation_details: { comment: null, feedback: null, reason: ended ? 'cancellation_requested' : null },
    collection_method: 'charge_automatically', created, currency: 'usd', current_period_end: created + MONTH,
    current_period_start: created, customer: f.customer, days_until_due: null, default_payment_method: null,
    default_source: null, default_tax_rates: [], description: null, discount: null, ended_at: ended,
    items: list(`/v1/subscription_items?subscription=${id}`, [{
      id: f.itemId, object: 'subscription_item', billing_thresholds: null, created, metadata: {}, price: f.price,
      quantity: 1, subscription: id, tax_rates: [],
    }]),
    latest_invoice: null, livemode: false, metadata: {}, next_pending_invoice_item_invoice: null, on_behalf_of: null,
    pause_collection: null, payment_settings: null, pending_invoice_item_interval: null, pending_setup_intent: null,
    pending_update: null, schedule: null, start_date: created, status: f.status, test_clock: null, transfer_data: null,
    trial_end: null, trial_settings: null, trial_start: null,
  };
}

const INVOICE_STATUSES = ['draft', 'open', 'paid', 'paid', 'paid', 'void', 'uncollectible'] as const;

function invoice(id: string, created: number, f: { customer: Row; status: string; amount: number; lineId: string; subscription: string | null; number: string | null }): Row {
  const paid = f.status === 'paid';
  const final = f.status !== 'draft';
  const due = f.status === 'void' ? 0 : f.amount;
  const amountPaid = paid ? f.amount : 0;
  return {
    id, object: 'invoice', account_country: 'US', account_name: 'Plugboard Simulator', amount_due: due, amount_paid: amountPaid,
    amount_remaining: due - amountPaid, amount_shipping: 0, application: null, attempt_count: final ? 1 : 0, attempted: final,
    auto_advance: f.status === 'draft' || f.status === 'open', automatic_tax: { enabled: false, status: null },
    billing_reason: f.subscription ? 'subscription_cycle' : 'manual', charge: null, collection_method: 'charge_automatically',
    created, currency: 'usd', custom_fields: null, customer: f.customer.id, customer_email: f.customer.email,
    customer_name: f.customer.name, default_payment_method: null, default_source: null, default_tax_rates: [],
    description: null, discount: null, discounts: [], due_date: null, effective_at: final ? created : null, ending_balance: final ? 0 : null,
    footer: null, hosted_invoice_url: final ? `https://invoice.stripe.com/i/${id}` : null, invoice_pdf: final ? `https://pay.stripe.com/invoice/${id}/pdf` : null,
    last_finalization_error: null, latest_revision: null,
    lines: list(`/v1/invoices/${id}/lines`, [{
      id: f.lineId, object: 'line_item', amount: f.amount, amount_excluding_tax: f.amount, currency: 'usd', description: 'Plugboard plan',
      discount_amounts: [], discountable: true, discounts: [], livemode: false, metadata: {}, period: { start: created, end: created + MONTH },
      proration: false, proration_details: { credited_items: null }, quantity: 1, tax_amounts: [], tax_rates: [],
      type: f.subscription ? 'subscription' : 'invoiceitem',
    }]),
    livemode: false, metadata: {}, next_payment_attempt: null, number: f.number, on_behalf_of: null, paid, paid_out_of_band: false,
    payment_intent: null, payment_settings: { default_mandate: null, payment_method_options: null, payment_method_types: null },
    period_end: created, period_start: created - MONTH, post_payment_credit_notes_amount: 0, pre_payment_credit_notes_amount: 0,
    receipt_number: null, starting_balance: 0, statement_descriptor: null, status: f.status,
    status_transitions: { finalized_at: final ? created : null, marked_uncollectible_at: f.status === 'uncollectible' ? created : null, paid_at: paid ? created : null, voided_at: f.status === 'void' ? created : null },
    subscription: f.subscription, subtotal: f.amount, subtotal_excluding_tax: f.amount, tax: null, test_clock: null,
    total: f.amount, total_discount_amounts: [], total_excluding_tax: f.amount, total_tax_amounts: [], transfer_data: null,
    webhooks_delivered_at: created,
  };
}

// ---- per-resource rules

interface ResourceRules {
  object: string;
  prefix: string;
  /** list filters beyond limit, cursors, created and expand, and how each narrows the list */
  filters: Record<string, (row: Row, value: unknown) => boolean>;
  /** which rows a list shows when the request does not say */
  listedByDefault?(row: Row, query: Form): boolean;
  /** fields settable on create and update */
  fields: Record<string, Setter>;
  required: string[];
  /** builds the new row from the create-only params; `fields` are applied after */
  create(store: StripeStore, id: string, created: number, body: Form): Row;
  createOnly: string[];
  /** answers DELETE; returns the body */
  remove(store: StripeStore, row: Row): Record<string, unknown>;
}

const CUSTOMER_NAMES = ['Ada Lovelace', 'Grace Hopper', 'Alan Turing', 'Edsger Dijkstra', 'Barbara Liskov', 'Donald Knuth', 'Frances Allen', 'Ken Thompson'];
const PRODUCT_NAMES = ['Starter plan', 'Team plan', 'Scale plan', 'Enterprise plan', 'Extra seats', 'Support add-on', 'Storage pack'];
const SUB_STATUSES = ['active', 'active', 'active', 'trialing', 'past_due', 'canceled'] as const;

export const RULES: Record<StripeResource, ResourceRules> = {
  customers: {
    object: 'customer', prefix: 'cus',
    filters: { email: (r, v) => r.email === v },
    fields: { email: text('email', 512), name: text('name', 256), phone: text('phone', 20), description: text('description', 350), metadata },
    required: [], createOnly: [],
    create: (store, id, created) => customer(id, created, { email: null, name: null }, store.rng),
    remove: (store, row) => {
      store.delete('customers', row.id, true);
      return { id: row.id, object: 'customer', deleted: true };
    },
  },
  products: {
    object: 'product', prefix: 'prod',
    filters: { active: (r, v) => r.active === asBoolean(v, 'active'), ids: (r, v) => Array.isArray(v) && v.includes(r.id), shippable: (r, v) => r.shippable === asBoolean(v, 'shippable'), url: (r, v) => r.url === v },
    fields: { name: (row, v) => (row.name = asString(v, 'name')), description: text('description', 40_000), active: flag('active'), url: text('url'), metadata },
    required: ['name'], createOnly: [],
    create: (_store, id, created) => product(id, created, { name: '', defaultPrice: null }),
    remove: (store, row) => {
      if (store.pricesOf(row.id).length) throw invalid('This product cannot be deleted because it has one or more user-created prices.');
      store.delete('products', row.id);
      return { id: row.id, object: 'product', deleted: true };
    },
  },
  invoices: {
    object: 'invoice', prefix: 'in',
    filters: {
      customer: (r, v) => r.customer === v, status: (r, v) => r.status === v, subscription: (r, v) => r.subscription === v,
      collection_method: (r, v) => r.collection_method === v,
    },
    fields: { description: text('description', 1500), metadata },
    required: ['customer'], createOnly: ['customer'],
    create: (store, id, created, body) => {
      const owner = store.get('customers', asString(body.customer, 'customer'));
      if (!owner) throw noSuch('customer', body.customer, 'customer', 400);
      return { ...invoice(id, created, { customer: owner, status: 'draft', amount: 0, lineId: store.rng.id('il'), subscription: null, number: null }), lines: list(`/v1/invoices/${id}/lines`) } as Row;
    },
    remove: (store, row) => {
      if (row.status !== 'draft') throw invalid('You can only delete draft invoices.');
      store.delete('invoices', row.id);
      return { id: row.id, object: 'invoice', deleted: true };
    },
  },
  subscriptions: {
    object: 'subscription', prefix: 'sub',
    filters: {
      customer: (r, v) => r.customer === v, collection_method: (r, v) => r.collection_method === v,
      price: (r, v) => r.items.data.some((i: Row) => i.price.id === v),
      status: (r, v) => v === 'all' || r.status === v || (v === 'ended' && ['canceled', 'incomplete_expired'].includes(r.status)),
    },
    // Stripe leaves canceled subscriptions out unless the request names a status
    listedByDefault: (r, query) => query.status !== undefined || r.status !== 'canceled',
    fields: { description: text('description', 500), cancel_at_period_end: flag('cancel_at_period_end'), metadata },
    required: ['customer', 'items'], createOnly: ['customer', 'items'],
    create: (store, id, created, body) => {
      const owner = asString(body.customer, 'customer');
      if (!store.get('customers', owner)) throw noSuch('customer', owner, 'customer', 400);
      const priceId = Array.isArray(body.items) ? body.items[0]?.price : undefined;
      const p = typeof priceId === 'string' ? store.prices.get(priceId) : undefined;
      if (!p) throw noSuch('price', String(priceId), 'items[0][price]', 400);
      return subscription(id, created, { customer: owner, price: p, status: 'active', itemId: store.rng.id('si') });
    },
    remove: (store, row) => {
      const now = store.stamp();
      Object.assign(row, { status: 'canceled', canceled_at: now, ended_at: now, cancellation_details: { comment: null, feedback: null, reason: 'cancellation_requested' } });
      return row;
    },
  },
};

export type SeedCounts = Record<StripeResource, number>;

export const DEFAULT_SEED: SeedCounts = { customers: 250, products: 60, invoices: 300, subscriptions: 120 };

/** The simulated account's data, newest record last in each map (lists reverse it). */
export class StripeStore {
  readonly rng = new Rng(0x5eed);
  readonly prices = new Map<string, Row>();
  private readonly rows: Record<StripeResource, Map<string, Row>> = { customers: new Map(), products: new Map(), invoices: new Map(), subscriptions: new Map() };
  /** Stripe answers a deleted customer's id with a stub rather than 404 */
  private readonly deletedCustomers = new Set<string>();
  /** each resource's rows newest first with their positions, built on first listing and dropped when rows come or go */
  private readonly listed = new Map<StripeResource, { rows: Row[]; at: Map<string, number> }>();
  private clock = SEED_EPOCH;

  constructor(counts: SeedCounts) {
    // a fixed spacing per resource keeps seeded `created` values distinct and in insertion order
    const at = (i: number) => SEED_EPOCH + i * 3_600;
    for (let i = 0; i < counts.customers; i++) {
      const name = this.rng.pick(CUSTOMER_NAMES);
      const email = `${name.toLowerCase().replace(' ', '.')}+${i}@example.com`;
      this.insert('customers', customer(this.rng.id('cus'), at(i), { email, name }, this.rng));
    }
    for (let i = 0; i < counts.products; i++) {
      const id = this.rng.id('prod');
      const p = price(this.rng.id('price'), at(i), id, (1 + this.rng.int(50)) * 500);
      this.prices.set(p.id, p);
      this.insert('products', product(id, at(i), { name: `${this.rng.pick(PRODUCT_NAMES)} ${i + 1}`, defaultPrice: p.id }));
    }
    const customers = [...this.rows.customers.values()];
    const prices = [...this.prices.values()];
    for (let i = 0; i < counts.subscriptions && customers.length && prices.length; i++) {
      const id = this.rng.id('sub');
      this.insert('subscriptions', subscription(id, at(i), { customer: this.rng.pick(customers).id, price: this.rng.pick(prices), status: this.rng.pick(SUB_STATUSES), itemId: this.rng.id('si') }));
    }
    const subs = [...this.rows.subscriptions.values()];
    for (let i = 0; i < counts.invoices && customers.length; i++) {
      const owner = this.rng.pick(customers);
      const status = this.rng.pick(INVOICE_STATUSES);
      const sub = subs.find((s) => s.customer === owner.id)?.id ?? null;
      const number = status === 'draft' ? null : `${owner.invoice_prefix}-${String(owner.next_invoice_sequence++).padStart(4, '0')}`;
      this.insert('invoices', invoice(this.rng.id('in'), at(i), { customer: owner, status, amount: (1 + this.rng.int(40)) * 1_250, lineId: this.rng.id('il'), subscription: sub, number }));
    }
  }

  /** A creation time: now, but never before the newest record, so list order stays insertion order reversed. */
  stamp(): number {
    this.clock = Math.max(this.clock, nowSeconds());
    return this.clock;
  }

  /** newest first, as Stripe lists */
  list(resource: StripeResource): readonly Row[] {
    return this.listing(resource).rows;
  }

  /** where a row stands in list(), or -1: paging through a large account stays cheap */
  position(resource: StripeResource, id: string): number {
    return this.listing(resource).at.get(id) ?? -1;
  }

  private listing(resource: StripeResource): { rows: Row[]; at: Map<string, number> } {
    let l = this.listed.get(resource);
    if (!l) {
      const rows = [...this.rows[resource].values()].reverse();
      l = { rows, at: new Map(rows.map((r, i) => [r.id, i])) };
      this.listed.set(resource, l);
    }
    return l;
  }

  get(resource: StripeResource, id: string): Row | undefined {
    return this.rows[resource].get(id);
  }

  isDeletedCustomer(id: string): boolean {
    return this.deletedCustomers.has(id);
  }

  insert(resource: StripeResource, row: Row): Row {
    this.rows[resource].set(row.id, row);
    this.listed.delete(resource);
    return row;
  }

  delete(resource: StripeResource, id: string, tombstone = false): void {
    this.rows[resource].delete(id);
    this.listed.delete(resource);
    if (tombstone) this.deletedCustomers.add(id);
  }

  pricesOf(productId: string): Row[] {
    return [...this.prices.values()].filter((p) => p.product === productId);
  }

  /** POST /v1/<resource>: checks params as Stripe does, then builds and stores the row. */
  create(resource: StripeResource, body: Form): Row {
    const rules = RULES[resource];
    checkParams(body, [...rules.createOnly, ...Object.keys(rules.fields)]);
    for (const p of rules.required) if (body[p] === undefined || body[p] === '') throw invalid(`Missing required param: ${p}.`, p);
    const created = this.stamp();
    const row = rules.create(this, this.rng.id(rules.prefix), created, body);
    applyFields(row, body, rules.fields);
    return this.insert(resource, row);
  }

  /** POST /v1/<resource>/<id>: only the params the resource lets change. */
  update(resource: StripeResource, row: Row, body: Form): Row {
    const rules = RULES[resource];
    checkParams(body, Object.keys(rules.fields));
    applyFields(row, body, rules.fields);
    if ('updated' in row) row.updated = this.stamp();
    return row;
  }
}

function checkParams(body: Form, allowed: string[]): void {
  for (const k of Object.keys(body)) if (k !== 'expand' && !allowed.includes(k)) throw invalid(`Received unknown parameter: ${k}`, k);
}

function applyFields(row: Row, body: Form, fields: Record<string, Setter>): void {
  for (const [k, v] of Object.entries(body)) fields[k]?.(row, v);
}

/** Parses `limit`, the cursors and `created[...]` of a list request, with Stripe's error messages. */
export function listParams(query: Form): { limit: number; startingAfter?: string; endingBefore?: string; created: (c: number) => boolean } {
  let limit = 10;
  if (query.limit !== undefined) {
    limit = asInteger(query.limit, 'limit');
    if (limit < 1) throw invalid('This value must be greater than or equal to 1.', 'limit');
    if (limit > 100) throw invalid('This value must be less than or equal to 100.', 'limit');
  }
  if (query.starting_after !== undefined && query.ending_before !== undefined) {
    throw invalid('You may only specify one of these parameters: ending_before, starting_after.', 'ending_before');
  }
  const range = query.created;
  const tests: ((c: number) => boolean)[] = [];
  if (typeof range === 'string') {
    const exact = asInteger(range, 'created');
    tests.push((c) => c === exact);
  } else if (range && typeof range === 'object') {
    const ops: Record<string, (c: number, b: number) => boolean> = { gt: (c, b) => c > b, gte: (c, b) => c >= b, lt: (c, b) => c < b, lte: (c, b) => c <= b };
    for (const [op, raw] of Object.entries(range as Record<string, unknown>)) {
      if (!ops[op]) throw invalid(`Received unknown parameter: created[${op}]`, `created[${op}]`);
      const bound = asInteger(raw, `created[${op}]`);
      tests.push((c) => ops[op](c, bound));
    }
  }
  return {
    limit,
    startingAfter: query.starting_after === undefined ? undefined : asString(query.starting_after, 'starting_after'),
    endingBefore: query.ending_before === undefined ? undefined : asString(query.ending_before, 'ending_before'),
    created: (c) => tests.every((t) => t(c)),
  };
}
