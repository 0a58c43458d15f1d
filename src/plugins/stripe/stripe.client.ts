import { randomUUID } from 'node:crypto';
import type { FetchPageParams, PluginContext, SyncDefinition, UnifiedModel } from '../../core/plugin-sdk';
import type { StripeAccount, StripeList, StripeObject, StripeRef } from './stripe.types';

/** Stripe's largest page; fewer round trips against a 100 requests/s budget. */
const PAGE_SIZE = 100;

/** The list endpoints the syncs read. */
export type StripeListPath = '/v1/customers' | '/v1/products' | '/v1/invoices' | '/v1/subscriptions';

export function fromUnix(seconds: number | null | undefined): Date | null {
  return seconds === null || seconds === undefined ? null : new Date(seconds * 1000);
}

export function isoFromUnix(seconds: number | null | undefined): string | null {
  return fromUnix(seconds)?.toISOString() ?? null;
}

/** The id of a related object, whether Stripe sent the id or the expanded object. */
export function refId(ref: StripeRef): string | null {
  return ref === null ? null : typeof ref === 'string' ? ref : ref.id;
}

/**
 * One page of a list endpoint. Stripe lists newest first and pages with `starting_after` (the last
 * id seen). Stripe has no "updated since" filter on lists, so incremental runs narrow by
 * `created[gte]`: they pick up new records, and changes to old ones arrive through webhooks.
 */
export async function listPage<T extends StripeObject>(
  ctx: PluginContext,
  path: StripeListPath,
  { cursor, modifiedSince }: FetchPageParams,
  filters: Record<string, string> = {},
): Promise<{ records: T[]; nextCursor: string | null }> {
  const page = await ctx.http.get<StripeList<T>>(path, {
    ...filters,
    limit: PAGE_SIZE,
    starting_after: cursor,
    'created[gte]': modifiedSince ? Math.floor(modifiedSince.getTime() / 1000) : undefined,
  });
  const last = page.data.at(-1);
  return { records: page.data, nextCursor: page.has_more && last ? last.id : null };
}

/** What every Stripe sync shares: paging, ids and timestamps; the sync adds its mapping. */
export function listSync<T extends StripeObject>(
  path: StripeListPath,
  filters?: Record<string, string>,
): Pick<SyncDefinition<T, UnifiedModel>, 'incremental' | 'fetchPage' | 'externalId' | 'remoteUpdatedAt'> {
  return {
    incremental: true,
    fetchPage: (ctx, params) => listPage<T>(ctx, path, params, filters),
    externalId: (raw) => raw.id,
    remoteUpdatedAt: (raw) => fromUnix(raw.created),
  };
}

export function retrieve<T>(ctx: PluginContext, path: string): Promise<T> {
  return ctx.http.get<T>(path);
}

/**
 * A create or update, form-encoded as Stripe expects. Every call carries an idempotency key, so the
 * upstream client's retries after a 429 or 5xx never apply the write twice.
 */
export async function write<T>(ctx: PluginContext, path: string, form: Record<string, unknown>, idempotencyKey: string = randomUUID()): Promise<T> {
  const res = await ctx.http.request<T>({ method: 'POST', path, form, idempotencyKey });
  return res.body;
}

export function retrieveAccount(ctx: PluginContext): Promise<StripeAccount> {
  return retrieve<StripeAccount>(ctx, '/v1/account');
}
