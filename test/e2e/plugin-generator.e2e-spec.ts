import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { copyProject, type ProjectCopy } from '../support/project-copy';
import { createTestDatabase, createTestRedisPrefix, type TestDatabase } from '../support/test-database';

// `npm run plugin:new` end to end, in a copy of the project (generated plugins never land in the checkout):
// the new plugins compile, their own tests pass, the contract tests accept them, and a build of the
// project discovers one at boot, lists it in the catalog and syncs it, by API and by CLI, with no other file edited.

interface JestReport {
  success: boolean;
  testResults: { name: string; assertionResults: { fullName: string; status: string; failureMessages: string[] }[] }[];
}

const GENERATED: { name: string; args: string[] }[] = [
  { name: 'acme-crm', args: ['--category', 'crm', '--auth', 'api_key', '--base-url', 'https://api.acme-crm.example/v1', '--entities', 'contacts,companies'] },
  { name: 'desk-tickets', args: ['--category', 'support', '--auth', 'oauth2', '--from-openapi', 'plugins-generator/fixtures/helpdesk.openapi.yaml', '--entities', 'tickets:ticket'] },
  { name: 'desk-agents', args: ['--category', 'support', '--auth', 'basic', '--from-openapi', 'plugins-generator/fixtures/helpdesk.openapi.yaml', '--entities', 'agents:contact'] },
  { name: 'desk-events', args: ['--category', 'support', '--auth', 'none', '--from-openapi', 'plugins-generator/fixtures/helpdesk.openapi.yaml', '--entities', 'events'] },
  { name: 'paystub', args: ['--category', 'payments', '--auth', 'api_key', '--from-openapi', 'src/plugins/stripe/spec/spec3.yaml', '--entities', 'customers,invoices'] },
];

/** builds, child processes and a nested test run: slow on a busy machine */
const SLOW = 180_000;

const failures = (r: JestReport) => r.testResults.flatMap((t) => t.assertionResults.filter((a) => a.status === 'failed').map((a) => `${a.fullName}: ${a.failureMessages.join('\n').replace(/\x1b\[[0-9;]*m/g, '')}`)).sort();

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

