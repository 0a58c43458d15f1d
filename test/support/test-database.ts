import { randomBytes } from 'node:crypto';
import Redis from 'ioredis';
import { Client } from 'pg';

const ADMIN_URL = process.env.TEST_DATABASE_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';

export interface TestDatabase {
  name: string;
  url: string;
  drop(): Promise<void>;
}

async function admin<T>(fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: ADMIN_URL });
  await c.connect();
  try {
    return await fn(c);
  } finally {
    await c.end();
  }
}

/** A fresh, empty database for one test file, so files can run in parallel and leave nothing behind. */
export async function createTestDatabase(label = 'test'): Promise<TestDatabase> {
  const name = `pb_${label.replace(/[^a-z0-9]/g, '_')}_${randomBytes(4).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE "${name}"`));
  const url = ADMIN_URL.replace(/\/[^/]*$/, `/${name}`);
  return { name, url, drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)).then(() => undefined) };
}

/** One query on a test database over its own connection (to look at or set up rows as a test needs). */
export async function sql<T = Record<string, unknown>>(db: TestDatabase, text: string, params: unknown[] = []): Promise<T[]> {
  const c = new Client({ connectionString: db.url });
  await c.connect();
  try {
    return (await c.query(text, params)).rows as T[];
  } finally {
    await c.end();
  }
}

/** A Redis key prefix unique to one test file, and a way to delete everything under it. */
export function createTestRedisPrefix(label = 'test'): { prefix: string; purge(): Promise<void> } {
  const prefix = `pbtest:${label}:${randomBytes(4).toString('hex')}`;
  return {
    prefix,
    async purge() {
      const r = new Redis(REDIS_URL, { lazyConnect: false, maxRetriesPerRequest: 2 });
      try {
        let cursor = '0';
        do {
          const [next, keys] = await r.scan(cursor, 'MATCH', `${prefix}:*`, 'COUNT', 500);
          if (keys.length) await r.del(...keys);
          cursor = next;
        } while (cursor !== '0');
      } finally {
        r.disconnect();
      }
    },
  };
}
