import { defineSync } from '../../../core/plugin-sdk';
import { isoFromUnix, listSync, refId } from '../stripe.client';
import type { StripeInvoice } from '../stripe.types';

export const invoicesSync = defineSync<StripeInvoice, 'invoice'>({
  model: 'invoice',
  description: 'Invoices of every status, drafts included',
  ...listSync<StripeInvoice>('/v1/invoices'),
  // payment retries bump these on open invoices; the status change that matters is hashed
  volatileFields: ['attempt_count', 'next_payment_attempt', 'webhooks_delivered_at'],
  toUnified: (i) => ({
    number: i.number,
    total: i.total,
    amountPaid: i.amount_paid,
    currency: i.currency,
    status: i.status,
    customerExternalId: refId(i.customer),
    dueDate: isoFromUnix(i.due_date),
  }),
});
