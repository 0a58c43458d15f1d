import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import type request from 'supertest';
import { DataSource } from 'typeorm';
import type { RecordedCall } from '../../src/core/plugin-sdk/simulator';
import { simControl } from '../../src/core/plugin-sdk/testing';
import { startSimulator as startLinkedin, type LinkedinSimulator } from '../../src/plugins/linkedin/simulator/linkedin.simulator';
import { startSimulator as startSlack, type SlackSimulator } from '../../src/plugins/slack/simulator/slack.simulator';
import { startSimulator as startStripe, type StripeSimulator } from '../../src/plugins/stripe/simulator/stripe.simulator';
import { startSimulator as startTwitter, type TwitterSimulator } from '../../src/plugins/twitter/simulator/twitter.simulator';
import { startConnectedApiApp, syncTestConfig } from '../support/sync-test-app';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

interface PlatformResult {
  id: string;
  connectionId: string;
  plugin: string;
  status: string;
  externalId: string | null;
  url: string | null;
  parts: { externalId: string; url: string }[];
  error: { code: string; message: string } | null;
  attempts: number;
  nextAttemptAt: string | null;
}
interface Publication {
  id: string;
  status: string;
  scheduleAt: string | null;
  platforms: PlatformResult[];
}

const RETRY_BASE_MS = 1500;
const PAUSE_SECONDS = 3;

/**
 * Cross-platform publishing over HTTP, with the LinkedIn, X and Slack simulators: real connections
 * (OAuth for LinkedIn and X), the worker inside the app for retries and scheduled publications.
 */
