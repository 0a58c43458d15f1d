import { z } from 'zod';
import semver from 'semver';
import { AUTH_KINDS, CONTENT_TYPES, PLUGIN_CATEGORIES, signedContentParts, UNIFIED_MODELS, WEBHOOK_ALGORITHMS } from '../plugin-sdk';

const fn = z.custom<(...args: any[]) => unknown>((v) => typeof v === 'function', 'must be a function');
// Checked by shape, not instanceof: an npm plugin may bring its own copy of zod.
const zodSchema = z.custom((v) => typeof (v as { safeParse?: unknown })?.safeParse === 'function', 'must be a zod schema');
const snake = z.string().regex(/^[a-z][a-z0-9_]*$/, 'must be snake_case');

const field = z.object({ label: z.string().min(1), secret: z.boolean(), required: z.boolean().optional(), description: z.string().optional() });
const fields = z.record(z.string().regex(/^[a-zA-Z][a-zA-Z0-9]*$/, 'must be a camelCase field name'), field);
const injection = z.object({ in: z.enum(['header', 'query']), name: z.string().min(1), value: z.string().min(1) });

const headerName = z.string().regex(/^[A-Za-z0-9-]+$/, 'must be an HTTP header name');
const webhookScheme = z.object({
  name: z.string().min(1),
  algorithm: z.enum(WEBHOOK_ALGORITHMS),
  encoding: z.enum(['hex', 'base64']),
  signedContent: z.string().min(1).refine((t) => {
    try {
      return signedContentParts(t).some((p) => p === 'body' || p === 'params' || p === 'url');
    } catch {
      return false;
    }
  }, 'must name known parts ({body}, {timestamp}, {id}, {method}, {url}, {params}) and cover the body'),
  signature: z.object({
    header: headerName,
    format: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('plain'), prefix: z.string().optional() }),
      z.object({ kind: z.literal('pairs'), key: z.string().min(1) }),
      z.object({ kind: z.literal('versioned'), version: z.string().min(1) }),
    ]),
  }),
  idHeader: headerName.optional(),
  timestamp: z.object({
    header: headerName.optional(), pair: z.string().optional(), unit: z.enum(['seconds', 'milliseconds']), toleranceSeconds: z.number().positive().max(86_400),
  }).refine((t) => !!t.header !== !!t.pair, 'needs exactly one of header and pair').optional(),
  secret: z.object({ encoding: z.enum(['utf8', 'base64']), stripPrefix: z.string().optional() }).optional(),
  urlDecode: z.string().optional(),
  bodyHashParam: z.string().optional(),
}).superRefine((s, ctx) => {
  if (s.signedContent.includes('{timestamp}') && !s.timestamp) ctx.addIssue({ code: 'custom', path: ['timestamp'], message: 'signedContent names {timestamp}: say where it comes from' });
  if (s.signedContent.includes('{id}') && !s.idHeader) ctx.addIssue({ code: 'custom', path: ['idHeader'], message: 'signedContent names {id}: say which header carries it' });
  if (s.timestamp?.pair && s.signature.format.kind !== 'pairs') ctx.addIssue({ code: 'custom', path: ['timestamp', 'pair'], message: 'a timestamp pair needs a signature header of pairs' });
});

const authMethod = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('api_key'), fields, inject: z.array(injection).min(1) }),
  z.object({ kind: z.literal('basic'), fields, username: z.string(), password: z.string() }),
  z.object({
    kind: z.literal('oauth2'), authorizeUrl: z.url(), tokenUrl: z.url(), revokeUrl: z.url().optional(), revokeStyle: z.enum(['rfc7009', 'path']).optional(),
    scopes: z.array(z.string()), pkce: z.boolean(), grant: z.enum(['authorization_code', 'client_credentials']).optional(),
    fields: fields.optional(), inject: z.array(injection).optional(), authorizeParams: z.record(z.string(), z.string()).optional(),
  }),
  z.object({ kind: z.literal('none'), fields: fields.optional() }),
]);

/** What the loader accepts as a plugin: checked at boot so a bad plugin is refused, not half-loaded. */
export const pluginManifestSchema = z.object({
  name: z.string().regex(/^[a-z][a-z0-9-]{1,40}$/, 'must be a kebab-case slug'),
  displayName: z.string().min(1),
  description: z.string().min(1),
  category: z.enum(PLUGIN_CATEGORIES),
  version: z.string().refine((v) => semver.valid(v) !== null, 'must be a semver version'),
  coreVersion: z.string().refine((v) => semver.validRange(v) !== null, 'must be a semver range'),
  baseUrl: z.url(),
  docsUrl: z.url().optional(),
  auth: z.array(authMethod).min(1),
  rateLimit: z.object({ requests: z.number().int().positive(), perSeconds: z.number().positive(), dailyQuota: z.number().int().positive().optional() }),
  rateLimitHeaders: z.object({ remaining: z.string().optional(), reset: z.string().optional() }).optional(),
  pricing: z.object({ perCall: z.number().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code') }).optional(),
  entities: z.record(snake, z.object({
    model: z.enum(UNIFIED_MODELS), description: z.string().optional(), incremental: z.boolean(),
    fetchPage: fn, externalId: fn, remoteUpdatedAt: fn, toUnified: fn, volatileFields: z.array(z.string()).optional(),
  })),
  actions: z.record(snake, z.object({ description: z.string().min(1), kind: z.enum(['read', 'write', 'destructive']), input: zodSchema, output: zodSchema, run: fn })),
  webhooks: z.object({
    scheme: webhookScheme, secretField: z.string(), routingSetting: z.string().optional(), routingKey: fn.optional(), parse: fn,
    subscribe: fn.optional(), unsubscribe: fn.optional(),
  }).refine((w) => !!w.routingKey === !!w.routingSetting, { message: 'routingKey and routingSetting go together', path: ['routingSetting'] })
    .refine((w) => !!w.subscribe === !!w.unsubscribe, { message: 'subscribe and unsubscribe go together', path: ['unsubscribe'] })
    .optional(),
  publisher: z.object({
    contentTypes: z.array(z.enum(CONTENT_TYPES)).min(1),
    rules: z.looseObject({ maxLength: z.number().int().positive(), hashtags: z.enum(['append', 'none']), links: z.enum(['append', 'none']) }),
    options: zodSchema.optional(),
    publish: fn,
  }).optional(),
  defaultHeaders: z.record(z.string(), z.string()).optional(),
  idempotencyHeader: z.string().optional(),
  checkConnection: fn,
  simulator: fn.optional(),
}).superRefine((p, ctx) => {
  if (p.webhooks && !p.auth.some((a) => a.fields && p.webhooks!.secretField in a.fields)) {
    ctx.addIssue({ code: 'custom', path: ['webhooks', 'secretField'], message: `names no credential field of any auth method` });
  }
});

export const AUTH_KIND_VALUES = AUTH_KINDS;
