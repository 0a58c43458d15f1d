import { readFileSync } from 'node:fs';
import { load as loadYaml } from 'js-yaml';
import type { UnifiedModel } from '../src/core/plugin-sdk';
import { nameForms } from './names';
import { DEFAULT_PAGING, GeneratorInputError, mapFields, sampleFor, type EntitySpec, type FieldSpec, type PagingNames, type PagingStyle } from './plugin-spec';
import type { Primitive } from './unified-fields';

/** The parts of an OpenAPI 3 or Swagger 2 schema the generator reads. */
interface Schema {
  $ref?: string;
  type?: string | string[];
  format?: string;
  nullable?: boolean;
  enum?: unknown[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  allOf?: Schema[];
  anyOf?: Schema[];
  oneOf?: Schema[];
}

interface Parameter {
  $ref?: string;
  name: string;
  in: string;
  schema?: Schema;
  /** Swagger 2 */
  type?: string;
  required?: boolean;
}

type Resolve = <T extends { $ref?: string }>(s: T) => T;

interface Response {
  $ref?: string;
  content?: Record<string, { schema?: Schema }>;
  /** Swagger 2 */
  schema?: Schema;
  headers?: Record<string, unknown>;
}

interface Operation {
  parameters?: Parameter[];
  requestBody?: { $ref?: string; content?: Record<string, { schema?: Schema }> };
  responses?: Record<string, Response>;
}

type OpenApiDocument = {
  openapi?: string;
  swagger?: string;
  servers?: { url: string }[];
  host?: string;
  basePath?: string;
  schemes?: string[];
  paths?: Record<string, Record<string, Operation> & { parameters?: Parameter[] }>;
} & Record<string, unknown>;

/** A list endpoint the document describes, with what the generator derives from it. */
export interface ListOperation {
  entity: string;
  path: string;
  /** null when the document shows no paging the generator knows */
  paging: PagingNames | null;
  /** the records' fields of primitive type (objects and arrays are left to the developer) */
  fields: FieldSpec[];
  /** a POST on the same path, where the document has one */
  create: { path: string; body: 'json' | 'form'; fields: FieldSpec[] } | null;
}

export interface OpenApiReading {
  /** the document's first server, where it names one */
  baseUrl: string | null;
  operations: ListOperation[];
}

const RECORDS_KEYS = ['data', 'results', 'items', 'records', 'elements', 'values'];
const LIMIT_PARAMS = ['limit', 'per_page', 'perpage', 'page_size', 'pagesize', 'count', 'max_results', 'maxresults', 'size', 'top'];
const CURSOR_PARAMS = ['cursor', 'after', 'page_token', 'pagetoken', 'next_token', 'nexttoken', 'continuation', 'start_cursor', 'starting_after', 'pageafter'];
const NEXT_FIELDS = ['next_cursor', 'nextcursor', 'next_page_token', 'nextpagetoken', 'next_token', 'nexttoken', 'cursor', 'next', 'continuation'];
const OFFSET_PARAMS = ['offset', 'skip', 'start'];
const PAGE_PARAMS = ['page', 'page_number', 'pagenumber'];
const TOTAL_FIELDS = { offset: ['total', 'total_count', 'totalcount', 'count', 'total_items'], page: ['total_pages', 'totalpages', 'pages', 'page_count', 'pagecount', 'last_page'] };
const ID_FIELDS = ['id', 'sid', 'uuid', 'key'];
const UPDATED_FIELD = /^(updated|modified|last_?modified|last_?updated|updated_?at|modified_?at|date_?updated|date_?modified|updated_?time|modified_?time|last_?modified_?date|hs_lastmodifieddate)$/i;

const lower = (s: string) => s.toLowerCase();

/** Reads an OpenAPI 3 or Swagger 2 document (YAML or JSON) and lists its list endpoints. */
export function readOpenApi(file: string): OpenApiReading {
  let doc: OpenApiDocument;
  try {
    doc = loadYaml(readFileSync(file, 'utf8')) as OpenApiDocument;
  } catch (e) {
    throw new GeneratorInputError(`--from-openapi ${file}: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || (!doc.openapi && !doc.swagger) || !doc.paths) throw new GeneratorInputError(`--from-openapi ${file}: not an OpenAPI or Swagger document (no openapi/swagger version or no paths)`);
  const resolve = resolver(doc);
  const operations: ListOperation[] = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    const get = item.get;
    // a path with parameters needs values the generator cannot know (an account id, a parent record)
    if (!get || path.includes('{')) continue;
    const answer = successSchema(get, resolve);
    if (!answer) continue;
    const listed = listShape(answer, entityName(path), resolve);
    if (!listed) continue;
    const params = [...(item.parameters ?? []), ...(get.parameters ?? [])].map((p) => resolve(p)).filter((p) => p.in === 'query').map((p) => p.name);
    const create = createOf(path, item.post, resolve);
    operations.push({
      entity: entityName(path),
      path,
      paging: detectPaging(params, listed.recordsKey, answer, resolve, get),
      fields: primitiveFields(listed.item, resolve),
      create: create && { path, body: create.body, fields: primitiveFields(create.schema, resolve) },
    });
  }
  return { baseUrl: serverUrl(doc), operations: distinctNames(operations) };
}

/** Where two paths end alike (`/charges/search`, `/customers/search`), each is named with its parent too. */
function distinctNames(ops: ListOperation[]): ListOperation[] {
  const count = (name: string) => ops.filter((o) => o.entity === name).length;
  return ops.map((o) => {
    if (count(o.entity) < 2) return o;
    const parent = o.path.split('/').filter((p) => p && !/^v\d+$/i.test(p)).at(-2);
    return parent ? { ...o, entity: `${nameForms(parent).snake}_${o.entity}` } : o;
  });
}

/** The entity a list path is about: its last segment, without an extension or a method suffix (`conversations.list`). */
export function entityName(path: string): string {
  const last = path.split('/').filter(Boolean).at(-1) ?? 'records';
  return nameForms(last.replace(/\.(json|xml)$/i, '').replace(/\.list$/i, '')).snake;
}

/** Turns a chosen list endpoint into the entity the templates are rendered with. */
export function entityFromOperation(op: ListOperation, key: string, model: UnifiedModel): { entity: EntitySpec; createFields: FieldSpec[] } {
  const props = op.fields;
  const idName = ID_FIELDS.find((n) => props.some((p) => p.name === n)) ?? props.find((p) => /(^|_)id$/i.test(p.name))?.name;
  if (!idName) throw new GeneratorInputError(`${op.path}: its records have no id field (id, sid, uuid, key, *_id) the sync could key them by`);
  const id = props.find((p) => p.name === idName)!;
  const updated = props.find((p) => UPDATED_FIELD.test(p.name) && p.type !== 'boolean') ?? null;
  const fields = props.filter((p) => p !== id && p !== updated).map((p) => ({ ...p, required: false }));
  const createFields = op.create ? op.create.fields.filter((f) => f.name !== idName) : [];
  return {
    entity: {
      key, model, listPath: op.path,
      id: { name: id.name, type: id.type === 'number' ? 'number' : 'string' },
      updated: updated ? { name: updated.name, type: updated.type === 'number' ? 'number' : 'string' } : null,
      fields, mappings: mapFields(model, fields),
    },
    createFields,
  };
}

function primitiveFields(schema: Schema, resolve: Resolve): FieldSpec[] {
  const s = flatten(schema, resolve);
  const required = new Set(s.required ?? []);
  const out: FieldSpec[] = [];
  for (const [name, raw] of Object.entries(s.properties ?? {})) {
    const p = primitive(raw, resolve);
    if (!p) continue;
    out.push({ name, type: p.type, nullable: p.nullable || !required.has(name), required: required.has(name), sample: sampleFor(name, p.type, p.format, p.choices) });
  }
  return out;
}

/** A property's primitive type, if it has one: the first primitive of an anyOf (an id or an expanded object), nullable if null is allowed. */
function primitive(raw: Schema, resolve: Resolve, depth = 0): { type: Primitive; nullable: boolean; format?: string; choices?: (string | number)[] } | null {
  const s = resolve(raw);
  const alternatives = s.anyOf ?? s.oneOf;
  if (alternatives && depth < 3) {
    // `null`, or the empty string some APIs take to unset a field, make the field nullable; they are not its type
    const unset = (a: Schema) => resolve(a).type === 'null' || (resolve(a).enum?.length === 1 && resolve(a).enum![0] === '');
    const nullable = alternatives.some(unset);
    for (const a of alternatives.filter((x) => !unset(x))) {
      const p = primitive(a, resolve, depth + 1);
      if (p) return { ...p, nullable: p.nullable || nullable || s.nullable === true };
    }
    return null;
  }
  const types = Array.isArray(s.type) ? s.type : [s.type];
  const nullable = s.nullable === true || types.includes('null');
  const t = types.find((x) => x && x !== 'null');
  const type: Primitive | null = t === 'string' ? 'string' : t === 'integer' || t === 'number' ? 'number' : t === 'boolean' ? 'boolean' : null;
  if (!type) return null;
  const choices = s.enum?.filter((v): v is string | number => (typeof v === 'string' && v !== '') || typeof v === 'number');
  return { type, nullable, format: s.format, choices: choices?.length ? choices : undefined };
}

function flatten(schema: Schema, resolve: Resolve): Schema {
  const s = resolve(schema);
  if (!s.allOf) return s;
  const parts = s.allOf.map((p) => flatten(p, resolve));
  return { ...s, properties: Object.assign({}, ...parts.map((p) => p.properties ?? {}), s.properties ?? {}), required: parts.flatMap((p) => p.required ?? []).concat(s.required ?? []) };
}

/** The records of a list answer: an array of objects, or an object with one (data, results, the entity's name). */
function listShape(answer: Schema, entity: string, resolve: Resolve): { recordsKey: string | null; item: Schema } | null {
  const s = flatten(answer, resolve);
  const isObjects = (a: Schema | undefined) => !!a && resolve(a).type === 'array' && !!resolve(a).items && !!flatten(resolve(a).items!, resolve).properties;
  if (isObjects(s)) return { recordsKey: null, item: flatten(resolve(s.items!), resolve) };
  // the records are under a name lists use, or under the entity's own name; other arrays are parts of one object
  const found = Object.entries(s.properties ?? {}).find(([k, p]) => isObjects(p) && (RECORDS_KEYS.includes(lower(k)) || nameForms(k).snake === entity));
  return found ? { recordsKey: found[0], item: flatten(resolve(resolve(found[1]).items!), resolve) } : null;
}

function detectPaging(params: string[], recordsKey: string | null, answer: Schema, resolve: Resolve, get: Operation): PagingNames | null {
  const props = Object.entries(flatten(answer, resolve).properties ?? {});
  const find = (names: readonly string[], among: readonly string[]) => among.find((p) => names.includes(lower(p)));
  const field = (names: readonly string[], type?: string) => props.find(([k, v]) => names.includes(lower(k)) && (!type || resolve(v).type === type || (type === 'number' && resolve(v).type === 'integer')))?.[0];
  const limit = find(LIMIT_PARAMS, params) ?? 'limit';
  const linkHeader = Object.values(get.responses ?? {}).some((r) => Object.keys(r.headers ?? {}).some((h) => lower(h) === 'link'));
  const make = (style: PagingStyle, names: Partial<PagingNames>): PagingNames => ({ ...DEFAULT_PAGING[style], records: recordsKey ?? DEFAULT_PAGING[style].records, limit, ...names });

  const cursor = find(CURSOR_PARAMS, params);
  const hasMore = field(['has_more', 'hasmore', 'more'], 'boolean');
  if (cursor && hasMore && recordsKey) return make('after-id', { cursor, hasMore });
  const next = field(NEXT_FIELDS);
  if (cursor && next && recordsKey) return make('cursor', { cursor, next });
  const offset = find(OFFSET_PARAMS, params);
  if (offset && recordsKey) return make('offset', { cursor: offset, total: field(TOTAL_FIELDS.offset, 'number') ?? 'total' });
  const page = find(PAGE_PARAMS, params);
  if (page && (recordsKey === null || linkHeader)) return make('link', { cursor: page });
  if (page && recordsKey) return make('page', { cursor: page, total: field(TOTAL_FIELDS.page, 'number') ?? 'total_pages' });
  if (recordsKey === null && linkHeader) return make('link', {});
  return null;
}

function createOf(path: string, post: Operation | undefined, resolve: Resolve): { body: 'json' | 'form'; schema: Schema } | null {
  if (!post) return null;
  const body = post.requestBody ? resolve(post.requestBody) : undefined;
  for (const [type, kind] of [['application/json', 'json'], ['application/x-www-form-urlencoded', 'form']] as const) {
    const schema = body?.content?.[type]?.schema;
    if (schema) return { body: kind, schema };
  }
  // Swagger 2: a `body` parameter (JSON) or formData parameters
  const params = (post.parameters ?? []).map((p) => resolve(p));
  const inBody = params.find((p) => p.in === 'body' && p.schema);
  if (inBody) return { body: 'json', schema: inBody.schema! };
  const form = params.filter((p) => p.in === 'formData');
  if (!form.length) return null;
  return { body: 'form', schema: { type: 'object', properties: Object.fromEntries(form.map((p) => [p.name, { type: p.type }])), required: form.filter((p) => p.required).map((p) => p.name) } };
}

function successSchema(op: Operation, resolve: Resolve): Schema | null {
  const responses = op.responses ?? {};
  const key = ['200', '201', '2XX', 'default'].find((k) => responses[k]);
  if (!key) return null;
  const r = resolve(responses[key]);
  const json = Object.entries(r.content ?? {}).find(([t]) => t.includes('json'))?.[1]?.schema;
  return json ?? r.schema ?? null;
}

function serverUrl(doc: OpenApiDocument): string | null {
  const url = doc.servers?.[0]?.url;
  if (url && /^https?:\/\//.test(url)) return url.replace(/\/+$/, '');
  if (doc.host) return `${doc.schemes?.includes('https') || !doc.schemes ? 'https' : doc.schemes[0]}://${doc.host}${(doc.basePath ?? '').replace(/\/+$/, '')}`;
  return null;
}

/** Follows local `$ref`s (`#/components/schemas/X`, `#/definitions/X`), once per step; a missing one is an error naming it. */
function resolver(doc: OpenApiDocument): Resolve {
  return function resolve<T extends { $ref?: string }>(s: T): T {
    let current: T = s;
    for (let hops = 0; current?.$ref && hops < 20; hops++) {
      const ref = current.$ref;
      if (!ref.startsWith('#/')) throw new GeneratorInputError(`$ref ${ref}: only references inside the document are followed`);
      const target = ref.slice(2).split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~')).reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], doc);
      if (!target) throw new GeneratorInputError(`$ref ${ref} points at nothing in the document`);
      current = target as T;
    }
    return current;
  };
}
