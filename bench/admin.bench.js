'use strict';
/**
 * Admin panel bench: how long each page of /admin takes to render with 100 tenants, 1,000
 * connections and 1,000,000 synced records, against a baseline measured in the same run on the same
 * server (GET /health/live: Nest, Fastify and the hooks every request goes through, no page).
 *
 *   server   bench/lib/api-server.child.js (BENCH_SERVER=plugboard): the real API from dist/ in its own
 *            process, NODE_ENV=production (templates cached), PLUGBOARD_ROLE=api, on a fresh database
 *            pb_bench_admin_<rand> (migrated at boot, dropped at the end) and its own REDIS_PREFIX
 *   data     seeded in SQL after boot, mostly with generate_series (INSERT ... SELECT, server side):
 *            100 tenants with an owner each, 1,000 connections (10 a tenant, stripe and hubspot, 90%
 *            healthy) with their vault entries (sealed here with the bench's VAULT_KEYS, since a
 *            connection's page shows its masked credentials), 3 status changes each, 20 sync runs
 *            each over the last 7 days (20,000; some failed, a few running), 1,000 records per
 *            connection (1,000,000), one manual flow per tenant with 5 open conflicts (500), and
 *            200,000 audit entries; then ANALYZE
 *   session  an operator made with `plugboard operators create` (the CLI from dist/), logged in
 *            through the form like a browser (pre-session cookie, CSRF token, session cookie)
 *
 * Each page is fetched BENCH_REQUESTS times (default 40) one after another, after BENCH_WARMUP
 * (default 3) unmeasured fetches; the pages are visited round-robin so drift hits all of them alike.
 * The time is from sending the request to having read the whole body. Printed per page: p50, p95,
 * max, body size and p50 / baseline p50. Target: every page's p95 under 200 ms.
 *
 * Env knobs: BENCH_REQUESTS, BENCH_WARMUP, BENCH_RECORDS_PER_CONNECTION (default 1000).
 */
const { execFile } = require('node:child_process');
const { createCipheriv, randomBytes, randomUUID } = require('node:crypto');
const path = require('node:path');
const { promisify } = require('node:util');
const { createBenchDatabase, createBenchRedisPrefix, forkChild, table, machineLine, cleanUp, runBench, ROOT } = require('./lib/common');

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 40);
const WARMUP = Number(process.env.BENCH_WARMUP ?? 3);
const TENANTS = 100;
const CONNECTIONS_PER_TENANT = 10;
const RECORDS_PER_CONNECTION = Number(process.env.BENCH_RECORDS_PER_CONNECTION ?? 1000);
const RUNS_PER_CONNECTION = 20;
const AUDIT_ROWS = 200_000;
const TARGET_P95_MS = 200;
const SERVER = path.join(__dirname, 'lib', 'api-server.child.js');
const VAULT_KEY = randomBytes(32);
const VAULT_KEYS = `bench:${VAULT_KEY.toString('base64')}`;
const OPERATOR = { email: 'bench-operator@example.test', password: 'bench operator password' };

/** A vault entry as VaultService seals it: AES-256-GCM, the tenant and entry ids as associated data. */
function seal(tenantId, id, secret) {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', VAULT_KEY, iv);
  cipher.setAAD(Buffer.from(`${tenantId}:${id}`));
  const ciphertext = Buffer.concat([cipher.update(JSON.stringify(secret), 'utf8'), cipher.final()]);
  return { id, tenant_id: tenantId, key_id: 'bench', iv: iv.toString('hex'), tag: cipher.getAuthTag().toString('hex'), ciphertext: ciphertext.toString('hex') };
}

async function timed(label, fn) {
  const t0 = performance.now();
  const r = await fn();
  console.log(`  ${label.padEnd(58)} ${((performance.now() - t0) / 1000).toFixed(1).padStart(6)} s`);
  return r;
}

