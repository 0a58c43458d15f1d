import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import type { AuthKind } from '../src/core/plugin-sdk';
import { closestName } from '../src/cli/name-suggestion';
import { nameForms, singular } from './names';
import { entityFromOperation, readOpenApi, type ListOperation } from './openapi-reader';
import {
  checkAuth, checkBaseUrl, checkCategory, checkName, DEFAULT_PAGING, EPOCH, entityFromModel, fieldType, GeneratorInputError, inferModel, oneOf, PAGING_STYLES, parseEntityArg, zodFor,
  type EntitySpec, type FieldSpec, type PagingStyle, type PluginSpec,
} from './plugin-spec';
import { renderName, renderTemplate, type Scope } from './template-renderer';

export const GENERATOR_ROOT = __dirname;
const TEMPLATE = join(__dirname, 'templates', 'plugins', 'tmpl-platform');
const PAGING_VARIANTS = join(__dirname, 'templates', 'paging');
/** the template's files that hold its paging, replaced by another style's */
const PAGING_FILES = ['tmpl-platform.paging.ts', join('simulator', 'list-page.simulator.ts')];

/** What `npm run plugin:new` is asked for. */
export interface GeneratorOptions {
  name: string;
  category: string;
  auth: string;
  baseUrl?: string;
  /** `contacts` or `widgets:product` */
  entities?: string[];
  fromOpenApi?: string;
  paging?: string;
  displayName?: string;
}

export interface GeneratedFile {
  /** relative to the plugin's folder */
  path: string;
  content: string;
}

/** Where the entities would come from, when the OpenAPI document is read without --entities. */
export class EntityChoiceNeeded extends GeneratorInputError {
  constructor(readonly operations: ListOperation[]) {
    super(`choose entities with --entities; the document lists:\n${operations.map((o) => `  ${o.entity.padEnd(28)} GET ${o.path}${o.create ? ', POST' : ''}${o.paging ? `  (${o.paging.style} paging)` : ''}`).join('\n')}`);
  }
}

/** Checks the options and works out everything the templates need; a refusal says what is wrong and nothing is written. */
export function buildSpec(o: GeneratorOptions, coreVersion: string): PluginSpec {
  checkName(o.name);
  const category = checkCategory(o.category);
  const auth = checkAuth(o.auth);
  const paging = o.paging === undefined ? undefined : oneOf<PagingStyle>('paging style', o.paging, PAGING_STYLES);
  const wanted = (o.entities ?? []).map(parseEntityArg);
  if (new Set(wanted.map((e) => e.name)).size !== wanted.length) throw new GeneratorInputError('--entities names an entity twice');
  const forms = nameForms(o.name);
  const base = {
    name: o.name, displayName: o.displayName ?? forms.words.replace(/\b[a-z]/g, (c) => c.toUpperCase()), category, auth, coreVersion,
  };

  if (!o.fromOpenApi) {
    if (!o.baseUrl) throw new GeneratorInputError('--base-url is required (the platform API root, e.g. https://api.acme.example/v1)');
    if (!wanted.length) throw new GeneratorInputError('--entities is required (e.g. --entities contacts,companies), or --from-openapi <file>');
    const entities = wanted.map((w) => entityFromModel(w.name, w.model ?? inferModel(w.name)));
    const [first] = entities;
    return {
      ...base, baseUrl: checkBaseUrl(o.baseUrl), paging: DEFAULT_PAGING[paging ?? 'cursor'], body: 'json', entities,
      createPath: first.listPath, createFields: first.fields.map((f) => ({ ...f, nullable: false })),
    };
  }

  const doc = readOpenApi(o.fromOpenApi);
  if (!doc.operations.length) throw new GeneratorInputError(`--from-openapi ${o.fromOpenApi}: no list endpoints found (GET on a path without parameters that answers an array of records)`);
  if (!wanted.length) throw new EntityChoiceNeeded(doc.operations);
  const server = o.baseUrl ?? doc.baseUrl;
  if (!server) throw new GeneratorInputError('--base-url is required: the document names no server URL');
  const baseUrl = checkBaseUrl(server);
  const chosen = wanted.map((w) => {
    const matches = doc.operations.filter((op) => op.entity === w.name);
    if (!matches.length) {
      const guess = closestName(w.name, doc.operations.map((op) => op.entity));
      throw new GeneratorInputError(`the document has no list endpoint for "${w.name}"${guess ? ` (did you mean "${guess}"?)` : ''}; run without --entities to see them`);
    }
    // the shortest path is the entity's own collection, not a nested or versioned variant
    const op = matches.sort((a, b) => a.path.length - b.path.length)[0];
    return { op, ...entityFromOperation(op, w.name, w.model ?? inferModel(w.name)) };
  });
  const detected = chosen[0].op.paging;
  if (!detected && !paging) throw new GeneratorInputError(`GET ${chosen[0].op.path}: the document shows no paging the generator knows; pass --paging ${PAGING_STYLES.join('|')}`);
  const withCreate = chosen.find((c) => c.op.create) ?? chosen[0];
  // the entity the action creates goes first: it is the one index.ts and the tests name outside the entity lists
  const entities = [withCreate, ...chosen.filter((c) => c !== withCreate)].map((c) => c.entity);
  return {
    ...base, baseUrl,
    paging: detected && (!paging || detected.style === paging) ? detected : DEFAULT_PAGING[paging!],
    body: withCreate.op.create?.body ?? 'json',
    entities,
    createPath: withCreate.op.create?.path ?? withCreate.entity.listPath,
    createFields: withCreate.op.create ? withCreate.createFields : withCreate.entity.fields.map((f) => ({ ...f, nullable: false })),
  };
}

