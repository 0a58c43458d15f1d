/** The unified models every plugin maps its entities to. Fields are optional: platforms differ. */
export const UNIFIED_MODELS = [
  'contact', 'company', 'deal', 'customer', 'product', 'order', 'invoice',
  'subscription', 'ticket', 'campaign', 'post', 'payment', 'event', 'channel',
] as const;
export type UnifiedModel = (typeof UNIFIED_MODELS)[number];

export interface UnifiedContact { email?: string | null; firstName?: string | null; lastName?: string | null; phone?: string | null; companyName?: string | null }
export interface UnifiedCompany { name?: string | null; domain?: string | null; industry?: string | null; phone?: string | null }
export interface UnifiedDeal { name?: string | null; amount?: number | null; currency?: string | null; stage?: string | null; closeDate?: string | null }
export interface UnifiedCustomer { email?: string | null; name?: string | null; phone?: string | null; currency?: string | null }
export interface UnifiedProduct { name?: string | null; description?: string | null; active?: boolean | null }
export interface UnifiedOrder { number?: string | null; total?: number | null; currency?: string | null; status?: string | null; customerExternalId?: string | null }
export interface UnifiedInvoice { number?: string | null; total?: number | null; amountPaid?: number | null; currency?: string | null; status?: string | null; customerExternalId?: string | null; dueDate?: string | null }
export interface UnifiedSubscription { status?: string | null; customerExternalId?: string | null; currentPeriodEnd?: string | null; cancelAtPeriodEnd?: boolean | null }
export interface UnifiedTicket { subject?: string | null; status?: string | null; priority?: string | null }
export interface UnifiedCampaign { name?: string | null; status?: string | null }
export interface UnifiedPost { text?: string | null; url?: string | null; publishedAt?: string | null }
export interface UnifiedPayment { amount?: number | null; currency?: string | null; status?: string | null }
export interface UnifiedEvent { type?: string | null; occurredAt?: string | null }
/** a place messages are posted to: a chat channel, a group */
export interface UnifiedChannel { name?: string | null; topic?: string | null; isPrivate?: boolean | null; memberCount?: number | null }

export interface UnifiedModels {
  contact: UnifiedContact; company: UnifiedCompany; deal: UnifiedDeal; customer: UnifiedCustomer;
  product: UnifiedProduct; order: UnifiedOrder; invoice: UnifiedInvoice; subscription: UnifiedSubscription;
  ticket: UnifiedTicket; campaign: UnifiedCampaign; post: UnifiedPost; payment: UnifiedPayment; event: UnifiedEvent;
  channel: UnifiedChannel;
}
