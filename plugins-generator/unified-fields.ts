import type { UnifiedModel, UnifiedModels } from '../src/core/plugin-sdk';

export type Primitive = 'string' | 'number' | 'boolean';

type PrimitiveOf<T> = T extends string ? 'string' : T extends number ? 'number' : T extends boolean ? 'boolean' : never;

/**
 * Every unified model's fields with their types, so generated mappings assign only matching types.
 * Checked against the SDK's models: a model or field added there fails the typecheck here until added.
 */
export const UNIFIED_FIELDS = {
  contact: { email: 'string', firstName: 'string', lastName: 'string', phone: 'string', companyName: 'string' },
  company: { name: 'string', domain: 'string', industry: 'string', phone: 'string' },
  deal: { name: 'string', amount: 'number', currency: 'string', stage: 'string', closeDate: 'string' },
  customer: { email: 'string', name: 'string', phone: 'string', currency: 'string' },
  product: { name: 'string', description: 'string', active: 'boolean' },
  order: { number: 'string', total: 'number', currency: 'string', status: 'string', customerExternalId: 'string' },
  invoice: { number: 'string', total: 'number', amountPaid: 'number', currency: 'string', status: 'string', customerExternalId: 'string', dueDate: 'string' },
  subscription: { status: 'string', customerExternalId: 'string', currentPeriodEnd: 'string', cancelAtPeriodEnd: 'boolean' },
  ticket: { subject: 'string', status: 'string', priority: 'string' },
  campaign: { name: 'string', status: 'string' },
  post: { text: 'string', url: 'string', publishedAt: 'string' },
  payment: { amount: 'number', currency: 'string', status: 'string' },
  event: { type: 'string', occurredAt: 'string' },
  channel: { name: 'string', topic: 'string', isPrivate: 'boolean', memberCount: 'number' },
} as const satisfies { [M in UnifiedModel]: { [F in keyof UnifiedModels[M]]-?: PrimitiveOf<NonNullable<UnifiedModels[M][F]>> } };

/** Other names platforms give a unified field (compared lower-case, without separators). */
export const FIELD_SYNONYMS: Readonly<Record<string, readonly string[]>> = {
  firstName: ['givenname', 'forename'],
  lastName: ['familyname', 'surname'],
  companyName: ['company', 'organization', 'organisation'],
  name: ['displayname', 'fullname', 'title'],
  domain: ['website'],
  stage: ['dealstage', 'pipelinestage'],
  closeDate: ['closedate', 'closedat'],
  number: ['invoicenumber', 'ordernumber'],
  total: ['amounttotal', 'totalamount', 'totalprice'],
  amountPaid: ['paidamount'],
  customerExternalId: ['customer', 'customerid'],
  dueDate: ['dueat'],
  currentPeriodEnd: ['periodend'],
  subject: ['title'],
  text: ['body', 'content', 'message'],
  url: ['link', 'permalink'],
  publishedAt: ['createdat', 'publishdate'],
  occurredAt: ['createdat', 'timestamp'],
  topic: ['purpose'],
  isPrivate: ['private'],
  memberCount: ['nummembers', 'members'],
};

/** Entity names that mean a unified model without being its plural. */
export const MODEL_ALIASES: Readonly<Record<string, UnifiedModel>> = {
  person: 'contact', people: 'contact', lead: 'contact', user: 'contact', member: 'contact',
  account: 'company', organization: 'company', organisation: 'company',
  opportunity: 'deal', charge: 'payment', transaction: 'payment', item: 'product', price: 'product',
  issue: 'ticket', conversation: 'ticket', message: 'post', note: 'post', activity: 'event',
  group: 'channel', room: 'channel',
};
