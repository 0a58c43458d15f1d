import { getQueueToken } from '@nestjs/bull';
import type { Queue } from 'bull';
import type Redis from 'ioredis';
import { SYNC_QUEUE } from '../../src/integrations';
import { REDIS } from '../../src/core/redis';
import { startTestApp, type TestApp } from '../support/test-app';

describe('health', () => {
  let t: TestApp;

  beforeAll(async () => {
    // a tiny anonymous budget, so "not throttled" below means something
    t = await startTestApp({ label: 'health', env: { UNAUTHENTICATED_RATE_LIMIT: '5' } });
  });
  afterAll(() => t.close());

  it('is live without credentials', async () => {
    const res = await t.http().get('/health/live').expect(200);
    expect(res.body).toMatchObject({ status: 'ok' });
  });

  it('is ready with the database, Redis, migrations and queue backlogs up', async () => {
    const res = await t.http().get('/health/ready').expect(200);
    expect(res.body).toMatchObject({
      status: 'ok',
      details: { database: { status: 'up' }, redis: { status: 'up' }, migrations: { status: 'up' }, queues: { status: 'up', waiting: { sync: 0 } } },
    });
    expect(res.body.error).toEqual({});
  });

  it('is not ready while a queue has more waiting jobs than HEALTH_QUEUE_BACKLOG_MAX', async () => {
    // this app has no worker: jobs added to a queue stay waiting
    const backed = await startTestApp({ label: 'health-backlog', env: { HEALTH_QUEUE_BACKLOG_MAX: '2' } });
    try {
      const queue = backed.app.get<Queue>(getQueueToken(SYNC_QUEUE));
      for (let i = 0; i < 3; i++) await queue.add('probe', { tenantId: 'none' });
      const res = await backed.http().get('/health/ready').expect(503);
      expect(res.body.error).toEqual({ queues: { status: 'down', message: 'sync has 3 waiting jobs (more than 2)', waiting: expect.objectContaining({ sync: 3 }) } });
      await queue.empty();
      await backed.http().get('/health/ready').expect(200);
    } finally {
      await backed.close();
    }
  });

  it('is never throttled, while other anonymous routes are', async () => {
    const live = await Promise.all(Array.from({ length: 200 }, () => t.http().get('/health/live')));
    expect(live.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    const ready = await Promise.all(Array.from({ length: 40 }, () => t.http().get('/health/ready')));
    expect(ready.map((r) => r.status).filter((s) => s !== 200)).toEqual([]);
    // while an anonymous caller on the credential routes (20 a minute per IP) is stopped
    const logins: number[] = [];
    for (let i = 0; i < 25; i++) {
      logins.push((await t.http().post('/api/v1/auth/login').send({ email: 'nobody@example.test', password: 'not the password' })).status);
    }
    expect(logins).toContain(429);
  });

  describe('when the Redis connection is lost', () => {
    // An app booted with REDIS_URL on a closed port does boot, but app.close() then never returns
    // (reported), so the loss is simulated on the core client of a healthy app and undone after.
    const redis = () => t.app.get<Redis>(REDIS);
    beforeAll(() => redis().disconnect());
    afterAll(async () => {
      await redis().connect();
      await t.http().get('/health/ready').expect(200);
    });

    it('stays live but is not ready', async () => {
      await t.http().get('/health/live').expect(200);
      await t.http().get('/health/ready').expect(503);
    });

    it('answers 503 problem+json naming Redis as down and the rest up', async () => {
      const res = await t.http().get('/health/ready').expect(503);
      expect(res.headers['content-type']).toMatch(/application\/problem\+json/);
      expect(res.body).toMatchObject({
        status: 503,
        error: { redis: { status: 'down', message: expect.any(String) } },
        details: { database: { status: 'up' }, migrations: { status: 'up' }, redis: { status: 'down' } },
      });
      expect(Object.keys(res.body.error)).toEqual(['redis']);
    });
  });
});