/** The plugin's files, rendered from the template; nothing is written. */
export function renderPlugin(spec: PluginSpec): GeneratedFile[] {
  const scope = pluginScope(spec);
  const files: GeneratedFile[] = [];
  for (const path of templateFiles(TEMPLATE)) {
    const source = spec.paging.style !== 'cursor' && PAGING_FILES.includes(path) ? join(PAGING_VARIANTS, spec.paging.style, path) : join(TEMPLATE, path);
    const text = readFileSync(source, 'utf8');
    // a file named after the entity (syncs/tmpl-items.sync.ts) is written once per entity
    const scopes = path.includes('tmpl-items') ? scope.lists!.entity : [scope];
    for (const s of scopes) files.push({ path: renderName(path, s), content: tidy(renderTemplate(text, s)) });
  }
  return files.sort((a, b) => a.path.localeCompare(b.path));
}

/** Writes the files into `<pluginsDir>/<name>` all at once: they are written beside it first, then moved in. */
export function writePlugin(files: GeneratedFile[], pluginsDir: string, name: string): string {
  const target = join(pluginsDir, name);
  if (existsSync(target)) throw new GeneratorInputError(`${relative(process.cwd(), target) || target} exists already: choose another name, or remove it first`);
  // a dot folder: the plugin loader skips it while it is being written
  const staging = join(pluginsDir, `.${name}-${randomBytes(4).toString('hex')}`);
  try {
    for (const f of files) {
      mkdirSync(dirname(join(staging, f.path)), { recursive: true });
      writeFileSync(join(staging, f.path), f.content);
    }
    renameSync(staging, target);
  } finally {
    rmSync(staging, { recursive: true, force: true });
  }
  return target;
}

function templateFiles(dir: string, prefix = ''): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((d) => (d.isDirectory() ? templateFiles(join(dir, d.name), join(prefix, d.name)) : [join(prefix, d.name)])).sort();
}

/** Lines a left-out block leaves behind: no runs of blank lines, none before a closing bracket or at the end. */
function tidy(text: string): string {
  return `${text.replace(/\n{3,}/g, '\n\n').replace(/\n\n(\s*[}\]])/g, '\n$1').trimEnd()}\n`;
}

const SECRET_FIELD: Record<AuthKind, string> = { api_key: 'apiKey', oauth2: 'accessToken', basic: 'password', none: 'webhookSecret' };