describe('plugin generator (npm run plugin:new) end to end', () => {
  let project: ProjectCopy;
  let pluginsBefore: string[];
  let contractBefore: JestReport;
  const pluginsDir = () => join(project.root, 'src', 'plugins');
  const jest = async (label: string, paths: string[]): Promise<JestReport> => {
    const out = join(project.root, `${label}.jest.json`);
    await project.run(process.execPath, ['node_modules/jest/bin/jest.js', '--config', 'test/jest.config.js', '--ci', '--maxWorkers=2', '--json', `--outputFile=${out}`, ...paths]);
    return JSON.parse(readFileSync(out, 'utf8')) as JestReport;
  };

  beforeAll(async () => {
    project = copyProject('generator', ['test', 'plugins-generator']);
    pluginsBefore = readdirSync(pluginsDir()).sort();
    // what the contract tests say of the project as it is, so the generated plugins are judged by what they change
    contractBefore = await jest('before', ['test/contract']);
    for (const g of GENERATED) {
      const r = await project.run('npm', ['run', '--silent', 'plugin:new', '--', g.name, ...g.args]);
      expect({ plugin: g.name, code: r.code, stderr: r.stderr }).toEqual({ plugin: g.name, code: 0, stderr: '' });
      expect(r.stdout).toContain(`wrote src/plugins/${g.name}: `);
    }
  }, 240_000);

  afterAll(() => project?.remove());

  it('adds only the new plugin folders', () => {
    expect(readdirSync(pluginsDir()).sort()).toEqual([...pluginsBefore, ...GENERATED.map((g) => g.name)].sort());
  });

  it('refuses a name that exists, a bad name and an unknown category, writing nothing', async () => {
    const refusals = [
      [['hubspot', '--category', 'crm', '--auth', 'api_key', '--base-url', 'https://x.example', '--entities', 'contacts'], 'a plugin named hubspot exists already'],
      [['Acme_Shop', '--category', 'ecommerce', '--auth', 'api_key', '--base-url', 'https://x.example', '--entities', 'orders'], 'is not a plugin name'],
      [['acme-shop', '--category', 'crmm', '--auth', 'api_key', '--base-url', 'https://x.example', '--entities', 'orders'], 'unknown category "crmm" (did you mean crm?)'],
      [['acme-shop', '--category', 'crm', '--auth', 'api_key', '--bse-url', 'https://x.example'], "Unknown option '--bse-url'"],
    ] as const;
    const results = await Promise.all(refusals.map(([args]) => project.run('npm', ['run', '--silent', 'plugin:new', '--', ...args])));
    refusals.forEach(([, message], i) => {
      expect({ code: results[i].code, stderr: results[i].stderr }).toEqual({ code: 1, stderr: expect.stringContaining(message) });
      expect(results[i].stderr).toContain('nothing was written');
    });
    expect(readdirSync(pluginsDir())).not.toContain('acme-shop');
  }, SLOW);

  it('compiles: the generated plugins typecheck with the project settings', async () => {
    writeFileSync(join(project.root, 'tsconfig.generated.json'), JSON.stringify({
      extends: './tsconfig.json', compilerOptions: { incremental: false }, include: GENERATED.map((g) => `src/plugins/${g.name}`),
    }));
    const r = await project.run(process.execPath, ['node_modules/typescript7/bin/tsc', '-p', 'tsconfig.generated.json', '--noEmit']);
    expect({ code: r.code, out: r.stdout }).toEqual({ code: 0, out: '' });
  }, SLOW);

  it("passes its own tests, which sync its simulator and assert the records; the contract tests accept it and fail on nothing new", async () => {
    const after = await jest('after', [...GENERATED.map((g) => `src/plugins/${g.name}/`), 'test/contract']);
    for (const g of GENERATED) {
      const own = after.testResults.find((t) => t.name.endsWith(`src/plugins/${g.name}/${g.name}.plugin.spec.ts`));
      expect({ plugin: g.name, statuses: [...new Set(own?.assertionResults.map((a) => a.status))] }).toEqual({ plugin: g.name, statuses: ['passed'] });
      expect(own!.assertionResults.map((a) => a.fullName)).toEqual(expect.arrayContaining([expect.stringMatching(/syncs every one of the \w+ the platform holds/), expect.stringMatching(/verifies webhook signatures/)]));
      const contract = after.testResults.flatMap((t) => t.assertionResults).filter((a) => a.fullName.startsWith(`plugin ${g.name} `));
      expect(contract.map((a) => [a.fullName, a.status])).toEqual([[`plugin ${g.name} meets the manifest contract`, 'passed'], [`plugin ${g.name} ships a simulator that starts on loopback and closes`, 'passed']]);
    }
    expect(after.testResults.some((t) => t.name.endsWith('test/contract/boundaries.spec.ts'))).toBe(true);
    expect(failures(after)).toEqual(failures(contractBefore));
  }, SLOW);

  describe('built and booted', () => {
    let db: TestDatabase;
    let redis: { prefix: string; purge(): Promise<void> };
    let server: ChildProcess;
    let sim: { url: string; credentials: Record<string, string>; records: { contacts: { email: string }[] }; close(): Promise<void> };
    let api: string;
    let env: Record<string, string>;
    let auth: { authorization: string };
    const call = async (method: string, path: string, body?: unknown) => {
      const res = await fetch(`${api}${path}`, { method, headers: { ...auth, ...(body ? { 'content-type': 'application/json' } : {}) }, body: body ? JSON.stringify(body) : undefined });
      return { status: res.status, body: (await res.json()) as any };
    };

    beforeAll(async () => {
      [db] = await Promise.all([createTestDatabase('generator'), project.build()]);
      redis = createTestRedisPrefix('generator');
      const built = join(project.root, 'dist', 'plugins', 'acme-crm', 'simulator', 'acme-crm.simulator.js');
      sim = await (require(built) as { startSimulator(o: { seed: number }): Promise<typeof sim> }).startSimulator({ seed: 150 });
      const port = await freePort();
      env = { NODE_ENV: 'test', LOG_LEVEL: 'warn', DATABASE_URL: db.url, REDIS_PREFIX: redis.prefix, PLUGIN_ACME_CRM_BASE_URL: sim.url };
      server = spawn(process.execPath, ['dist/main.js'], { cwd: project.root, env: { ...process.env, ...env, PORT: String(port), PLUGBOARD_ROLE: 'all' }, stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      server.stdout!.on('data', (d: Buffer) => (output += d.toString()));
      server.stderr!.on('data', (d: Buffer) => (output += d.toString()));
      api = `http://127.0.0.1:${port}`;
      // a loaded machine can take a while to boot; a server that exits instead says why
      while (!(await fetch(`${api}/health/ready`).then((r) => r.ok, () => false))) {
        if (server.exitCode !== null) throw new Error(`the built server exited (${server.exitCode}): ${output}`);
        await new Promise((r) => setTimeout(r, 200));
      }
      const signup = await fetch(`${api}/api/v1/auth/signup`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ tenantName: 'Gen Corp', email: 'owner@gen.example', password: 'generated plugins' }) });
      auth = { authorization: `Bearer ${((await signup.json()) as { accessToken: string }).accessToken}` };
    }, 240_000);

    afterAll(async () => {
      server?.kill();
      await new Promise((r) => (server?.exitCode !== null ? r(null) : server.once('exit', r)));
      await sim?.close();
      await db?.drop();
      await redis?.purge();
    });

    it('discovers every generated plugin at boot and lists it in GET /api/v1/plugins', async () => {
      const { status, body } = await call('GET', '/api/v1/plugins');
      expect(status).toBe(200);
      const names = (body.data as { name: string }[]).map((p) => p.name);
      expect(names).toEqual(expect.arrayContaining(['hubspot', 'stripe', ...GENERATED.map((g) => g.name)]));
      const acme = (body.data as { name: string; entities: { name: string; model: string }[]; actions: { name: string }[]; webhooks: { supported: boolean } }[]).find((p) => p.name === 'acme-crm')!;
      expect(acme.entities).toEqual([expect.objectContaining({ name: 'contacts', model: 'contact' }), expect.objectContaining({ name: 'companies', model: 'company' })]);
      expect(acme.actions.map((a) => a.name)).toEqual(['create_contact']);
      expect(acme.webhooks.supported).toBe(true);
    }, SLOW);

    it('connects to the simulator, syncs through the queue and serves the records', async () => {
      const conn = await call('POST', '/api/v1/connections', { plugin: 'acme-crm', name: 'generated', credentials: sim.credentials });
      expect(conn).toMatchObject({ status: 201, body: { status: 'healthy', check: { ok: true } } });
      const started = await call('POST', `/api/v1/connections/${conn.body.id}/syncs`, { entity: 'contacts', mode: 'full' });
      expect(started.status).toBe(202);
      let run = started.body;
      while (!['succeeded', 'failed'].includes(run.status)) {
        await new Promise((r) => setTimeout(r, 100));
        run = (await call('GET', `/api/v1/sync-runs/${run.id}`)).body;
      }
      expect(run).toMatchObject({ status: 'succeeded', counts: { added: 150, updated: 0, deleted: 0, unchanged: 0 } });
      const emails: string[] = [];
      let cursor: string | null = null;
      do {
        const page = await call('GET', `/api/v1/platforms/acme-crm/contacts?limit=100${cursor ? `&cursor=${cursor}` : ''}`);
        emails.push(...(page.body.data as { unified: { email: string } }[]).map((r) => r.unified.email));
        cursor = page.body.nextCursor;
      } while (cursor);
      expect(emails.sort()).toEqual(sim.records.contacts.map((c) => c.email).sort());
    }, SLOW);

    it('is known to the built CLI, which syncs it too', async () => {
      const [info, sync] = await Promise.all([project.cli(['plugins', 'info', 'acme-crm', '--json'], env), project.cli(['sync', 'acme-crm', '--entity', 'companies', '--json'], env)]);
      expect(JSON.parse(info.stdout)).toMatchObject({ name: 'acme-crm', category: 'crm', auth: [{ kind: 'api_key' }] });
      expect(sync.code).toBe(0);
      expect(JSON.parse(sync.stdout)).toEqual([expect.objectContaining({ plugin: 'acme-crm', entity: 'companies', status: 'succeeded', run: expect.objectContaining({ counts: { added: 150, updated: 0, deleted: 0, unchanged: 0 } }) })]);
    }, SLOW);
  });
});
