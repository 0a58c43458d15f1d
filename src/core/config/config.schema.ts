import { isIP } from 'node:net';
import { z } from 'zod';

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** CIDR networks an operator opens to tenant-given URLs although private, loopback or link-local */
const networks = csv
  .refine((list) => list.every((c) => /^[0-9a-fA-F:.]+\/\d{1,3}$/.test(c) && isIP(c.split('/')[0]) !== 0), 'must be CIDR networks (127.0.0.0/8,::1/128)')
  .default([]);

/** Every setting Plugboard reads from the environment, with local-development defaults. */
export const configSchema = z.object({
  NODE_ENV: z.enum(['development', 'test', 'production']).default('development'),
  PLUGBOARD_ROLE: z.enum(['api', 'worker', 'all']).default('all'),
  PORT: z.coerce.number().int().min(0).max(65535).default(3000),
  HOST: z.string().default('127.0.0.1'),
  PUBLIC_URL: z.url().default('http://localhost:3000'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// URL')
    .default('postgres://postgres@127.0.0.1:5432/plugboard'),
  DATABASE_POOL_SIZE: z.coerce.number().int().min(1).max(200).default(10),
  MIGRATE_ON_BOOT: bool.default(true),
  REDIS_URL: z.string().regex(/^rediss?:\/\//, 'must be a redis:// URL').default('redis://127.0.0.1:6379'),
  REDIS_PREFIX: z.string().default('pb'),
  JWT_SECRET: z.string().min(32, 'must be at least 32 characters').default('dev-only-jwt-secret-change-me-0123456789'),
  JWT_ACCESS_TTL_SECONDS: z.coerce.number().int().min(60).default(900),
  JWT_REFRESH_TTL_DAYS: z.coerce.number().int().min(1).default(30),
  AUTH_JWKS_URL: z.url().optional(),
  AUTH_JWKS_ISSUER: z.string().optional(),
  AUTH_JWKS_AUDIENCE: z.string().optional(),
  AUTH_JWKS_EMAIL_CLAIM: z.string().default('email'),
  VAULT_KEYS: z
    .string()
    .regex(/^[a-zA-Z0-9_-]+:[A-Za-z0-9+/=]+(,[a-zA-Z0-9_-]+:[A-Za-z0-9+/=]+)*$/, 'must be "kid:base64key[,kid:base64key...]"')
    .refine(
      (v) => v.split(',').every((entry) => Buffer.from(entry.split(':')[1], 'base64').length === 32),
      'every key must be 32 bytes (base64 of 32 random bytes: openssl rand -base64 32)',
    )
    .default('dev1:ZGV2LW9ubHktdmF1bHQta2V5LTMyLWJ5dGVzLWxvbmc='),
  CORS_ORIGINS: csv.default([]),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  PLUGINS_DIR: z.string().optional(),
  PLUGINS_DISABLED: csv.default([]),
  UNAUTHENTICATED_RATE_LIMIT: z.coerce.number().int().min(1).default(120),
  /** OAuth access tokens are refreshed when they expire within this many seconds */
  OAUTH_REFRESH_MARGIN_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** a full sync refuses (without force) to delete more than this share of an entity's records */
  SYNC_DELETE_GUARD_RATIO: z.coerce.number().min(0).max(1).default(0.2),
  /** how long a worker holds a sync job without renewing; a killed worker's run resumes after about this long */
  SYNC_JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** how long a worker holds a workflow execution job without renewing; a killed worker's execution resumes after about this long */
  WORKFLOW_JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** workflow executions one worker process runs at once */
  WORKFLOW_CONCURRENCY: z.coerce.number().int().min(1).max(1000).default(100),
  /** networks (CIDR) a workflow's http_request step may reach although private, loopback or link-local, e.g. 127.0.0.0/8 */
  WORKFLOW_HTTP_ALLOWED_NETWORKS: csv.default([]),
  /** the sender of workflow send_email steps (sent through SMTP_URL) */
  WORKFLOW_EMAIL_FROM: z.string().default('Plugboard workflows <workflows@plugboard.local>'),
  /** Plugboard's own billing (src/billing): the payment provider's secret key; unset, billing answers 503 and plans are as stored */
  STRIPE_SECRET_KEY: z.string().regex(/^(sk|rk)_/, 'must be a secret or restricted key (sk_... or rk_...)').optional(),
  /** the signing secret of the billing webhook endpoint */
  STRIPE_WEBHOOK_SECRET: z.string().regex(/^whsec_/, 'must be a webhook signing secret (whsec_...)').optional(),
  /** unset in production; set to point the billing SDK at a simulator (http://127.0.0.1:12111) */
  STRIPE_API_BASE_URL: z.url().optional(),
  /** how long a tenant whose payment failed keeps its plan before it is moved to Free (what exceeds Free is paused) */
  BILLING_GRACE_PERIOD_DAYS: z.coerce.number().min(0).max(90).default(7),
  /** free trial of a tenant's first subscription; 0 for none */
  BILLING_TRIAL_DAYS: z.coerce.number().int().min(0).max(365).default(14),
  /** how often a worker reports metered usage and applies grace-period expiries */
  BILLING_SWEEP_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** the bearer token a Prometheus scrape of GET /metrics must send; unset, /metrics answers 404 */
  METRICS_TOKEN: z.string().min(16, 'must be at least 16 characters').optional(),
  /** a worker process (which has no HTTP server) serves its own /metrics on this port when set */
  METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  /** /health/ready fails when a queue has more waiting jobs than this */
  HEALTH_QUEUE_BACKLOG_MAX: z.coerce.number().int().min(1).default(10_000),
  /** how often connections are checked and alert rules evaluated */
  MONITOR_INTERVAL_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** how often each process writes its per-minute call figures to Postgres */
  MONITOR_FLUSH_MS: z.coerce.number().int().min(100).max(60_000).default(10_000),
  /** per-minute figures are kept this long (rolled up per hour first), per-hour ones this long */
  MONITOR_MINUTE_RETENTION_HOURS: z.coerce.number().int().min(3).default(48),
  MONITOR_HOUR_RETENTION_DAYS: z.coerce.number().int().min(1).default(90),
  /** the SMTP server Plugboard sends e-mail through (alerts, workflow steps): smtp://user:pass@host:587, smtps://...; unset, e-mail is refused */
  SMTP_URL: z.string().regex(/^smtps?:\/\//, 'must be an smtp:// or smtps:// URL').optional(),
  ALERT_EMAIL_FROM: z.string().default('Plugboard alerts <alerts@plugboard.local>'),
  /** networks (CIDR) alert channels (chat and webhook URLs) may reach although private, loopback or link-local, e.g. 127.0.0.0/8 */
  ALERT_CHANNELS_ALLOWED_NETWORKS: networks,
  /** inbound webhooks: larger bodies are answered 413 */
  WEBHOOK_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(64 * 1024 * 1024).default(1024 * 1024),
  /** inbound events (and their idempotency keys) are kept this long; a redelivery within it is not processed again */
  WEBHOOK_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(30),
  /** inbound processing: attempts before an event is dead-lettered, and the first retry's delay (doubling after) */
  WEBHOOK_PROCESS_ATTEMPTS: z.coerce.number().int().min(1).max(50).default(8),
  WEBHOOK_PROCESS_BACKOFF_MS: z.coerce.number().int().min(10).default(2000),
  /** how long a worker holds an inbound event or an outbound delivery; a killed worker's work is taken up after about this long */
  WEBHOOK_JOB_LOCK_MS: z.coerce.number().int().min(1000).default(30_000),
  /** how often the outbox is read when nothing announced new rows (accepted events announce themselves in-process) */
  WEBHOOK_RELAY_INTERVAL_MS: z.coerce.number().int().min(10).max(60_000).default(500),
  /** outbound deliveries: seconds before each attempt (the first is the initial delay), then dead-lettered */
  OUTBOUND_WEBHOOK_RETRY_SCHEDULE: csv.transform((list) => list.map(Number)).pipe(z.array(z.number().min(0).max(7 * 86_400)).min(1)).default([0, 5, 300, 1800, 7200, 18_000, 36_000, 36_000]),
  /** an endpoint failing without a success for this long is disabled (and `webhook_endpoint.disabled` announced) */
  OUTBOUND_WEBHOOK_DISABLE_AFTER_HOURS: z.coerce.number().min(0.001).default(120),
  OUTBOUND_WEBHOOK_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).default(15_000),
  /** deliveries per second to one endpoint, unless the endpoint sets its own */
  OUTBOUND_WEBHOOK_RATE_LIMIT: z.coerce.number().int().min(1).max(10_000).default(50),
  /** networks (CIDR) outbound webhooks may reach although private, loopback or link-local, e.g. 127.0.0.0/8 */
  OUTBOUND_WEBHOOK_ALLOWED_NETWORKS: networks,
  /** publishing: tries of each platform (the first included) before its result is failed, and the first retry's delay (doubling after, or longer where the platform asks) */
  PUBLISH_MAX_ATTEMPTS: z.coerce.number().int().min(1).max(20).default(5),
  PUBLISH_RETRY_BASE_MS: z.coerce.number().int().min(100).default(30_000),
  /** networks (CIDR) publishing may fetch media from although private, loopback or link-local, e.g. 127.0.0.0/8 */
  PUBLISH_MEDIA_ALLOWED_NETWORKS: networks,
});

export type PlugboardConfig = z.infer<typeof configSchema>;

/** Parses the environment; the first bad setting becomes one line naming it. */
export function parseConfig(env: NodeJS.ProcessEnv): PlugboardConfig {
  const result = configSchema.safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ConfigError(`invalid configuration: ${issue.path.join('.')} ${issue.message}`);
}

export class ConfigError extends Error {}
