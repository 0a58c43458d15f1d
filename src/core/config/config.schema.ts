import { z } from 'zod';

const csv = z
  .string()
  .transform((s) => s.split(',').map((x) => x.trim()).filter(Boolean));

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

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
