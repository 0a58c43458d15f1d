import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Redis from 'ioredis';
import { Client } from 'pg';
import { startSimulator, type HubspotSimulator } from '../../src/plugins/hubspot/simulator/hubspot.simulator';
import { copyProject, type ProjectCopy, type RunResult } from '../support/project-copy';
import { startTestApp, type TestApp } from '../support/test-app';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

// The ops CLI as operators run it: built by `npm run build` (in a copy of the project, so the
// checkout's dist/ is never touched), spawned as a child process against a real database and Redis.
// Each command boots the CLI's module graph (a few seconds), hence the generous per-test timeouts.
const SPAWNS = 120_000;

describe('plugboard CLI (built, as a child process)', () => {
  let project: ProjectCopy;
  let db: TestDatabase;
  let redis: { prefix: string; purge(): Promise<void> };
  let sim: HubspotSimulator;
  let app: TestApp;
  let owner: { Authorization: string };
  let connectionId: string;
  let pg: Client;
  let env: Record<string, string>;
  const slug = 'cli-corp';
  const password = 'cli owner password';

  const cli = (...args: string[]) => project.cli(args, env);
  const json = <T>(r: RunResult): T => {
    expect({ code: r.code, stderr: r.stderr }).toEqual({ code: 0, stderr: expect.any(String) });
    return JSON.parse(r.stdout) as T;
  };
  const count = async (sql: string, params: unknown[] = []) => Number((await pg.query(sql, params)).rows[0].n);
  const simContacts = async () => {
    const emails: string[] = [];
    let after: string | undefined;
    do {
      const page = await fetch(`${sim.url}/crm/v3/objects/contacts?limit=100${after ? `&after=${after}` : ''}`, { headers: { authorization: `Bearer ${sim.credentials.accessToken}` } });
      const body = (await page.json()) as { results: { properties: { email: string } }[]; paging?: { next?: { after: string } } };
      emails.push(...body.results.map((r) => r.properties.email));
      after = body.paging?.next?.after;
    } while (after);
    return emails.sort();
  };

  beforeAll(async () => {
    project = copyProject('cli');
    [db, sim] = await Promise.all([createTestDatabase('cli'), startSimulator({ seed: 250 }), project.build()]);
    redis = createTestRedisPrefix('cli');
    env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, PLUGIN_HUBSPOT_BASE_URL: sim.url };
    expect((await cli('migrate')).stdout).toMatch(/migration\(s\) applied/);
    expect((await cli('tenants', 'create', '--name', 'CLI Corp', '--email', 'owner@cli.example', '--password', password, '--plan', 'starter')).code).toBe(0);
    // connections are made over the API (credentials go through the vault); this app shares the CLI's database
    process.env.PLUGIN_HUBSPOT_BASE_URL = sim.url;
    app = await startTestApp({ db, redisPrefix: redis.prefix, label: 'cli' });
    const login = await app.http().post('/api/v1/auth/login').send({ email: 'owner@cli.example', password });
    owner = { Authorization: `Bearer ${login.body.accessToken}` };
    const conn = await app.http().post('/api/v1/connections').set(owner).send({ plugin: 'hubspot', name: 'crm', credentials: { accessToken: sim.credentials.accessToken } });
    expect(conn.status).toBe(201);
    connectionId = conn.body.id;
    pg = new Client({ connectionString: db.url });
    await pg.connect();
  }, 180_000);

  afterAll(async () => {
    await pg?.end();
    await app?.close();
    delete process.env.PLUGIN_HUBSPOT_BASE_URL;
    await sim?.close();
    await db?.drop();
    await redis?.purge();
    project?.remove();
  });

  it('is the package bin: dist/cli.js starts with a shebang, is executable, and lists every command', async () => {
    const bin = JSON.parse(readFileSync(join(project.root, 'package.json'), 'utf8')).bin.plugboard as string;
    expect(bin).toBe('dist/cli.js');
    expect(readFileSync(join(project.root, bin), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node');
    const help = await project.run(join(project.root, bin), ['--help'], env);
    expect(help.code).toBe(0);
    for (const command of ['sync', 'monitor', 'plugins', 'tenants', 'users', 'api-keys', 'connections', 'webhooks', 'vault', 'billing', 'migrate', 'demo']) {
      expect(help.stdout).toMatch(new RegExp(`^\\s+${command}\\b`, 'm'));
    }
  }, SPAWNS);

  it('refuses unknown commands, flags, plugins and tenants with a suggestion and a non-zero exit', async () => {
    const [command, flag, plugin, tenant, verb] = await Promise.all([
      cli('synk'), cli('sync', '--forse'), cli('sync', 'hubspt'), cli('connections', 'list', '--tenant', 'cli-crop'), cli('plugins', 'lst'),
    ]);
    expect(command.code).not.toBe(0);
    expect(command.stderr).toMatch(/unknown command 'synk'\s+\(Did you mean sync\?\)/);
    expect(flag.code).not.toBe(0);
    expect(flag.stderr).toMatch(/unknown option '--forse'\s+\(Did you mean --force\?\)/);
    expect(plugin.code).toBe(1);
    expect(plugin.stderr).toMatch(/unknown plugin "hubspt" \(did you mean "hubspot"\?\); known: .*hubspot/);
    expect(tenant.code).toBe(1);
    expect(tenant.stderr).toContain(`unknown tenant "cli-crop" (did you mean "${slug}"?)`);
    expect(verb.code).toBe(1);
    expect(verb.stderr).toContain('unknown plugins command "lst" (did you mean "list"?)');
  }, SPAWNS);

  it('lists plugins and tenants as tables, or as JSON with --json; shows one plugin', async () => {
    const [table, pluginsJson, infoJson, infoText, tenantsJson] = await Promise.all([
      cli('plugins', 'list'), cli('plugins', 'list', '--json'), cli('plugins', 'info', 'hubspot', '--json'), cli('plugins', 'info', 'hubspot'), cli('tenants', 'list', '--json'),
    ]);
    expect(table.stdout).toMatch(/^NAME\s+STATUS\s+VERSION/);
    expect(table.stdout).toMatch(/^hubspot\s+loaded\s+1\.0\.0\s+crm\s+contacts,companies,deals/m);
    const plugins = json<{ name: string; status: string; entities: string[] }[]>(pluginsJson);
    expect(plugins).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'hubspot', status: 'loaded', entities: ['contacts', 'companies', 'deals'] })]));
    const info = json<{ name: string; auth: { kind: string }[]; actions: { name: string }[] }>(infoJson);
    expect(info.auth.map((a) => a.kind)).toEqual(['api_key', 'oauth2']);
    expect(info.actions.map((a) => a.name)).toContain('create_contact');
    expect(infoText.stdout).toMatch(/^HubSpot \(hubspot 1\.0\.0, crm\)$/m);
    expect(json<{ slug: string; plan: string }[]>(tenantsJson)).toEqual([expect.objectContaining({ slug, plan: 'starter' })]);
  }, SPAWNS);

  it('creates a user, and creates, lists and revokes an API key', async () => {
    const [user, owner2, created] = await Promise.all([
      cli('users', 'create', '--tenant', slug, '--email', 'Member@CLI.example', '--password', 'member password', '--role', 'admin'),
      cli('users', 'create', '--tenant', slug, '--email', 'x@cli.example', '--password', 'member password', '--role', 'owner'),
      cli('api-keys', 'create', '--tenant', slug, '--name', 'ci', '--scopes', 'read'),
    ]);
    expect(user.stdout).toMatch(/^user [0-9a-f-]{36} member@cli\.example \(admin\) in tenant cli-corp$/m);
    expect((await app.http().post('/api/v1/auth/login').send({ email: 'member@cli.example', password: 'member password' })).status).toBe(200);
    expect(owner2.stderr).toContain('--role must be admin or member');

    const key = created.stdout.trim();
    expect(key).toMatch(/^pb_/);
    const [listed] = json<{ id: string; name: string; scopes: string[]; revokedAt: string | null }[]>(await cli('api-keys', 'list', '--tenant', slug, '--json'));
    expect(listed).toMatchObject({ name: 'ci', scopes: ['read'], revokedAt: null });
    expect(JSON.stringify(listed)).not.toContain(key);
    expect((await cli('api-keys', 'revoke', listed.id, '--tenant', slug)).stdout).toContain(`API key ${listed.id} of tenant ${slug} revoked`);
    expect((await app.http().get('/api/v1/plugins').set('X-API-Key', key)).status).toBe(401);
    expect((await pg.query('SELECT revoked_at IS NOT NULL AS revoked FROM api_keys WHERE id = $1', [listed.id])).rows).toEqual([{ revoked: true }]);
  }, SPAWNS);

  it('lists and tests connections', async () => {
    const [list, test, typo] = await Promise.all([cli('connections', 'list', '--json'), cli('connections', 'test', 'crm'), cli('connections', 'test', 'cmr')]);
    const [conn] = json<{ tenant: string; name: string; plugin: string; status: string; credentials: Record<string, string> }[]>(list);
    expect(conn).toMatchObject({ tenant: slug, name: 'crm', plugin: 'hubspot', status: 'healthy' });
    expect(JSON.stringify(conn)).not.toContain(sim.credentials.accessToken);
    expect(test.code).toBe(0);
    expect(test.stdout).toMatch(new RegExp(`^ok  ${slug} crm \\(hubspot\\) in \\d+ms: account ${sim.portalId}$`, 'm'));
    expect(typo.stderr).toContain('unknown connection "cmr" (did you mean "crm"?)');
  }, SPAWNS);

  it('--dry-run reports what a sync would add and writes no record', async () => {
    const r = await cli('sync', 'hubspot', '--entity', 'contacts', '--dry-run', '--json');
    const [outcome] = json<{ status: string; entity: string; run: { dryRun: boolean; mode: string; counts: Record<string, number> } }[]>(r);
    expect(outcome).toMatchObject({ status: 'succeeded', entity: 'contacts', run: { dryRun: true, mode: 'full', counts: { added: 250, updated: 0, deleted: 0, unchanged: 0 } } });
    expect(await count('SELECT count(*) AS n FROM sync_records')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM sync_changes')).toBe(0);
    expect(await count('SELECT count(*) AS n FROM sync_state')).toBe(0);
  }, SPAWNS);

  it('syncs every entity through the engine, prints progress lines and a summary table, and stores the records', async () => {
    const r = await cli('sync', 'hubspot', '--tenant', slug);
    expect(r.code).toBe(0);
    for (const entity of ['contacts', 'companies', 'deals']) {
      expect(r.stderr).toMatch(new RegExp(`^started\\s+${slug} crm hubspot/${entity} \\(run [0-9a-f-]{36}, full\\)$`, 'm'));
      expect(r.stderr).toMatch(new RegExp(`^succeeded\\s+${slug} crm hubspot/${entity}: \\+250 ~0 -0 =0 in `, 'm'));
      expect(r.stdout).toMatch(new RegExp(`^${slug}\\s+crm\\s+hubspot\\s+${entity}\\s+full\\s+succeeded\\s+250\\s+0\\s+0\\s+0\\s+\\S+$`, 'm'));
    }
    expect(r.stdout).toMatch(/^TENANT\s+CONNECTION\s+PLUGIN\s+ENTITY\s+MODE\s+STATUS\s+ADDED\s+UPDATED\s+DELETED\s+UNCHANGED\s+DURATION$/m);
    expect(r.stdout).toContain('3 run(s), 0 failed');
    const stored = (await pg.query(`SELECT unified->>'email' AS email FROM sync_records WHERE entity = 'contacts' AND deleted_at IS NULL`)).rows.map((x) => x.email as string).sort();
    expect(stored).toEqual(await simContacts());
    expect(await count(`SELECT count(*) AS n FROM sync_records WHERE entity = 'deals'`)).toBe(250);
    expect(await count(`SELECT count(*) AS n FROM sync_runs WHERE trigger = 'cli' AND status = 'succeeded' AND NOT dry_run`)).toBe(3);

    // the next run is incremental and picks up what changed since
    const touched = await fetch(`${sim.url}/__sim/touch`, { method: 'POST', body: JSON.stringify({ objectType: 'contacts', count: 3, properties: { firstname: 'Changed' } }) });
    expect(touched.status).toBe(200);
    const [again] = json<{ run: { mode: string; counts: Record<string, number> } }[]>(await cli('sync', 'hubspot', '--entity', 'contacts', '--json'));
    expect(again.run).toMatchObject({ mode: 'incremental', counts: { added: 0, updated: 3, deleted: 0 } });
    expect(await count(`SELECT count(*) AS n FROM sync_records WHERE entity = 'contacts' AND unified->>'firstName' = 'Changed'`)).toBe(3);
  }, SPAWNS);

  it('exits non-zero when a run fails, and says why', async () => {
    await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ down: true }) });
    try {
      const [r, typo] = await Promise.all([cli('sync', '--entity', 'deals'), cli('sync', '--entity', 'dealz')]);
      expect(r.code).toBe(1);
      expect(r.stdout).toMatch(new RegExp(`^${slug}\\s+crm\\s+hubspot\\s+deals\\s+\\S+\\s+failed\\s`, 'm'));
      expect(r.stdout).toMatch(/^failed: cli-corp crm deals: hubspot answered 503$/m);
      expect(r.stdout).toContain('1 run(s), 1 failed');
      expect(typo.stderr).toContain('unknown entity "dealz" (did you mean "deals"?)');
    } finally {
      await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({}) });
    }
  }, SPAWNS);

  it('Ctrl-C hands the unfinished run to the worker queue, to resume from its checkpoint, and exits 130', async () => {
    await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ latencyMs: 400 }) });
    try {
      const child = project.startCli(['sync', 'hubspot', '--entity', 'companies', '--full'], env);
      let stderr = '';
      const started = new Promise<void>((resolve) => child.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        if (/^started\s/m.test(stderr)) resolve();
      }));
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      await started;
      child.kill('SIGINT');
      expect(await exited).toBe(130);
      const runId = /run ([0-9a-f-]{36}) queued for a worker to resume from its checkpoint/.exec(stderr)?.[1];
      expect(runId).toBeDefined();
      const redisClient = new Redis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
      try {
        expect(await redisClient.keys(`${redis.prefix}:bull:sync:${runId}:resume:*`)).toHaveLength(1);
      } finally {
        redisClient.disconnect();
      }
      expect((await pg.query('SELECT status FROM sync_runs WHERE id = $1', [runId])).rows).toEqual([{ status: 'running' }]);
    } finally {
      await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({}) });
    }
  }, SPAWNS);

  it('monitor: runs the checks now, prints the table, exits 2 when down and 0 when healthy, and raises and clears alerts with --alert', async () => {
    const [healthy, typo] = await Promise.all([cli('monitor', '--json'), cli('monitor', 'hubsopt')]);
    expect(healthy.code).toBe(0);
    expect(JSON.parse(healthy.stdout)).toMatchObject({ verdict: 'healthy', exitCode: 0, connections: [{ tenant: slug, name: 'crm', plugin: 'hubspot', status: 'up', circuit: 'closed' }] });
    expect(typo.stderr).toContain('unknown plugin "hubsopt" (did you mean "hubspot"?)');

    await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({ down: true }) });
    try {
      // the connection_down rule fires on the second failed check in a row
      expect((await cli('monitor', 'hubspot', '--alert')).code).toBe(2);
      const down = await cli('monitor', 'hubspot', '--alert', '--detailed');
      expect(down.code).toBe(2);
      expect(down.stdout).toMatch(/^TENANT\s+ID\s+CONNECTION\s+PLUGIN\s+STATUS\s+LATENCY\s+ERROR RATE\s+CIRCUIT\s+TOKEN EXPIRY\s+DETAIL$/m);
      expect(down.stdout).toMatch(new RegExp(`^${slug}\\s+${connectionId}\\s+crm\\s+hubspot\\s+down\\s+\\d+ms\\s.*503`, 'm'));
      expect(down.stdout).toMatch(/1 connection\(s\): 0 up, 0 need re-authorizing, 1 down; down \(alerts raised and cleared\)$/m);
      expect((await pg.query(`SELECT status FROM alerts WHERE type = 'connection_down'`)).rows).toEqual([{ status: 'open' }]);
    } finally {
      await fetch(`${sim.url}/__sim/faults`, { method: 'POST', body: JSON.stringify({}) });
    }
    expect((await cli('monitor', '--alert')).code).toBe(0);
    expect((await pg.query(`SELECT status FROM alerts WHERE type = 'connection_down'`)).rows).toEqual([{ status: 'resolved' }]);
  }, SPAWNS);

  it('webhooks replay: queues dead-lettered events again, and says which ids it could not find', async () => {
    const tenantId = (await pg.query('SELECT id FROM tenants WHERE slug = $1', [slug])).rows[0].id as string;
    const insert = async (key: string, status: string) => (await pg.query(
      `INSERT INTO webhook_events (tenant_id, connection_id, plugin, dedupe_key, type, payload, status, attempts, last_error)
       VALUES ($1, $2, 'hubspot', $3, 'hubspot.contact.creation', '{}', $4, 5, 'gave up') RETURNING id`, [tenantId, connectionId, key, status])).rows[0].id as string;
    const dead = await insert('evt-dead', 'dead');
    const processed = await insert('evt-done', 'processed');
    const [allDead, named, badStatus] = await Promise.all([
      cli('webhooks', 'replay', '--json'),
      cli('webhooks', 'replay', processed, '00000000-0000-4000-8000-000000000000', '--tenant', slug),
      cli('webhooks', 'replay', '--status', 'pending'),
    ]);
    expect(json<{ id: string; was: string; status: string }[]>(allDead)).toEqual([expect.objectContaining({ id: dead, was: 'dead', status: 'pending' })]);
    expect((await pg.query('SELECT status, attempts FROM webhook_events WHERE id = $1', [dead])).rows).toEqual([{ status: 'pending', attempts: 0 }]);
    expect(named.code).toBe(1);
    expect(named.stdout).toMatch(new RegExp(`^${slug}\\s+${processed}\\s+hubspot\\s+hubspot\\.contact\\.creation\\s+processed\\s+pending\\s+-$`, 'm'));
    expect(named.stdout).toMatch(/^-\s+00000000-0000-4000-8000-000000000000\s+-\s+-\s+-\s+not found\s+no event with this id/m);
    expect(badStatus.stderr).toContain('--status must be one of dead, failed, processed');
  }, SPAWNS);
});
