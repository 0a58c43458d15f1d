import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { buildSpec, EntityChoiceNeeded, renderPlugin, writePlugin, type GeneratorOptions } from './plugin-generator';
import { GeneratorInputError } from './plugin-spec';

const GOLDEN = join(__dirname, 'golden');
const HELPDESK = join(__dirname, 'fixtures', 'helpdesk.openapi.yaml');
const STRIPE = join(__dirname, '..', 'src', 'plugins', 'stripe', 'spec', 'spec3.yaml');
const CORE = '^0.1.0';

/** The cases whose whole output is kept as golden files (UPDATE_GOLDEN=1 rewrites them after a deliberate change). */
const CASES: Record<string, GeneratorOptions> = {
  'acme-crm': { name: 'acme-crm', category: 'crm', auth: 'api_key', baseUrl: 'https://api.acme-crm.example/v1', entities: ['contacts', 'companies'] },
  'desk-tickets': { name: 'desk-tickets', category: 'support', auth: 'oauth2', fromOpenApi: HELPDESK, entities: ['tickets:ticket'] },
  paystub: { name: 'paystub', category: 'payments', auth: 'api_key', fromOpenApi: STRIPE, entities: ['customers', 'invoices'], displayName: 'Paystub' },
};

function goldenFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? goldenFiles(join(dir, d.name), join(prefix, d.name)) : [join(prefix, d.name)]));
}

describe('plugin generator output', () => {
  it.each(Object.keys(CASES))('%s matches its golden files', (name) => {
    const files = renderPlugin(buildSpec(CASES[name], CORE));
    const dir = join(GOLDEN, name);
    if (process.env.UPDATE_GOLDEN) {
      rmSync(dir, { recursive: true, force: true });
      for (const f of files) {
        mkdirSync(dirname(join(dir, `${f.path}.golden`)), { recursive: true });
        writeFileSync(join(dir, `${f.path}.golden`), f.content);
      }
    }
    expect(files.map((f) => `${f.path}.golden`).sort()).toEqual(goldenFiles(dir).sort());
    for (const f of files) expect({ path: f.path, content: f.content }).toEqual({ path: f.path, content: readFileSync(join(dir, `${f.path}.golden`), 'utf8') });
  });

  it('leaves no placeholder, marker or template name in what it writes', () => {
    for (const options of Object.values(CASES)) {
      for (const f of renderPlugin(buildSpec(options, CORE))) {
        expect({ path: f.path, leftover: /tmpl|Tmpl|TMPL|@(each|if|sub|when|end)\b/.exec(`${f.path}\n${f.content}`)?.[0] ?? null }).toEqual({ path: f.path, leftover: null });
      }
    }
  });

  it('derives entities, paging, ids and the create call from an OpenAPI document', () => {
    const spec = buildSpec(CASES['desk-tickets'], CORE);
    expect(spec).toMatchObject({
      baseUrl: 'https://api.helpdesk.example/v2', body: 'json', createPath: '/tickets',
      paging: { style: 'offset', records: 'items', limit: 'limit', cursor: 'offset', total: 'total' },
    });
    expect(spec.entities[0]).toMatchObject({ key: 'tickets', model: 'ticket', listPath: '/tickets', id: { name: 'id', type: 'number' }, updated: { name: 'updated_at', type: 'string' } });
    expect(spec.entities[0].mappings).toEqual([{ unified: 'subject', field: 'subject' }, { unified: 'status', field: 'status' }, { unified: 'priority', field: 'priority' }]);
    expect(spec.createFields.map((f) => [f.name, f.required])).toEqual([['subject', true], ['priority', false]]);
    const stripe = buildSpec(CASES.paystub, CORE);
    expect(stripe).toMatchObject({ baseUrl: 'https://api.stripe.com', body: 'form', paging: { style: 'after-id', records: 'data', cursor: 'starting_after', hasMore: 'has_more' } });
    expect(stripe.entities[1].mappings).toEqual(expect.arrayContaining([{ unified: 'amountPaid', field: 'amount_paid' }, { unified: 'customerExternalId', field: 'customer' }]));
  });

  it('lists what a document offers when no entity is chosen', () => {
    const err = (() => {
      try {
        buildSpec({ ...CASES['desk-tickets'], entities: undefined }, CORE);
      } catch (e) {
        return e as EntityChoiceNeeded;
      }
      throw new Error('expected a refusal');
    })();
    expect(err).toBeInstanceOf(EntityChoiceNeeded);
    expect(err.operations.map((o) => [o.entity, o.paging?.style])).toEqual([['tickets', 'offset'], ['agents', 'page'], ['events', 'link'], ['macros', 'cursor']]);
    expect(err.message).toContain('tickets                      GET /tickets, POST  (offset paging)');
  });
});

describe('plugin generator refusals', () => {
  const base: GeneratorOptions = { name: 'acme-crm', category: 'crm', auth: 'api_key', baseUrl: 'https://api.acme.example', entities: ['contacts'] };
  it.each([
    [{ name: 'Acme_CRM' }, /"Acme_CRM" is not a plugin name: use a kebab-case slug/],
    [{ name: 'tmpl-x' }, /tmpl- prefix is reserved/],
    [{ category: 'crmm' }, /unknown category "crmm" \(did you mean crm\?\); one of payments, crm, /],
    [{ auth: 'apikey' }, /unknown auth kind "apikey" \(did you mean api_key\?\); one of api_key, oauth2, basic, none/],
    [{ baseUrl: 'ftp://x.example' }, /--base-url must be http\(s\)/],
    [{ baseUrl: 'not a url' }, /--base-url "not a url" is not a URL/],
    [{ entities: [] }, /--entities is required/],
    [{ entities: ['widgets'] }, /entity widgets: no unified model by that name; write widgets:<model>/],
    [{ entities: ['widgets:gadget'] }, /unknown model for widgets "gadget"/],
    [{ entities: ['contacts', 'contacts'] }, /names an entity twice/],
    [{ paging: 'cursors' }, /unknown paging style "cursors" \(did you mean cursor\?\)/],
    [{ fromOpenApi: HELPDESK, entities: ['tikets'] }, /no list endpoint for "tikets" \(did you mean "tickets"\?\)/],
    [{ fromOpenApi: join(__dirname, 'plugin-spec.ts'), entities: ['x'] }, /not an OpenAPI or Swagger document|--from-openapi/],
  ] as [Partial<GeneratorOptions>, RegExp][])('refuses %j', (change, message) => {
    expect(() => buildSpec({ ...base, ...change }, CORE)).toThrow(GeneratorInputError);
    expect(() => buildSpec({ ...base, ...change }, CORE)).toThrow(message);
  });

  it('writes a plugin all at once, and refuses a folder that exists, writing nothing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'pb-gen-'));
    try {
      const files = renderPlugin(buildSpec(base, CORE));
      const target = writePlugin(files, dir, 'acme-crm');
      expect(readFileSync(join(target, 'syncs', 'contacts.sync.ts'), 'utf8')).toContain("model: 'contact'");
      writeFileSync(join(target, 'index.ts'), '// edited by hand');
      expect(() => writePlugin(files, dir, 'acme-crm')).toThrow(/exists already/);
      expect(readFileSync(join(target, 'index.ts'), 'utf8')).toBe('// edited by hand');
      expect(readdirSync(dir)).toEqual(['acme-crm']);
      expect(existsSync(join(dir, 'acme-crm', 'manifest.ts'))).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