async function seed(db) {
  console.log('seeding:');
  const q = db.query;
  await timed(`${TENANTS} tenants with an owner each`, async () => {
    await q(`INSERT INTO tenants (name, slug, plan, created_at)
             SELECT 'Tenant ' || lpad(i::text, 3, '0'), 'tenant-' || i, (ARRAY['free','starter','professional','enterprise'])[1 + i % 4], now() - (i || ' days')::interval
               FROM generate_series(1, ${TENANTS}) i`);
    await q(`INSERT INTO users (tenant_id, email, name, role) SELECT id, slug || '@example.test', 'Owner of ' || name, 'owner' FROM tenants`);
  });
  const tenants = (await q(`SELECT id FROM tenants ORDER BY slug`)).rows.map((r) => r.id);

  const connections = [];
  await timed(`${TENANTS * CONNECTIONS_PER_TENANT} connections with sealed vault entries`, async () => {
    const vault = [];
    tenants.forEach((tenantId, t) => {
      for (let i = 0; i < CONNECTIONS_PER_TENANT; i++) {
        const n = t * CONNECTIONS_PER_TENANT + i;
        const plugin = i % 2 ? 'hubspot' : 'stripe';
        const entry = seal(tenantId, randomUUID(), plugin === 'stripe' ? { secretKey: `sk_test_bench${n}` } : { accessToken: `tok-${n}` });
        vault.push(entry);
        const status = n % 50 === 0 ? 'needs_reauth' : n % 20 === 0 ? 'degraded' : n % 33 === 0 ? 'disabled' : 'healthy';
        connections.push({ id: randomUUID(), tenant_id: tenantId, plugin, name: `Connection ${String(n).padStart(4, '0')}`, auth_kind: plugin === 'stripe' ? 'api_key' : 'oauth2', vault_entry_id: entry.id, status });
      }
    });
    await q(`INSERT INTO vault_entries (id, tenant_id, key_id, iv, tag, ciphertext)
             SELECT id, tenant_id, key_id, decode(iv, 'hex'), decode(tag, 'hex'), decode(ciphertext, 'hex')
               FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, key_id text, iv text, tag text, ciphertext text)`, [JSON.stringify(vault)]);
    await q(`INSERT INTO connections (id, tenant_id, plugin, name, auth_kind, vault_entry_id, status, status_changed_at, token_expires_at)
             SELECT id, tenant_id, plugin, name, auth_kind, vault_entry_id, status, now() - interval '2 days',
                    CASE WHEN auth_kind = 'oauth2' THEN now() + interval '50 minutes' END
               FROM jsonb_to_recordset($1::jsonb) AS x(id uuid, tenant_id uuid, plugin text, name text, auth_kind text, vault_entry_id uuid, status text)`, [JSON.stringify(connections)]);
    await q(`INSERT INTO connection_transitions (tenant_id, connection_id, from_status, to_status, reason, at)
             SELECT c.tenant_id, c.id, s.f, s.t, s.why, now() - s.ago
               FROM connections c CROSS JOIN (VALUES (NULL, 'healthy', 'created: check passed', interval '9 days'),
                                                     ('healthy', 'degraded', 'calls are failing, the circuit opened', interval '5 days'),
                                                     ('degraded', 'healthy', 'a probe succeeded, the circuit closed', interval '4 days')) s(f, t, why, ago)`);
  });

  await timed(`${RUNS_PER_CONNECTION * connections.length} sync runs over 7 days`, () => q(`
    INSERT INTO sync_runs (tenant_id, connection_id, plugin, entity, model, mode, status, trigger, added, updated, deleted, unchanged, pages, error, created_at, started_at, finished_at)
    SELECT c.tenant_id, c.id, c.plugin, e.entity, e.model, CASE WHEN r % 5 = 0 THEN 'full' ELSE 'incremental' END,
           CASE WHEN r = 1 AND c.name LIKE '%0' THEN 'running' WHEN r % 13 = 0 THEN 'failed' ELSE 'succeeded' END, 'schedule',
           (r * 7) % 50, (r * 13) % 200, r % 3, 900, 10, CASE WHEN r % 13 = 0 THEN 'upstream answered 503' END,
           now() - ((r - 1) * interval '8 hours') - (random() * interval '7 hours'), now() - ((r - 1) * interval '8 hours') - interval '1 minute',
           CASE WHEN r = 1 AND c.name LIKE '%0' THEN NULL ELSE now() - ((r - 1) * interval '8 hours') END
      FROM connections c
      CROSS JOIN generate_series(1, ${RUNS_PER_CONNECTION}) r
      CROSS JOIN LATERAL (SELECT CASE WHEN c.plugin = 'stripe' THEN 'customers' ELSE 'contacts' END AS entity,
                                 CASE WHEN c.plugin = 'stripe' THEN 'customer' ELSE 'contact' END AS model) e`));

  const total = connections.length * RECORDS_PER_CONNECTION;
  await timed(`${total.toLocaleString('en-US')} sync records (INSERT ... SELECT generate_series)`, () => q(`
    INSERT INTO sync_records (tenant_id, connection_id, plugin, entity, model, external_id, raw, unified, hash, remote_updated_at, first_seen_at, last_synced_at, updated_at)
    SELECT c.tenant_id, c.id, c.plugin, e.entity, e.model, e.prefix || i,
           jsonb_build_object('id', e.prefix || i, 'email', 'person' || i || '@example.test', 'name', 'Person ' || i, 'created', 1700000000 + i),
           jsonb_build_object('email', 'person' || i || '@example.test', 'name', 'Person ' || i, 'company', 'Company ' || (i % 97)),
           sha256(convert_to(c.id::text || i, 'UTF8')), now() - (i || ' minutes')::interval, now() - interval '30 days', now(), now() - (i || ' seconds')::interval
      FROM connections c
      CROSS JOIN LATERAL (SELECT CASE WHEN c.plugin = 'stripe' THEN 'customers' ELSE 'contacts' END AS entity,
                                 CASE WHEN c.plugin = 'stripe' THEN 'customer' ELSE 'contact' END AS model,
                                 CASE WHEN c.plugin = 'stripe' THEN 'cus_' ELSE '' END AS prefix) e
      CROSS JOIN generate_series(1, ${RECORDS_PER_CONNECTION}) i`));

  await timed('a manual flow per tenant, 5 open conflicts each', async () => {
    await q(`INSERT INTO sync_flows (tenant_id, name, source, target, mapping, direction, conflict)
             SELECT t.id, 'Flow of ' || t.name, jsonb_build_object('connectionId', s.id, 'entity', 'customers'), jsonb_build_object('connectionId', g.id, 'entity', 'contacts'),
                    '[{"from":"email","to":"email"},{"from":"name","to":"name"}]', 'two_way', 'manual'
               FROM tenants t
               CROSS JOIN LATERAL (SELECT id FROM connections WHERE tenant_id = t.id AND plugin = 'stripe' ORDER BY name LIMIT 1) s
               CROSS JOIN LATERAL (SELECT id FROM connections WHERE tenant_id = t.id AND plugin = 'hubspot' ORDER BY name LIMIT 1) g`);
    await q(`WITH links AS (
               INSERT INTO sync_links (tenant_id, flow_id, source_external_id, target_external_id, source_hash, target_hash, source_values, target_values)
               SELECT f.tenant_id, f.id, 'cus_' || i, i::text, '\\x00', '\\x00', '{}', '{}' FROM sync_flows f CROSS JOIN generate_series(1, 5) i
               RETURNING id, tenant_id, flow_id, target_external_id)
             INSERT INTO sync_conflicts (tenant_id, flow_id, link_id, fields, source_values, target_values, created_at)
             SELECT tenant_id, flow_id, id, '{email,name}', jsonb_build_object('email', 'new' || target_external_id || '@example.test', 'name', 'New name'),
                    jsonb_build_object('email', 'old' || target_external_id || '@example.test', 'name', 'Old name'), now() - (id || ' minutes')::interval
               FROM links`);
  });

  await timed(`${AUDIT_ROWS.toLocaleString('en-US')} audit entries`, () => q(`
    WITH owners AS (SELECT array_agg(id::text ORDER BY email) AS ids, array_agg(tenant_id ORDER BY email) AS tenants FROM users)
    INSERT INTO audit_log (tenant_id, actor_type, actor_id, method, route, status, duration_ms, request_id, ip, created_at)
    SELECT o.tenants[1 + i % ${TENANTS}], 'user', o.ids[1 + i % ${TENANTS}], (ARRAY['POST','PUT','PATCH','DELETE'])[1 + i % 4],
           (ARRAY['/api/v1/connections','/api/v1/connections/:id/syncs','/api/v1/api-keys','/api/v1/users'])[1 + i % 4],
           CASE WHEN i % 17 = 0 THEN 422 ELSE 201 END, 5 + i % 40, 'req-' || i, '127.0.0.1', now() - (i || ' seconds')::interval
      FROM generate_series(1, ${AUDIT_ROWS}) i, owners o`));

  await timed('ANALYZE', () => q('ANALYZE'));
  return { tenants, connections };
}