describe('publishing', () => {
  const saved = { ...process.env };
  const redis = createTestRedisPrefix('publishing');
  let db: TestDatabase;
  let app: NestFastifyApplication;
  let http: () => ReturnType<typeof request>;
  let url: string;
  let auth: { Authorization: string };
  let linkedin: LinkedinSimulator;
  let twitter: TwitterSimulator;
  let slack: SlackSimulator;
  let stripe: StripeSimulator;
  const conn: Record<string, string> = {};

  beforeAll(async () => {
    [linkedin, twitter, slack, stripe] = await Promise.all([startLinkedin({ seed: 3 }), startTwitter({ seed: 3 }), startSlack({ seed: 3 }), startStripe({ seed: 1 })]);
    // base URLs and the platform-wide OAuth apps come from the environment, as in production
    Object.assign(process.env, {
      PLUGIN_LINKEDIN_BASE_URL: linkedin.url, PLUGIN_LINKEDIN_CLIENT_ID: linkedin.oauthClient.clientId, PLUGIN_LINKEDIN_CLIENT_SECRET: linkedin.oauthClient.clientSecret,
      PLUGIN_TWITTER_BASE_URL: twitter.url, PLUGIN_TWITTER_CLIENT_ID: twitter.oauthClient.clientId, PLUGIN_TWITTER_CLIENT_SECRET: twitter.oauthClient.clientSecret,
      PLUGIN_SLACK_BASE_URL: slack.url, PLUGIN_STRIPE_BASE_URL: stripe.url,
    });
    db = await createTestDatabase('publishing');
    const config = syncTestConfig({ dbUrl: db.url, redisPrefix: redis.prefix, env: { PUBLISH_RETRY_BASE_MS: String(RETRY_BASE_MS), PUBLISH_MAX_ATTEMPTS: '2' } });
    // two tries per call, and a platform's pause longer than a second becomes a retry on the queue
    ({ app, http } = await startConnectedApiApp(config, { policy: { maxAttempts: 2, maxThrottleWaitMs: 1000 } }));
    url = await app.getUrl();
    const login = { email: `publisher-${Date.now()}@example.test`, password: 'correct horse battery staple' };
    const signup = await http().post('/api/v1/auth/signup').send({ ...login, tenantName: 'Publisher' }).expect(201);
    // four connections are more than the Free plan allows
    await app.get(DataSource).query(`UPDATE tenants SET plan = 'professional' WHERE id = $1`, [signup.body.tenant.id]);
    auth = { Authorization: `Bearer ${(await http().post('/api/v1/auth/login').send(login).expect(200)).body.accessToken}` };
    conn.linkedin = await connectOAuth('linkedin', 'Company LinkedIn');
    conn.twitter = await connectOAuth('twitter', 'Company X');
    conn.slack = (await http().post('/api/v1/connections').set(auth).send({ plugin: 'slack', name: 'Team Slack', credentials: slack.credentials, settings: { channel: '#general' } }).expect(201)).body.id;
    conn.stripe = (await http().post('/api/v1/connections').set(auth).send({ plugin: 'stripe', name: 'Payments', credentials: stripe.credentials }).expect(201)).body.id;
  });

  afterAll(async () => {
    await app?.close();
    await db?.drop();
    await redis.purge();
    await Promise.all([linkedin, twitter, slack, stripe].map((s) => s?.close()));
    process.env = saved;
  });

  /** Start, the simulator's consent page (approves at once) and the callback: a connection, as a user makes it. */
  async function connectOAuth(plugin: string, name: string): Promise<string> {
    const start = await http().get(`/api/v1/connections/oauth/${plugin}/start`).query({ name, redirectUri: `${url}/oauth/callback` }).set(auth).expect(200);
    const consent = await fetch(start.body.authorizeUrl, { redirect: 'manual' });
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.get('location')!);
    const done = await http().get('/oauth/callback').query({ code: back.searchParams.get('code'), state: back.searchParams.get('state') }).expect(200);
    expect(done.body).toMatchObject({ plugin, status: 'healthy', check: { ok: true } });
    return done.body.id;
  }

  const publish = (body: Record<string, unknown>) => http().post('/api/v1/publish').set(auth).send(body);
  const read = async (id: string): Promise<Publication> => (await http().get(`/api/v1/publications/${id}`).set(auth).expect(200)).body;
  const on = (p: Publication, plugin: string) => p.platforms.find((t) => t.plugin === plugin)!;
  const faults = (sim: { url: string }, body: unknown) => simControl(sim, 'faults', body);
  const tweets = (c: RecordedCall) => c.method === 'POST' && c.path === '/2/tweets';

  async function until(id: string, done: (p: Publication) => boolean): Promise<Publication> {
    const end = Date.now() + 20_000;
    for (;;) {
      const p = await read(id);
      if (done(p)) return p;
      if (Date.now() > end) throw new Error(`publication ${id} never got there: ${JSON.stringify(p)}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('publishes to LinkedIn, X and Slack: each platform answers its id and URL, and holds the post formatted to its rules', async () => {
    const content = `${'Plugboard 2.0 ships today with cross-platform publishing, scheduled posts and retries per platform. '.repeat(3)}Thanks to everyone (really) who helped!`;
    const res = await publish({ content, platforms: ['linkedin', 'twitter', conn.slack], metadata: { tags: ['launch day'], links: ['https://example.com/launch'] } }).expect(201);
    const p = res.body as Publication;
    expect(p.status).toBe('published');
    expect(p.platforms.map((t) => [t.plugin, t.status])).toEqual([['linkedin', 'published'], ['slack', 'published'], ['twitter', 'published']]);
    expect(p.platforms.every((t) => t.error === null && t.attempts === 1)).toBe(true);

    const li = on(p, 'linkedin');
    expect(li).toMatchObject({ connectionId: conn.linkedin, externalId: expect.stringMatching(/^urn:li:share:/), url: `https://www.linkedin.com/feed/update/${li.externalId}/` });
    const post = linkedin.posts().find((x) => x.id === li.externalId)!;
    expect(post.author).toBe(linkedin.member.urn);
    expect(post.rendered).toBe(`${content}\n\nhttps://example.com/launch\n\n#LaunchDay`);

    const x = on(p, 'twitter');
    expect(x.parts.length).toBeGreaterThan(1);
    expect(x).toMatchObject({ externalId: x.parts[0].externalId, url: `https://x.com/i/web/status/${x.parts[0].externalId}` });
    const thread = x.parts.map((part) => twitter.tweets().find((t) => t.id === part.externalId)!);
    thread.slice(1).forEach((t, i) => expect(t.in_reply_to_tweet_id).toBe(thread[i].id));
    // the parts, numbering taken off, are the formatted text cut at word boundaries
    expect(thread.map((t) => t.text.replace(/ \d+\/\d+$/, '')).join(' ').replace(/\s+/g, ' ')).toBe(`${content} https://example.com/launch #LaunchDay`);
    expect(thread.at(-1)!.text).toMatch(new RegExp(` ${thread.length}/${thread.length}$`));

    const sl = on(p, 'slack');
    const [message] = slack.messages('general');
    expect(sl).toMatchObject({ connectionId: conn.slack, externalId: `C0000000001/${message.ts}`, url: `https://plugboard-sim.slack.com/archives/C0000000001/p${message.ts.replace('.', '')}` });
    // Slack has no hashtags; the link is appended
    expect(message.text).toBe(`${content}\n\nhttps://example.com/launch`);

    expect(await read(p.id)).toEqual(p);
    const list = (await http().get('/api/v1/publications?limit=10').set(auth).expect(200)).body;
    expect(list.data.map((x: Publication) => x.id)).toContain(p.id);
  });

  it('refuses a request naming an unknown platform, one without a connection or a publisher, a connection twice, or bad options', async () => {
    const fields = async (body: Record<string, unknown>) => {
      const res = await publish({ content: 'hello', ...body }).expect(400);
      return res.body.errors as { field: string; message: string }[];
    };
    expect(await fields({ platforms: ['myspace'] })).toEqual([{ field: 'platforms[0]', message: expect.stringContaining('unknown platform "myspace"') }]);
    expect(await fields({ platforms: ['slack', 'buzzsprout'] })).toEqual([{ field: 'platforms[1]', message: expect.stringContaining('no buzzsprout connection') }]);
    expect(await fields({ platforms: [conn.stripe] })).toEqual([{ field: 'platforms[0]', message: expect.stringContaining('stripe cannot publish') }]);
    expect(await fields({ platforms: ['slack', conn.slack] })).toEqual([{ field: 'platforms[1]', message: expect.stringContaining('ambiguous') }]);
    expect(await fields({ platforms: ['00000000-0000-4000-8000-000000000000'] })).toEqual([{ field: 'platforms[0]', message: expect.stringContaining('no connection') }]);
    expect(await fields({ platforms: ['slack'], options: { slack: { channel: 42 }, linkedin: {} } })).toEqual(expect.arrayContaining([
      expect.objectContaining({ field: 'options.slack.channel' }), expect.objectContaining({ field: 'options.linkedin' }),
    ]));
    expect((await fields({ platforms: [] })).map((e) => e.field)).toEqual(['platforms']);
  });

  it("answers 404 to another tenant for a publication, and lists none of this tenant's to it", async () => {
    const mine = (await publish({ content: 'Only mine', platforms: ['slack'] }).expect(201)).body as Publication;
    const other = await http().post('/api/v1/auth/signup').send({ email: `other-${Date.now()}@example.test`, password: 'correct horse battery staple', tenantName: 'Other' }).expect(201);
    const theirs = { Authorization: `Bearer ${other.body.accessToken}` };
    await http().get(`/api/v1/publications/${mine.id}`).set(theirs).expect(404);
    await http().post(`/api/v1/publications/${mine.id}/retry`).set(theirs).expect(404);
    expect((await http().get('/api/v1/publications').set(theirs).expect(200)).body.data).toEqual([]);
    expect((await publish({ content: 'x', platforms: [conn.slack] }).set(theirs).expect(400)).body.errors[0].message).toMatch(/no connection/);
  });

  it('reports content too long for a platform without threads as that platform’s error, and publishes the rest', async () => {
    const content = 'Long-form notes. '.repeat(200);
    const p = (await publish({ content, platforms: ['linkedin', 'twitter'] }).expect(201)).body as Publication;
    expect(p.status).toBe('partial');
    expect(on(p, 'linkedin')).toMatchObject({ status: 'failed', attempts: 0, error: { code: 'content_too_long', message: expect.stringContaining('at most 3000') } });
    expect(on(p, 'twitter')).toMatchObject({ status: 'published' });
    expect(on(p, 'twitter').parts.length).toBeGreaterThan(10);
  });

  it('reports a platform answering 500 as partial, retries it on the queue with backoff, and then it is published', async () => {
    await faults(twitter, { rate500: 1 });
    let p: Publication;
    try {
      p = (await publish({ content: 'Retry me on X, once the platform is back', platforms: ['twitter', 'slack'] }).expect(201)).body;
    } finally {
      await faults(twitter, {});
    }
    expect(p.status).toBe('partial');
    expect(on(p, 'slack').status).toBe('published');
    const x = on(p, 'twitter');
    expect(x).toMatchObject({ status: 'retrying', attempts: 1, externalId: null, error: { code: 'platform_500' } });
    expect(new Date(x.nextAttemptAt!).getTime()).toBeGreaterThanOrEqual(Date.now() - 1000);
    const done = await until(p.id, (q) => q.status === 'published');
    expect(on(done, 'twitter')).toMatchObject({ status: 'published', attempts: 2, error: null, externalId: expect.stringMatching(/^\d+$/) });
    expect(twitter.tweets().filter((t) => t.text === 'Retry me on X, once the platform is back')).toHaveLength(1);
  });

  it('keeps a platform failed after its last attempt, and POST /retry publishes it', async () => {
    await faults(twitter, { rate500: 1 });
    let failed: Publication;
    try {
      const p = (await publish({ content: 'Down for good, until someone retries', platforms: ['twitter', 'slack'] }).expect(201)).body as Publication;
      failed = await until(p.id, (q) => on(q, 'twitter').status === 'failed');
    } finally {
      await faults(twitter, {});
    }
    expect(failed).toMatchObject({ status: 'partial' });
    expect(on(failed, 'twitter')).toMatchObject({ attempts: 2, error: { code: 'platform_500', message: expect.stringContaining('twitter answered 500') } });
    const retried = (await http().post(`/api/v1/publications/${failed.id}/retry`).set(auth).expect(200)).body as Publication;
    expect(retried.status).toBe('published');
    expect(on(retried, 'twitter')).toMatchObject({ status: 'published', attempts: 1, error: null });
    expect(on(retried, 'slack').externalId).toBe(on(failed, 'slack').externalId);
    expect((await http().post(`/api/v1/publications/${failed.id}/retry`).set(auth).expect(409)).body.detail).toMatch(/nothing to retry/);
  });

  it('publishes a scheduled publication at scheduleAt, as a delayed job', async () => {
    const scheduleAt = new Date(Date.now() + 2000);
    const res = await publish({ content: 'Scheduled for later', platforms: ['slack'], scheduleAt: scheduleAt.toISOString(), options: { slack: { channel: '#random' } } }).expect(202);
    expect(res.body).toMatchObject({ status: 'scheduled', scheduleAt: scheduleAt.toISOString(), platforms: [{ plugin: 'slack', status: 'pending', attempts: 0 }] });
    expect(slack.messages('random')).toEqual([]);
    const done = await until(res.body.id, (q) => q.status === 'published');
    const [message] = slack.messages('random');
    expect(message.text).toBe('Scheduled for later');
    const call = slack.calls.find((c) => c.path === '/api/chat.postMessage' && c.body?.text === 'Scheduled for later')!;
    expect(call.arrivedAt).toBeGreaterThanOrEqual(scheduleAt.getTime());
    expect(on(done, 'slack').externalId).toBe(`C0000000002/${message.ts}`);
  });

  it('honours a 429 Retry-After longer than a call may wait: the platform is retried no sooner than it asked', async () => {
    const before = twitter.calls.length;
    await faults(twitter, { rate429: 1, retryAfterSeconds: PAUSE_SECONDS, times: 1 });
    const p = (await publish({ content: 'Posted after the pause X asked for', platforms: ['twitter'] }).expect(201)).body as Publication;
    expect(p.status).toBe('publishing');
    const waiting = on(p, 'twitter');
    expect(waiting).toMatchObject({ status: 'retrying', error: { code: 'platform_paused' } });
    const [limited] = twitter.calls.slice(before).filter(tweets);
    expect(limited.status).toBe(429);
    expect(new Date(waiting.nextAttemptAt!).getTime()).toBeGreaterThanOrEqual(limited.at + PAUSE_SECONDS * 1000 - 50);
    await until(p.id, (q) => q.status === 'published');
    const attempts = twitter.calls.slice(before).filter(tweets);
    expect(attempts.map((c) => c.status)).toEqual([429, 201]);
    expect(attempts[1].arrivedAt - limited.at).toBeGreaterThanOrEqual(PAUSE_SECONDS * 1000);
  });
});