function pluginScope(spec: PluginSpec): Scope {
  const forms = nameForms(spec.name);
  const p = spec.paging;
  const scope: Scope = {
    names: {
      'https://api.tmpl-platform.example': spec.baseUrl,
      'Tmpl Platform': spec.displayName,
      'Tmpl-Platform': forms.header,
      'tmpl-platform': forms.kebab,
      tmpl_platform: forms.snake,
      TmplPlatform: forms.pascal,
      tmplPlatform: forms.camel,
      TMPL_PLATFORM: forms.constant,
      'sync tmpl items': `sync ${phrase(spec.entities.map((e) => nameForms(e.key).words))}`,
      tmpl_records: p.records,
      tmpl_limit: p.limit,
      tmpl_cursor: p.cursor,
      tmpl_next: p.next,
      tmpl_has_more: p.hasMore,
      tmpl_total: p.total,
      tmpl_id: spec.entities[0].id.name,
    },
    properties: new Set(['tmpl_records', 'tmpl_limit', 'tmpl_cursor', 'tmpl_next', 'tmpl_has_more', 'tmpl_total', 'tmpl_id', 'tmpl_field', 'tmpl_updated']),
    values: {
      category: spec.category,
      coreVersion: spec.coreVersion,
      createPath: `'${spec.createPath}'`,
      secretField: SECRET_FIELD[spec.auth],
    },
    conditions: {
      auth: spec.auth, body: spec.body, paging: p.style,
      required: spec.createFields.some((f) => f.required),
      anyUpdated: spec.entities.some((e) => e.updated !== null),
    },
    lists: {},
  };
  scope.lists!.entity = spec.entities.map((e) => entityScope(e, scope));
  // outside an entity list, entity names mean the first entity: the one the action creates
  const primary = scope.lists!.entity[0];
  Object.assign(scope.names, primary.names);
  Object.assign(scope.values!, primary.values);
  Object.assign(scope.conditions!, primary.conditions);
  Object.assign(scope.lists!, { field: primary.lists!.field, mapping: primary.lists!.mapping });
  scope.lists!.createField = spec.createFields.map((f) => fieldScope(f, scope));
  scope.lists!.requiredField = spec.createFields.filter((f) => f.required).map((f) => fieldScope(f, scope));
  return scope;
}

function entityScope(e: EntitySpec, parent: Scope): Scope {
  const many = nameForms(e.key);
  const one = nameForms(singular(e.key));
  const scope: Scope = {
    parent,
    names: {
      tmpl_items: many.snake, 'tmpl-items': many.kebab, tmplItems: many.camel, TmplItems: many.pascal, TMPL_ITEMS: many.constant, 'tmpl items': many.words,
      'Tmpl items': many.words.charAt(0).toUpperCase() + many.words.slice(1),
      tmpl_item: one.snake, 'tmpl-item': one.kebab, tmplItem: one.camel, TmplItem: one.pascal, TMPL_ITEM: one.constant, 'tmpl item': one.words,
      ...(e.updated ? { tmpl_updated: e.updated.name } : {}),
    },
    values: {
      model: e.model,
      listPath: `'${e.listPath}'`,
      idType: e.id.type,
      idZod: `z.${e.id.type}()`,
      idSample: e.id.type === 'number' ? 'i + 1' : `\`${one.snake}_\${i + 1}\``,
      updatedType: e.updated?.type ?? 'string',
      updatedZod: `z.${e.updated?.type ?? 'string'}()`,
      updatedSample: e.updated?.type === 'number' ? `${EPOCH} + i * 60` : `new Date((${EPOCH} + i * 60) * 1000).toISOString()`,
    },
    conditions: { updated: e.updated !== null },
    lists: {},
  };
  scope.lists!.field = e.fields.map((f) => fieldScope(f, scope));
  scope.lists!.mapping = e.mappings.map((m) => ({ parent: scope, names: { tmpl_field: m.field }, values: { unified: m.unified } }));
  return scope;
}

function fieldScope(f: FieldSpec, parent: Scope): Scope {
  return {
    parent,
    names: { tmpl_field: f.name },
    values: { type: fieldType(f), sample: f.sample, zod: zodFor(f), outputZod: `z.${f.type}()${f.nullable ? '.nullable()' : ''}` },
  };
}

function phrase(items: string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items.at(-1)}`;
}