/** Logs in through the form, as a browser does; returns the session cookie. */
async function login(base) {
  const form = await fetch(`${base}/admin/login`);
  const html = await form.text();
  const pre = /pb_admin_login=([^;]+)/.exec(form.headers.get('set-cookie'))[1];
  const csrf = /name="_csrf" value="([^"]+)"/.exec(html)[1].replace(/&#x3D;/g, '=');
  const res = await fetch(`${base}/admin/login`, {
    method: 'POST', redirect: 'manual', headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: `pb_admin_login=${pre}` },
    body: new URLSearchParams({ email: OPERATOR.email, password: OPERATOR.password, _csrf: csrf, next: '/admin' }),
  });
  if (res.status !== 303) throw new Error(`log-in answered ${res.status}`);
  return `pb_admin=${/pb_admin=([^;]+)/.exec(res.headers.get('set-cookie'))[1]}`;
}

async function fetchTimed(url, cookie) {
  const t0 = performance.now();
  const res = await fetch(url, { headers: cookie ? { cookie } : {}, redirect: 'manual' });
  const body = await res.text();
  return { ms: performance.now() - t0, status: res.status, bytes: body.length, body };
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.ceil((p / 100) * s.length) - 1)];
};

async function main() {
  console.log(`admin bench | ${machineLine()}`);
  const db = await createBenchDatabase('admin');
  const redis = createBenchRedisPrefix('admin');
  const children = [];
  try {
    const env = { NODE_ENV: 'production', PLUGBOARD_ROLE: 'api', PORT: '0', LOG_LEVEL: 'warn', DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, MIGRATE_ON_BOOT: 'true', VAULT_KEYS };
    const pb = await forkChild(SERVER, { env: { ...env, BENCH_SERVER: 'plugboard' } });
    children.push(pb.child);
    const base = pb.msg.url;
    console.log(`plugboard (pid ${pb.msg.pid}) on ${base}, database ${db.name}, REDIS_PREFIX ${redis.prefix}\n`);

    const { tenants, connections } = await seed(db);
    await promisify(execFile)(process.execPath, [path.join(ROOT, 'dist', 'cli.js'), 'operators', 'create', '--email', OPERATOR.email, '--password', OPERATOR.password], { cwd: ROOT, env: { ...process.env, ...env } });
    const cookie = await login(base);
    const sizes = (await db.query(`SELECT (SELECT count(*) FROM tenants) AS tenants, (SELECT count(*) FROM connections) AS connections, (SELECT count(*) FROM sync_records) AS records,
                                          (SELECT count(*) FROM sync_runs) AS runs, (SELECT count(*) FROM sync_conflicts) AS conflicts, (SELECT count(*) FROM audit_log) AS audit`)).rows[0];
    console.log(`\ndatabase: ${Object.entries(sizes).map(([k, v]) => `${Number(v).toLocaleString('en-US')} ${k}`).join(', ')}; operator ${OPERATOR.email} logged in\n`);

    // ids for the detail pages: a mid-list tenant and connection, one of its runs and records, second pages through real cursors
    const tenant = tenants[50];
    const conn = connections.find((c) => c.tenant_id === tenant && c.plugin === 'stripe');
    const run = (await db.query(`SELECT id FROM sync_runs WHERE connection_id = $1 ORDER BY created_at DESC LIMIT 1`, [conn.id])).rows[0].id;
    const record = (await db.query(`SELECT id FROM sync_records WHERE tenant_id = $1 AND connection_id = $2 ORDER BY id DESC LIMIT 1`, [tenant, conn.id])).rows[0].id;
    const nextOf = async (p) => {
      const m = /href="([^"]+)" rel="next"/.exec((await fetchTimed(`${base}${p}`, cookie)).body);
      if (!m) throw new Error(`no next page on ${p}`);
      return m[1].replace(/&amp;/g, '&').replace(/&#x3D;/g, '=');
    };
    const pages = [
      ['baseline: GET /health/live', '/health/live', false],
      ['log-in form (no session)', '/admin/login', false],
      ['dashboard', '/admin', true],
      ['dashboard, one tenant', `/admin?tenant=${tenant}`, true],
      ['tenants', '/admin/tenants', true],
      ['tenants, page 2', await nextOf('/admin/tenants'), true],
      ['tenants, search', '/admin/tenants?q=Tenant%2005', true],
      ['tenant detail', `/admin/tenants/${tenant}`, true],
      ['connections', '/admin/connections', true],
      ['connections, page 2', await nextOf('/admin/connections'), true],
      ['connections, degraded only', '/admin/connections?status=degraded', true],
      ['connections, search by name', '/admin/connections?q=Connection%20077', true],
      ['connection detail', `/admin/connections/${conn.id}`, true],
      ['records of a connection', `/admin/connections/${conn.id}/records?entity=customers`, true],
      ['records, page 2', await nextOf(`/admin/connections/${conn.id}/records?entity=customers`), true],
      ['records, search', `/admin/connections/${conn.id}/records?entity=customers&q=person777%40`, true],
      ['record detail', `/admin/connections/${conn.id}/records/${record}`, true],
      ['sync runs', '/admin/sync-runs', true],
      ['sync runs, page 2', await nextOf('/admin/sync-runs'), true],
      ['sync runs, failed only', '/admin/sync-runs?status=failed', true],
      ['sync runs of one tenant', `/admin/sync-runs?tenant=${tenant}`, true],
      ['sync run detail', `/admin/sync-runs/${run}`, true],
      ['sync run progress (polled fragment)', `/admin/sync-runs/${run}/progress`, true],
      ['conflicts', '/admin/conflicts', true],
      ['conflicts, page 2', await nextOf('/admin/conflicts'), true],
      ['webhook events of a tenant', `/admin/webhooks?tenant=${tenant}`, true],
      ['workflows of a tenant', `/admin/workflows?tenant=${tenant}`, true],
      ['alerts of a tenant', `/admin/alerts?tenant=${tenant}`, true],
      ['billing: plans and subscriptions', '/admin/billing', true],
      ['billing of a tenant', `/admin/billing?tenant=${tenant}`, true],
      ['plugins', '/admin/plugins', true],
      ['plugin detail', '/admin/plugins/stripe', true],
      ['audit log', '/admin/audit', true],
      ['audit log, page 2', await nextOf('/admin/audit'), true],
      ['audit log, one tenant, DELETE', `/admin/audit?tenant=${tenant}&method=DELETE`, true],
      ['audit log, 4xx only', '/admin/audit?status=4', true],
    ];
    for (const [name, p, auth] of pages) {
      const r = await fetchTimed(`${base}${p}`, auth ? cookie : null);
      if (r.status !== 200) throw new Error(`pre-flight: ${name} (${p}) answered ${r.status}: ${r.body.slice(0, 300)}`);
    }
    console.log(`pre-flight: ${pages.length} pages answer 200; warm-up ${WARMUP}, then ${REQUESTS} measured requests per page, round-robin\n`);
    for (let i = 0; i < WARMUP; i++) for (const [, p, auth] of pages) await fetchTimed(`${base}${p}`, auth ? cookie : null);
    const times = pages.map(() => []);
    const bytes = pages.map(() => 0);
    for (let i = 0; i < REQUESTS; i++) {
      for (const [k, [, p, auth]] of pages.entries()) {
        const r = await fetchTimed(`${base}${p}`, auth ? cookie : null);
        if (r.status !== 200) throw new Error(`${p} answered ${r.status} during measurement`);
        times[k].push(r.ms);
        bytes[k] = r.bytes;
      }
    }
    const baseP50 = pct(times[0], 50);
    const rows = pages.map(([name], k) => [name, pct(times[k], 50).toFixed(1), pct(times[k], 95).toFixed(1), Math.max(...times[k]).toFixed(1), `${(bytes[k] / 1024).toFixed(1)} kB`, (pct(times[k], 50) / baseP50).toFixed(1)]);
    console.log(table([['page', 'p50 ms', 'p95 ms', 'max ms', 'body', 'p50 / baseline'], ...rows]));
    const slow = pages.map(([name], k) => ({ name, p95: pct(times[k], 95) })).filter((x) => x.p95 >= TARGET_P95_MS);
    const worst = pages.slice(1).map(([name], k) => ({ name, p95: pct(times[k + 1], 95) })).sort((a, b) => b.p95 - a.p95)[0];
    console.log(`\nVERDICT: ${slow.length ? 'FAIL' : 'PASS'}: ${slow.length ? `${slow.map((s) => `${s.name} p95 ${s.p95.toFixed(0)} ms`).join(', ')} over` : `every page's p95 under`} ${TARGET_P95_MS} ms (slowest: ${worst.name}, p95 ${worst.p95.toFixed(1)} ms; baseline p50 ${baseP50.toFixed(1)} ms)`);
  } finally {
    await cleanUp({ children, db, redis });
  }
}

runBench('admin', main);
