import { readdirSync, readFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, posix } from 'node:path';
// the compiler API parses imports exactly as tsc does; typescript is already a dev dependency
const ts = require('typescript') as typeof import('typescript');

const ROOT = join(__dirname, '../..');

interface SourceFile {
  /** repo-relative, with forward slashes */
  path: string;
  text: string;
}

interface Violation {
  file: string;
  line: number;
  detail: string;
}

function walk(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((d) => {
    const p = posix.join(dir, d.name);
    if (d.isDirectory()) return walk(p);
    return d.isFile() && d.name.endsWith('.ts') && !d.name.endsWith('.d.ts') ? [p] : [];
  });
}

function read(dir: string): SourceFile[] {
  return walk(dir).map((path) => ({ path, text: readFileSync(join(ROOT, path), 'utf8') }));
}

function parse(f: SourceFile) {
  return ts.createSourceFile(f.path, f.text, ts.ScriptTarget.Latest, true, ts.ScriptKind.TS);
}

function lineOf(sf: import('typescript').SourceFile, pos: number): number {
  return sf.getLineAndCharacterOfPosition(pos).line + 1;
}

/** Every module specifier a file names: import/export ... from, import(), require(). */
function importsOf(f: SourceFile): { spec: string; line: number }[] {
  const sf = parse(f);
  const out: { spec: string; line: number }[] = [];
  const visit = (n: import('typescript').Node): void => {
    if ((ts.isImportDeclaration(n) || ts.isExportDeclaration(n)) && n.moduleSpecifier && ts.isStringLiteral(n.moduleSpecifier)) {
      out.push({ spec: n.moduleSpecifier.text, line: lineOf(sf, n.getStart()) });
    } else if (ts.isImportEqualsDeclaration(n) && ts.isExternalModuleReference(n.moduleReference) && ts.isStringLiteral(n.moduleReference.expression)) {
      out.push({ spec: n.moduleReference.expression.text, line: lineOf(sf, n.getStart()) });
    } else if (ts.isCallExpression(n) && n.arguments.length && ts.isStringLiteralLike(n.arguments[0])) {
      const isImport = n.expression.kind === ts.SyntaxKind.ImportKeyword;
      const isRequire = ts.isIdentifier(n.expression) && n.expression.text === 'require';
      if (isImport || isRequire) out.push({ spec: (n.arguments[0] as import('typescript').StringLiteral).text, line: lineOf(sf, n.getStart()) });
    }
    ts.forEachChild(n, visit);
  };
  visit(sf);
  return out;
}

/** A relative specifier as a repo-relative path without a .js/.ts suffix or trailing /index; null for packages. */
function resolveRelative(from: string, spec: string): string | null {
  if (!spec.startsWith('.')) return null;
  return posix.join(posix.dirname(from), spec).replace(/\.(js|ts)$/, '').replace(/\/index$/, '');
}

const BUILTINS = new Set(builtinModules);
const isBuiltin = (spec: string) => spec.startsWith('node:') || BUILTINS.has(spec.split('/')[0]);

// ---- (a) plugins import only the SDK, their own folder, builtins and npm packages ----

function pluginImportViolations(f: SourceFile): Violation[] {
  const m = /^src\/plugins\/([^/]+)\//.exec(f.path);
  if (!m) return [];
  const own = `src/plugins/${m[1]}`;
  const isSpec = /\.spec\.ts$/.test(f.path);
  const inSimulator = f.path.slice(own.length).split('/').includes('simulator');
  const out: Violation[] = [];
  for (const { spec, line } of importsOf(f)) {
    if (isBuiltin(spec)) continue;
    const target = resolveRelative(f.path, spec);
    if (target === null) continue; // an npm package
    if (target === own || target.startsWith(`${own}/`)) continue;
    if (target === 'src/core/plugin-sdk') continue;
    if (target === 'src/core/plugin-sdk/simulator' && (inSimulator || isSpec)) continue;
    if (target === 'src/core/plugin-sdk/testing' && isSpec) continue;
    const why = target.startsWith('src/plugins/') ? "another plugin's folder" : target.startsWith('src/core/plugin-sdk/') ? 'an SDK entry point this file may not use' : 'outside the plugin SDK';
    out.push({ file: f.path, line, detail: `${spec} (${why})` });
  }
  return out;
}

// ---- (b) core code never names a platform ----

function platformNameViolations(f: SourceFile, platforms: readonly string[]): Violation[] {
  const out: Violation[] = [];
  f.text.split('\n').forEach((text, i) => {
    const named = platforms.filter((p) => text.toLowerCase().includes(p.toLowerCase()));
    if (named.length) out.push({ file: f.path, line: i + 1, detail: `names ${named.join(', ')}: ${text.trim()}` });
  });
  return out;
}

// ---- (c) one area imports another only through its index ----

