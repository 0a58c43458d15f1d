import type { z } from 'zod';
import type { UpstreamHttp } from './http.types';
import type { PublisherDefinition } from './publishing';
import type { UnifiedModel, UnifiedModels } from './unified-models';
import type { WebhookScheme } from './webhook-scheme';

export const PLUGIN_CATEGORIES = [
  'payments', 'crm', 'marketing', 'ecommerce', 'accounting', 'communication', 'social',
  'support', 'productivity', 'analytics', 'developer', 'storage', 'identity', 'other',
] as const;
export type PluginCategory = (typeof PLUGIN_CATEGORIES)[number];

export const AUTH_KINDS = ['api_key', 'oauth2', 'basic', 'none'] as const;
export type AuthKind = (typeof AUTH_KINDS)[number];

/** One credential a user supplies, described as data: forms are drawn and secrets masked from it. */
export interface CredentialField {
  label: string;
  secret: boolean;
  required?: boolean;
  description?: string;
}

/** Where a credential goes on each request; `{field}` in value is replaced by that credential. */
export interface AuthInjection {
  in: 'header' | 'query';
  name: string;
  value: string;
}

export interface ApiKeyAuth {
  kind: 'api_key';
  fields: Record<string, CredentialField>;
  inject: readonly AuthInjection[];
}

export interface BasicAuth {
  kind: 'basic';
  fields: Record<string, CredentialField>;
  /** names of the fields that form the user and password of the Basic header */
  username: string;
  password: string;
}

export interface OAuth2Auth {
  kind: 'oauth2';
  authorizeUrl: string;
  tokenUrl: string;
  revokeUrl?: string;
  /** `rfc7009` (default): POST token=… to revokeUrl; `path`: DELETE revokeUrl/{refresh token} */
  revokeStyle?: 'rfc7009' | 'path';
  scopes: readonly string[];
  pkce: boolean;
  grant?: 'authorization_code' | 'client_credentials';
  /**
   * How the app authenticates at the token and revocation endpoints: `body` (default,
   * client_secret_post: client_id and client_secret in the form) or `basic` (client_secret_basic:
   * an HTTP Basic header of the form-encoded id and secret, RFC 6749 section 2.3.1)
   */
  clientAuth?: 'body' | 'basic';
  /** extra non-token fields a connection holds (a webhook secret, an account id) */
  fields?: Record<string, CredentialField>;
  /** defaults to `Authorization: Bearer {accessToken}` */
  inject?: readonly AuthInjection[];
  /** extra parameters of the authorize URL the platform needs (to be given a refresh token, say) */
  authorizeParams?: Readonly<Record<string, string>>;
}

export interface NoAuth {
  kind: 'none';
  fields?: Record<string, CredentialField>;
}

export type AuthMethod = ApiKeyAuth | BasicAuth | OAuth2Auth | NoAuth;

export interface PluginLogger {
  debug(msg: string, data?: Record<string, unknown>): void;
  info(msg: string, data?: Record<string, unknown>): void;
  warn(msg: string, data?: Record<string, unknown>): void;
}

/** What syncs, actions and checks receive: a narrow context, never the DI container. */
export interface PluginContext {
  tenantId: string;
  connectionId: string;
  http: UpstreamHttp;
  /** the connection's non-secret settings (an account or portal id, a region) */
  settings: Readonly<Record<string, string>>;
  logger: PluginLogger;
}

export interface SyncPage<Raw> {
  records: Raw[];
  /** null when this was the last page */
  nextCursor: string | null;
  /** on incremental runs, records the platform reports deleted since modifiedSince */
  deletedIds?: string[];
}

export interface FetchPageParams {
  /** the cursor the previous page returned; null on the first page */
  cursor: string | null;
  /** set on incremental runs: only records changed at or after this instant are needed */
  modifiedSince: Date | null;
}

export interface SyncDefinition<Raw = Record<string, unknown>, M extends UnifiedModel = UnifiedModel> {
  model: M;
  description?: string;
  /** whether fetchPage honours modifiedSince (otherwise every run is full) */
  incremental: boolean;
  fetchPage(ctx: PluginContext, params: FetchPageParams): Promise<SyncPage<Raw>>;
  externalId(raw: Raw): string;
  remoteUpdatedAt(raw: Raw): Date | null;
  /** fields that change without the record changing (counters, signed URLs): left out of the hash */
  volatileFields?: readonly string[];
  toUnified(raw: Raw): UnifiedModels[M];
}

