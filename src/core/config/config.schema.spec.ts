import { parseConfig } from './config.schema';

describe('configuration', () => {
  it('has working defaults for local development', () => {
    const c = parseConfig({});
    expect(c).toMatchObject({ PLUGBOARD_ROLE: 'all', PORT: 3000, DATABASE_URL: 'postgres://postgres@127.0.0.1:5432/plugboard', REDIS_PREFIX: 'pb' });
  });

  it.each([
    [{ JWT_SECRET: 'short' }, 'invalid configuration: JWT_SECRET must be at least 32 characters'],
    [{ DATABASE_URL: 'mysql://x' }, 'invalid configuration: DATABASE_URL must be a postgres:// URL'],
    [{ VAULT_KEYS: 'k1:c2hvcnQ=' }, 'invalid configuration: VAULT_KEYS every key must be 32 bytes'],
    [{ PLUGBOARD_ROLE: 'both' }, 'invalid configuration: PLUGBOARD_ROLE'],
    [{ PORT: 'eighty' }, 'invalid configuration: PORT'],
    [{ REDIS_URL: 'localhost:6379' }, 'invalid configuration: REDIS_URL must be a redis:// URL'],
  ])('stops on %j with one line naming the setting', (env, line) => {
    let message = '';
    try {
      parseConfig(env);
    } catch (e) {
      message = (e as Error).message;
    }
    expect(message.startsWith(line)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('reads lists and flags', () => {
    const c = parseConfig({ PLUGINS_DISABLED: 'a, b,,c', MIGRATE_ON_BOOT: 'false', CORS_ORIGINS: 'https://app.example' });
    expect(c.PLUGINS_DISABLED).toEqual(['a', 'b', 'c']);
    expect(c.MIGRATE_ON_BOOT).toBe(false);
    expect(c.CORS_ORIGINS).toEqual(['https://app.example']);
  });
});