function areaOf(path: string): string | null {
  const core = /^src\/core\/([^/]+)\//.exec(path);
  if (core) return `src/core/${core[1]}`;
  const top = /^src\/([^/]+)\//.exec(path);
  return top && top[1] !== 'core' && top[1] !== 'plugins' ? `src/${top[1]}` : null;
}

function deepImportViolations(f: SourceFile): Violation[] {
  const from = areaOf(f.path);
  if (!from) return [];
  const out: Violation[] = [];
  for (const { spec, line } of importsOf(f)) {
    const target = resolveRelative(f.path, spec);
    const m = target && /^(src\/core\/[^/]+)\/(.+)$/.exec(target);
    if (!m || m[1] === from) continue;
    out.push({ file: f.path, line, detail: `${spec} reaches into ${m[1]}; import '${posix.relative(posix.dirname(f.path), m[1])}' instead` });
  }
  return out;
}

// ---- (d) tenant-owned entities are reached only through TenantDb ----

/** Classes extending TenantOwnedEntity (directly or through another such class). */
function tenantOwnedEntities(files: SourceFile[]): Set<string> {
  const parents = new Map<string, string>();
  for (const f of files) {
    const visit = (n: import('typescript').Node): void => {
      if (ts.isClassDeclaration(n) && n.name) {
        const ext = n.heritageClauses?.find((h) => h.token === ts.SyntaxKind.ExtendsKeyword)?.types[0]?.expression;
        if (ext && ts.isIdentifier(ext)) parents.set(n.name.text, ext.text);
      }
      ts.forEachChild(n, visit);
    };
    visit(parse(f));
  }
  const owned = new Set<string>();
  for (const name of parents.keys()) {
    for (let p = parents.get(name); p; p = parents.get(p)) {
      if (p === 'TenantOwnedEntity') {
        owned.add(name);
        break;
      }
    }
  }
  return owned;
}

const REPO_METHODS = new Set([
  'getRepository', 'InjectRepository', 'withRepository', 'createQueryBuilder', 'create', 'merge', 'preload', 'save', 'remove', 'softRemove',
  'insert', 'update', 'upsert', 'delete', 'softDelete', 'restore', 'increment', 'decrement', 'clear', 'exists', 'existsBy',
  'count', 'countBy', 'sum', 'average', 'minimum', 'maximum',
  'find', 'findBy', 'findAndCount', 'findAndCountBy', 'findOne', 'findOneBy', 'findOneOrFail', 'findOneByOrFail',
]);

/** Direct TypeORM access to a tenant-owned entity: `x.find(User, ...)`, `getRepository(User)`, `@InjectRepository(User)`. */
function tenantRepositoryViolations(f: SourceFile, owned: ReadonlySet<string>): (Violation & { entity: string; within: string | null })[] {
  const sf = parse(f);
  const out: (Violation & { entity: string; within: string | null })[] = [];
  const visit = (n: import('typescript').Node, within: string | null): void => {
    let scope = within;
    if ((ts.isMethodDeclaration(n) || ts.isFunctionDeclaration(n)) && n.name && ts.isIdentifier(n.name)) scope = n.name.text;
    if (ts.isCallExpression(n) && n.arguments.length && ts.isIdentifier(n.arguments[0]) && owned.has(n.arguments[0].text)) {
      const callee = ts.isPropertyAccessExpression(n.expression) ? n.expression.name.text : ts.isIdentifier(n.expression) ? n.expression.text : null;
      if (callee && REPO_METHODS.has(callee)) {
        const entity = n.arguments[0].text;
        out.push({ file: f.path, line: lineOf(sf, n.getStart()), entity, within: scope, detail: `${callee}(${entity}) in ${scope ?? 'module scope'}` });
      }
    }
    ts.forEachChild(n, (c) => visit(c, scope));
  };
  visit(sf, null);
  return out;
}