export type ActionKind = 'read' | 'write' | 'destructive';

export interface ActionDefinition<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  description: string;
  kind: ActionKind;
  input: I;
  output: O;
  run(ctx: PluginContext, input: z.infer<I>): Promise<z.infer<O>>;
}

export interface ParsedWebhookEvent {
  /** the platform's event id; the core falls back to a body hash where there is none */
  id: string | null;
  /** e.g. `invoice.paid`; the core prefixes the plugin name */
  type: string;
  occurredAt: Date | null;
  /** the entity whose records this touches, so the core can refresh them */
  entity?: string;
  externalIds?: string[];
  data: unknown;
}

/** A subscription made at the platform for one connection. */
export interface WebhookSubscription {
  /** the platform's id for it, to remove it later */
  id: string;
  /** the signing secret, where the platform issues one per subscription */
  secret?: string;
}

export interface WebhookDefinition {
  /** how the platform signs deliveries, as data; see webhookSchemes for published ones */
  scheme: WebhookScheme;
  /** the credential field holding the signing secret */
  secretField: string;
  /** for app-level webhooks: the connection setting whose value routingKey finds in a payload */
  routingSetting?: string;
  /** for app-level webhooks: the value of routingSetting the payload names (a portal or account id) */
  routingKey?(payload: unknown, headers: Record<string, string>): string | null;
  parse(payload: unknown, headers: Record<string, string>): ParsedWebhookEvent[];
  /**
   * For a verified request that only proves the URL to the platform (a URL-verification challenge):
   * the body to answer it with. Such a request is not an event and nothing of it is stored.
   */
  handshake?(payload: unknown): { body: unknown } | null;
  /** registers `url` at the platform when a connection is made (where the platform has an API for it) */
  subscribe?(ctx: PluginContext, target: { url: string }): Promise<WebhookSubscription>;
  /** removes that registration when the connection is removed */
  unsubscribe?(ctx: PluginContext, subscription: { id: string }): Promise<void>;
}

export interface RateLimitSpec {
  requests: number;
  perSeconds: number;
  /** a platform's daily quota; exhausting it pauses work until the next day instead of failing it */
  dailyQuota?: number;
}

/** A platform's price per API call, as an estimate (ISO 4217 currency). */
export interface CallPricing {
  perCall: number;
  currency: string;
}

/** Names of the platform's rate-limit headers, so the client can slow down before a 429. */
export interface RateLimitHeaders {
  remaining?: string;
  reset?: string;
}

export interface ConnectionCheckResult {
  ok: boolean;
  /** what the platform says this connection is (an account name or id), shown to the user */
  account?: string;
  detail?: string;
}

/** A running fake of the platform, for tests and the demo. */
export interface RunningSimulator {
  url: string;
  /** credentials the simulator accepts, so the demo can connect to it */
  credentials: Record<string, string>;
  /** the OAuth app its authorization server knows, so the demo can connect through the OAuth flow */
  oauthClient?: { clientId: string; clientSecret: string };
  close(): Promise<void>;
}

export interface SimulatorOptions {
  port?: number;
  /** how many records of each entity to hold at start */
  seed?: number;
}

export interface PluginDefinition {
  name: string;
  displayName: string;
  description: string;
  category: PluginCategory;
  version: string;
  /** a semver range of core versions this plugin works with */
  coreVersion: string;
  /** the platform's production API root; PLUGIN_<NAME>_BASE_URL or a connection's baseUrl overrides it */
  baseUrl: string;
  docsUrl?: string;
  auth: readonly AuthMethod[];
  rateLimit: RateLimitSpec;
  rateLimitHeaders?: RateLimitHeaders;
  /** what one call to the platform costs, where it charges per call: the analytics estimate a cost from it */
  pricing?: CallPricing;
  entities: Record<string, SyncDefinition<any, any>>;
  actions: Record<string, ActionDefinition<any, any>>;
  webhooks?: WebhookDefinition;
  /** how the platform takes content for cross-platform publishing, where it does */
  publisher?: PublisherDefinition<any>;
  /** headers every request carries (an API version pin) */
  defaultHeaders?: Record<string, string>;
  /** the header that carries idempotency keys on writes, where the platform has one */
  idempotencyHeader?: string;
  checkConnection(ctx: PluginContext): Promise<ConnectionCheckResult>;
  /** loaded lazily so production never imports simulator code */
  simulator?: () => Promise<{ startSimulator(opts?: SimulatorOptions): Promise<RunningSimulator> }>;
}