/** Files that legitimately work across tenants, each with the reason; `within` narrows an entry to one method. */
const CROSS_TENANT_ALLOWED: { file: string; within?: string; reason: string }[] = [
  { file: 'src/core/tenancy/tenant-db.service.ts', reason: 'the tenant-scoped repository itself' },
  { file: 'src/core/auth/auth.service.ts', reason: 'signup creates the tenant, login and refresh find the user before any tenant is known' },
  { file: 'src/core/auth/principal-resolver.service.ts', reason: 'resolves API keys by hash and external-JWT users by email before any tenant is known' },
  { file: 'src/core/vault/vault.service.ts', within: 'rotateAll', reason: "re-encrypts every tenant's entries under the new key (operator command)" },
  { file: 'src/cli/commands/demo.command.ts', within: 'ensureTenant', reason: 'operator CLI: looks for the demo owner by email before it has a tenant' },
  { file: 'src/integrations/connections/oauth-state.store.ts', within: 'claim', reason: 'the public OAuth callback finds its tenant by the single-use state before any tenant is known' },
  { file: 'src/integrations/webhooks/webhook-connections.ts', within: 'lookUp', reason: 'the public webhook routes find the connection a delivery is for (by id, or by the routing key in the payload), and so its tenant, before any tenant is known' },
  { file: 'src/billing/billing-accounts.service.ts', within: 'tenantOfCustomer', reason: "a billing webhook names a payment-provider customer; its tenant is found by it before any tenant is known" },
  { file: 'src/billing/billing-sweeper.service.ts', within: 'dueTenants', reason: 'the billing sweep finds the tenants with work due (grace over, plan not enforced, usage unreported), then works inside each one' },
  { file: 'src/monitoring/monitor.service.ts', within: 'tenantsToVisit', reason: 'the monitoring tick and `plugboard monitor` find the tenants that have connections, then check them inside each tenant' },
  { file: 'src/monitoring/monitor.service.ts', within: 'tenantsWithOpenBacklogAlerts', reason: "the monitoring tick finds the tenants whose queue_backlog incident may clear, then evaluates it inside each tenant" },
  { file: 'src/admin/session/admin-login.service.ts', within: 'findOwner', reason: "the admin panel's log-in finds a tenant owner by email before any tenant is known, as the API's log-in does" },
];

// ---- the checks over this repository ----

describe('source boundaries', () => {
  const src = read('src');
  const platforms = readdirSync(join(ROOT, 'src/plugins'), { withFileTypes: true }).filter((d) => d.isDirectory()).map((d) => d.name);

  it('sees the source tree (the checks are not vacuous)', () => {
    expect(src.length).toBeGreaterThan(50);
    expect(platforms).toEqual(expect.arrayContaining(['hubspot', 'stripe']));
  });

  it('(a) plugins import only the plugin SDK (simulator and testing entry points where allowed), their own folder, builtins and npm packages', () => {
    const found = src.flatMap(pluginImportViolations).map((v) => `${v.file}: ${v.detail}`);
    // Known: the conformance tests read the OpenAPI helper from test/support. Remove when it moves behind the SDK's testing entry point.
    const conformance = (f: string) => /^src\/plugins\/[^/]+\/[^/]+\.conformance\.spec\.ts: \.\.\/\.\.\/\.\.\/test\/support\/openapi-conformance \(outside the plugin SDK\)$/.test(f);
    expect(found.filter((f) => !conformance(f))).toEqual([]);
    expect(found).toContain('src/plugins/stripe/stripe.conformance.spec.ts: ../../../test/support/openapi-conformance (outside the plugin SDK)');
  });

  it('(b) core, app and CLI code never names a platform', () => {
    const all = src.filter((f) => /^src\/(core|app|cli)\//.test(f.path)).flatMap((f) => platformNameViolations(f, platforms));
    // Known: Plugboard's own billing (src/billing, issue 5) runs on that vendor, and its three settings keep the vendor's names.
    const billingSetting = (v: Violation) => v.file === 'src/core/config/config.schema.ts' && /^names [a-z, ]+: STRIPE_(SECRET_KEY|WEBHOOK_SECRET|API_BASE_URL): z\./.test(v.detail);
    expect(all.filter(billingSetting)).toHaveLength(3);
    const found = all.filter((v) => !billingSetting(v));
    expect(found.map((v) => `${v.file}:${v.line}`)).toEqual([]);
  });

  it('(c) areas import each other only through their index', () => {
    const found = src.flatMap(deepImportViolations).map((v) => `${v.file}: ${v.detail}`);
    // Known: the entity list imports entity files directly so the TypeORM CLI's data source does not load every Nest module.
    const known = (f: string) => f.startsWith('src/core/database/entities.ts: ');
    expect(found.filter((v) => !known(v))).toEqual([]);
  });

  it('(d) tenant-owned entities are reached only through TenantDb, outside the allow-listed cross-tenant code', () => {
    const owned = tenantOwnedEntities(src);
    expect([...owned].sort()).toEqual(expect.arrayContaining(['ApiKey', 'RefreshToken', 'User', 'VaultEntry']));
    // tests seed rows for several tenants on purpose; the rule is about code that serves requests and jobs
    const all = src.filter((f) => !/\.(spec|int-spec|e2e-spec)\.ts$/.test(f.path)).flatMap((f) => tenantRepositoryViolations(f, owned));
    const allowed = (v: { file: string; within: string | null }) => CROSS_TENANT_ALLOWED.some((a) => a.file === v.file && (!a.within || a.within === v.within));
    expect(all.filter((v) => !allowed(v)).map((v) => `${v.file}:${v.line} ${v.detail}`)).toEqual([]);
    // every allow-list entry is still needed, so the list cannot rot into a blanket exemption
    for (const a of CROSS_TENANT_ALLOWED.filter((x) => x.file !== 'src/core/tenancy/tenant-db.service.ts')) {
      expect({ entry: a.file, used: all.some((v) => allowed(v) && v.file === a.file) }).toEqual({ entry: a.file, used: true });
      expect(a.reason.length).toBeGreaterThan(10);
    }
  });
});

// ---- each checker fails on a synthetic bad source ----

describe('the boundary checkers themselves', () => {
  it('(a) flags another plugin, a deep core import, and SDK entry points used from the wrong file', () => {
    const f = (path: string, text: string) => pluginImportViolations({ path, text }).map((v) => v.detail);
    const bad = `
      import { z } from '../../core/plugin-sdk';
      import { readFileSync } from 'node:fs';
      import qs from 'qs';
      import { helper } from './helper';
      import { hubspotClient } from '../hubspot/hubspot.client';
      import { UpstreamClientFactory } from '../../core/upstream';
      import { SimulatorServer } from '../../core/plugin-sdk/simulator';
      import { pluginTestContext } from '../../core/plugin-sdk/testing.js';
      const lazy = () => import('../../core/vault/vault.service');
      export * from '../../core/plugin-sdk/plugin.types';
    `;
    expect(f('src/plugins/acme/acme.client.ts', bad)).toEqual([
      "../hubspot/hubspot.client (another plugin's folder)",
      '../../core/upstream (outside the plugin SDK)',
      '../../core/plugin-sdk/simulator (an SDK entry point this file may not use)',
      '../../core/plugin-sdk/testing.js (an SDK entry point this file may not use)',
      '../../core/vault/vault.service (outside the plugin SDK)',
      '../../core/plugin-sdk/plugin.types (an SDK entry point this file may not use)',
    ]);
    expect(f('src/plugins/acme/simulator/acme.simulator.ts', "import { SimulatorServer } from '../../../core/plugin-sdk/simulator';")).toEqual([]);
    expect(f('src/plugins/acme/acme.plugin.spec.ts', "import { x } from '../../core/plugin-sdk/testing';\nimport { y } from '../../core/plugin-sdk/simulator/index.js';")).toEqual([]);
    expect(f('src/plugins/acme/acme.simulator-helper.ts', "import { x } from '../../core/plugin-sdk/testing';")).toHaveLength(1);
  });

  it('(b) flags a platform named in any case', () => {
    const v = platformNameViolations({ path: 'src/core/x.ts', text: "const a = 1;\nif (p.name === 'Stripe') retry();\n// HUBSPOT quirk" }, ['stripe', 'hubspot']);
    expect(v.map((x) => x.line)).toEqual([2, 3]);
    expect(platformNameViolations({ path: 'src/core/x.ts', text: 'const striped = 1;' }, ['hubspot'])).toEqual([]);
  });

  it('(c) flags a deep import into another area but not into its own or through an index', () => {
    const text = `
      import { TenantDb } from '../tenancy/tenant-db.service';
      import type { X } from '../auth/auth.guard.js';
      import { RequestContext } from '../tenancy';
      import { Y } from '../tenancy/index.js';
      import { Z } from './vault.service';
    `;
    expect(deepImportViolations({ path: 'src/core/vault/thing.ts', text }).map((v) => v.detail)).toEqual([
      "../tenancy/tenant-db.service reaches into src/core/tenancy; import '../tenancy' instead",
      "../auth/auth.guard.js reaches into src/core/auth; import '../auth' instead",
    ]);
    expect(deepImportViolations({ path: 'src/app/api.module.ts', text: "import { A } from '../core/auth/auth.guard';" })).toHaveLength(1);
  });

  it('(d) finds tenant-owned entities through inheritance and flags direct access to them', () => {
    const entities = tenantOwnedEntities([
      { path: 'a.ts', text: 'class Base extends TenantOwnedEntity {}\nclass Note extends Base {}\nclass Tenant {}\nclass Plan extends Tenant {}' },
    ]);
    expect([...entities].sort()).toEqual(['Base', 'Note']);
    const text = `
      class NotesService {
        constructor(@InjectRepository(Note) private repo: Repository<Note>, private ds: DataSource, private db: TenantDb) {}
        list() { return this.ds.manager.find(Note, {}); }
        one() { return this.ds.getRepository(Note).findOneBy({ id: 1 }); }
        tx() { return this.ds.transaction((m) => m.update(Note, { id: 1 }, {})); }
        fine() { return this.db.repo(Note).find({}); }
        plans() { return this.ds.manager.find(Plan, {}); }
      }
    `;
    expect(tenantRepositoryViolations({ path: 'src/core/notes/notes.service.ts', text }, entities).map((v) => v.detail)).toEqual([
      'InjectRepository(Note) in module scope',
      'find(Note) in list',
      'getRepository(Note) in one',
      'update(Note) in tx',
    ]);
  });
});
