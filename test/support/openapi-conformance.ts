import { readFileSync } from 'node:fs';
import { resolve as resolvePath } from 'node:path';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { load as loadYaml } from 'js-yaml';
import { parse as parseQuery } from 'qs';

/**
 * Checks recorded HTTP exchanges against a platform's published OpenAPI 3.0 document, so a
 * simulator (and the plugin talking to it) can be held to the real API's contract.
 * Platform-neutral: every plugin's conformance test can use it.
 */

/** One request and, optionally, its answer; a simulator's recorded call has this shape. */
export interface HttpExchange {
  method: string;
  /** the concrete path, without query string */
  path: string;
  /** parsed (nested, qs-style) or raw query string */
  query?: Record<string, unknown> | string;
  headers?: Record<string, string | undefined>;
  /** parsed request body, or its raw text */
  body?: unknown;
  status?: number;
  /** parsed response body */
  response?: unknown;
}

type Json = Record<string, any>;

interface Operation {
  method: string;
  template: string;
  op: Json;
  params: Json[];
  pathParams: Record<string, string>;
}

interface PathTemplate {
  method: string;
  template: string;
  regex: RegExp;
  names: string[];
  /** characters outside `{params}`: the more, the more specific */
  literal: number;
}

const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const DOC_ID = 'openapi:document';
const LOCATIONS = ['path', 'query', 'header'] as const;

/** Parsing a multi-megabyte document and compiling schemas is the slow part: keep one per file. */
const loaded = new Map<string, OpenApiConformance>();

/**
 * Loads an OpenAPI 3.0 or Swagger 2.0 document (YAML or JSON), once per file per module instance.
 * Swagger 2.0 is converted to its OpenAPI 3.0 equivalent in memory. `patch` edits the parsed copy
 * (a known quirk of a vendor's document), so the file itself stays byte for byte as published.
 */
export function loadOpenApi(file: string, patch?: (doc: Json) => void): OpenApiConformance {
  const abs = resolvePath(file);
  let spec = loaded.get(abs);
  if (!spec) {
    const text = readFileSync(abs, 'utf8');
    const parsed = (abs.endsWith('.json') ? JSON.parse(text) : loadYaml(text)) as Json;
    const doc = String(parsed.swagger ?? '').startsWith('2.') ? swaggerToOpenApi(parsed) : parsed;
    patch?.(doc);
    spec = new OpenApiConformance(doc);
    loaded.set(abs, spec);
  }
  return spec;
}

/**
 * Swagger 2.0 -> OpenAPI 3.0, for what conformance checks read: servers from host and basePath,
 * definitions as component schemas, body and formData parameters as a request body for each type
 * the operation consumes, typed parameters with their schema, response schemas under each type it
 * produces, and security definitions as security schemes.
 */
export function swaggerToOpenApi(doc: Json): Json {
  const refs = (node: any): any => {
    if (Array.isArray(node)) return node.map(refs);
    if (node === null || typeof node !== 'object') return node;
    const out: Json = {};
    for (const [k, v] of Object.entries(node)) {
      if (k === '$ref' && typeof v === 'string') out[k] = v.replace(/^#\/definitions\//, '#/components/schemas/').replace(/^#\/parameters\//, '#/components/parameters/');
      else if (k === 'x-nullable') out.nullable = v;
      else out[k] = refs(v);
    }
    return out;
  };
  const consumes: string[] = doc.consumes ?? ['application/json'];
  const produces: string[] = doc.produces ?? ['application/json'];
  const typed = (p: Json): Json => {
    const { name, in: where, required, description, type, format, items, enum: values, default: dflt, minimum, maximum, pattern } = p;
    const schema = Object.fromEntries(Object.entries({ type, format, items, enum: values, default: dflt, minimum, maximum, pattern }).filter(([, v]) => v !== undefined));
    return { name, in: where, required, description, schema };
  };
  const paths: Json = {};
  for (const [template, item] of Object.entries<Json>(doc.paths ?? {})) {
    paths[template] = {};
    for (const [method, op] of Object.entries<Json>(item)) {
      if (method === 'parameters') {
        paths[template].parameters = op.map((p: Json) => (p.$ref ? p : typed(p)));
        continue;
      }
      const params: Json[] = op.parameters ?? [];
      const body = params.find((p) => p.in === 'body');
      const form = params.filter((p) => p.in === 'formData');
      const types: string[] = op.consumes ?? consumes;
      const out: Json = { ...op, parameters: params.filter((p) => p.in !== 'body' && p.in !== 'formData').map((p) => (p.$ref ? p : typed(p))) };
      delete out.consumes;
      delete out.produces;
      if (body) out.requestBody = { required: !!body.required, content: Object.fromEntries(types.map((t) => [t, { schema: body.schema }])) };
      else if (form.length) {
        const schema = { type: 'object', properties: Object.fromEntries(form.map((p) => [p.name, typed(p).schema])), required: form.filter((p) => p.required).map((p) => p.name) };
        out.requestBody = { required: form.some((p) => p.required), content: Object.fromEntries(types.map((t) => [t, { schema }])) };
      }
      out.responses = Object.fromEntries(Object.entries<Json>(op.responses ?? {}).map(([status, r]) => [status, r.$ref ? r : {
        description: r.description ?? '',
        ...(r.schema ? { content: Object.fromEntries((op.produces ?? produces).map((t: string) => [t, { schema: r.schema }])) } : {}),
      }]));
      paths[template][method] = out;
    }
  }
  const securitySchemes = Object.fromEntries(Object.entries<Json>(doc.securityDefinitions ?? {}).map(([name, d]) => [name,
    d.type === 'basic' ? { type: 'http', scheme: 'basic' } : d.type === 'apiKey' ? { type: 'apiKey', in: d.in, name: d.name } : { type: 'oauth2', flows: {} },
  ]));
  return refs({
    openapi: '3.0.0', info: doc.info,
    servers: [{ url: `${doc.schemes?.[0] ?? 'https'}://${doc.host ?? 'localhost'}${doc.basePath ?? ''}` }],
    paths,
    components: {
      schemas: doc.definitions ?? {},
      parameters: Object.fromEntries(Object.entries<Json>(doc.parameters ?? {}).map(([k, p]) => [k, typed(p)])),
      securitySchemes,
    },
    ...(doc.security ? { security: doc.security } : {}),
  });
}

export class OpenApiConformance {
  /** bodies and responses are typed JSON: no coercion */
  private readonly strict: Ajv;
  /** path, query, header and form values arrive as strings: coerce them to the declared types */
  private readonly coercing: Ajv;
  private readonly templates: PathTemplate[] = [];
  private readonly basePaths: string[];
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor(private readonly doc: Json) {
    if (!String(doc.openapi ?? '').startsWith('3.0')) throw new Error(`not an OpenAPI 3.0 document (openapi: ${doc.openapi})`);
    const components = { components: { schemas: toJsonSchema(doc.components?.schemas ?? {}, true) } };
    this.strict = this.makeAjv(false, components);
    this.coercing = this.makeAjv('array', components);
    for (const [template, item] of Object.entries<Json>(doc.paths ?? {})) {
      const names: string[] = [];
      const source = template.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{([^}]+)\}/g, (_, n: string) => {
        names.push(n);
        return '([^/]+)';
      });
      const literal = template.replace(/\{[^}]+\}/g, '').length;
      for (const method of HTTP_METHODS) {
        if (item[method]) this.templates.push({ method, template, regex: new RegExp(`^${source}/?$`), names, literal });
      }
    }
    this.basePaths = (doc.servers ?? [])
      .map((s: Json) => new URL(String(s.url), 'http://placeholder').pathname.replace(/\/+$/, ''))
      .filter((p: string) => p !== '');
  }

  /** The operation for a method and concrete path; the most literal template wins (`/items/search` over `/items/{id}`). */
  findOperation(method: string, path: string): Operation | null {
    const m = method.toLowerCase();
    const candidates = [path, ...this.basePaths.filter((b) => path.startsWith(`${b}/`)).map((b) => path.slice(b.length))];
    let best: { t: PathTemplate; match: RegExpExecArray } | null = null;
    for (const p of candidates) {
      for (const t of this.templates) {
        if (t.method !== m) continue;
        const match = t.regex.exec(p);
        if (match && (!best || t.literal > best.t.literal)) best = { t, match };
      }
    }
    if (!best) return null;
    const item = this.doc.paths[best.t.template];
    const op = item[m];
    // operation-level parameters override path-level ones with the same name and location
    const params = new Map<string, Json>();
    for (const p of [...(item.parameters ?? []), ...(op.parameters ?? [])].map((x: Json) => this.deref(x))) params.set(`${p.in}:${p.name}`, p);
    const pathParams = Object.fromEntries(best.t.names.map((n, i) => [n, safeDecode(best.match[i + 1])]));
    return { method: m, template: best.t.template, op, params: [...params.values()], pathParams };
  }

  /** Violations of the request: unknown path, parameters, authentication, body. */
  validateRequest(x: HttpExchange): string[] {
    const where = `${x.method.toUpperCase()} ${x.path}`;
    const found = this.findOperation(x.method, x.path);
    if (!found) return [`${where}: no operation in the spec for this method and path`];
    const headers = lowerKeys(x.headers ?? {});
    const values: Record<(typeof LOCATIONS)[number], Json> = {
      path: found.pathParams,
      query: typeof x.query === 'string' ? parseQuery(x.query, { depth: 10, arrayLimit: 1000 }) : structuredClone(x.query ?? {}),
      header: headers,
    };
    const out: string[] = [];
    for (const loc of LOCATIONS) {
      const validate = this.compile(`${found.method} ${found.template} ${loc}`, this.coercing, () => paramsSchema(found.params, loc));
      if (!validate(values[loc])) out.push(...describe(validate.errors, `${where} ${loc} parameters`));
    }
    out.push(...this.checkSecurity(found, headers, values.query).map((m) => `${where}: ${m}`));
    out.push(...this.checkRequestBody(found, headers['content-type'], x.body).map((m) => `${where} request body${m}`));
    return out;
  }

  /** Violations of the response body against the schema for its status (or the `default` answer). */
  validateResponse(x: HttpExchange): string[] {
    const where = `${x.method.toUpperCase()} ${x.path} -> ${x.status}`;
    const found = this.findOperation(x.method, x.path);
    if (!found) return [`${where}: no operation in the spec for this method and path`];
    const responses: Json = found.op.responses ?? {};
    const status = String(x.status ?? 200);
    const key = [status, `${status[0]}XX`, 'default'].find((k) => responses[k] !== undefined);
    if (!key) return [`${where}: the spec declares no response for this status`];
    const media = pickMedia(this.deref(responses[key]).content, 'application/json');
    if (!media?.schema) return isEmpty(x.response) ? [] : [`${where}: the spec declares no body for this response, but one was sent`];
    const validate = this.compile(`${found.method} ${found.template} ${key} response`, this.strict, () => toJsonSchema(media.schema));
    return validate(x.response) ? [] : describe(validate.errors, `${where} response`);
  }

  /** Request and response together: what a conformance test asserts is empty. */
  validateExchange(x: HttpExchange): string[] {
    return [...this.validateRequest(x), ...(x.status === undefined ? [] : this.validateResponse(x))];
  }

  /**
   * Violations of a value against one component schema, for a payload the document describes
   * under another route (a media upload's metadata, sent to the upload endpoint).
   */
  validateSchema(name: string, value: unknown, where = name): string[] {
    if (!this.doc.components?.schemas?.[name]) return [`${where}: the spec has no schema ${name}`];
    const validate = this.compile(`schema ${name}`, this.strict, () => ({ $ref: `${DOC_ID}#/components/schemas/${name}` }));
    return validate(value) ? [] : describe(validate.errors, where);
  }

  private checkRequestBody(found: Operation, contentType: string | undefined, body: unknown): string[] {
    const rb = found.op.requestBody ? this.deref(found.op.requestBody) : null;
    const absent = isEmpty(body) || (typeof body === 'object' && Object.keys(body as object).length === 0);
    if (!rb) return absent ? [] : [': the operation takes no body, but one was sent'];
    if (absent) return rb.required ? [': required, but none was sent'] : [];
    const mediaType = contentType?.split(';')[0].trim().toLowerCase();
    const media = pickMedia(rb.content, mediaType);
    if (!media) return [`: content type ${mediaType ?? '(none)'} is not one the operation accepts (${Object.keys(rb.content ?? {}).join(', ')})`];
    if (!media.schema) return [];
    const form = !(mediaType ?? '').includes('json');
    const data = typeof body === 'string' ? (form ? parseQuery(body, { depth: 10, arrayLimit: 1000 }) : JSON.parse(body)) : structuredClone(body);
    const validate = this.compile(`${found.method} ${found.template} body ${mediaType}`, form ? this.coercing : this.strict, () => toJsonSchema(media.schema));
    return validate(data) ? [] : describe(validate.errors, '');
  }

  private checkSecurity(found: Operation, headers: Record<string, string>, query: Json): string[] {
    const requirements: Json[] | undefined = found.op.security ?? this.doc.security;
    if (!requirements?.length) return [];
    const schemes: Json = this.doc.components?.securitySchemes ?? {};
    const auth = headers.authorization ?? '';
    const satisfied = (name: string): boolean => {
      const s = schemes[name];
      if (!s) return false;
      if (s.type === 'http') return auth.toLowerCase().startsWith(`${String(s.scheme).toLowerCase()} `);
      if (s.type === 'apiKey') return s.in === 'query' ? query[s.name] !== undefined : s.in === 'header' ? headers[String(s.name).toLowerCase()] !== undefined : true;
      return /^bearer /i.test(auth); // oauth2 and openIdConnect carry a bearer token
    };
    if (requirements.some((r) => Object.keys(r).every(satisfied))) return [];
    return [`no credentials matching the spec's security (${requirements.map((r) => Object.keys(r).join('+') || 'none').join(' | ')})`];
  }

  private compile(key: string, ajv: Ajv, schema: () => Json): ValidateFunction {
    let v = this.compiled.get(key);
    if (!v) {
      v = ajv.compile(schema());
      this.compiled.set(key, v);
    }
    return v;
  }

  /** Resolves a local `$ref` (parameters, request bodies, responses) to the object it names. */
  private deref(node: Json): Json {
    let cur = node;
    for (let hops = 0; cur?.$ref && hops < 10; hops++) {
      if (!String(cur.$ref).startsWith('#/')) throw new Error(`only local $refs are supported: ${cur.$ref}`);
      cur = String(cur.$ref)
        .slice(2)
        .split('/')
        .reduce((o: Json, k) => o?.[k.replace(/~1/g, '/').replace(/~0/g, '~')], this.doc);
    }
    return cur;
  }

  private makeAjv(coerceTypes: false | 'array', components: Json): Ajv {
    const ajv = new Ajv({ strict: false, allErrors: true, coerceTypes, validateSchema: false, inlineRefs: false });
    addFormats(ajv);
    // vendor formats (unix-time, decimal, ...) are documentation: accept any value
    for (const f of collectFormats(components)) if (!ajv.formats[f]) ajv.addFormat(f, true);
    ajv.addSchema(components, DOC_ID);
    return ajv;
  }
}

/** The parameters of one location as a JSON Schema object; undeclared ones are violations (except headers). */
function paramsSchema(params: Json[], loc: (typeof LOCATIONS)[number]): Json {
  const mine = params.filter((p) => p.in === loc);
  const properties = Object.fromEntries(mine.map((p) => [loc === 'header' ? String(p.name).toLowerCase() : p.name, toJsonSchema(p.schema ?? {})]));
  const required = mine.filter((p) => p.required).map((p) => (loc === 'header' ? String(p.name).toLowerCase() : p.name));
  return { type: 'object', properties, required, additionalProperties: loc === 'header' };
}

/**
 * OpenAPI 3.0 schema -> JSON Schema draft-07 as Ajv reads it: `nullable` becomes a null branch,
 * boolean exclusive bounds become numbers, `$ref` siblings are dropped (3.0 ignores them) and
 * component refs point into the document registered under DOC_ID.
 */
function toJsonSchema(node: any, isSchemaMap = false): any {
  if (Array.isArray(node)) return node.map((n) => toJsonSchema(n));
  if (node === null || typeof node !== 'object') return node;
  if (isSchemaMap) return Object.fromEntries(Object.entries(node).map(([k, v]) => [k, toJsonSchema(v)]));
  if (typeof node.$ref === 'string') return { $ref: node.$ref.startsWith('#/') ? `${DOC_ID}${node.$ref}` : node.$ref };
  const out: Json = {};
  for (const [k, v] of Object.entries(node)) {
    // maps whose keys are names, not keywords
    if (k === 'properties' || k === 'patternProperties' || k === 'definitions') out[k] = toJsonSchema(v, true);
    else if (k === 'example' || k === 'examples' || k === 'enum' || k === 'default' || k === 'const') out[k] = v;
    else if (k !== 'nullable' && k !== 'discriminator') out[k] = toJsonSchema(v);
  }
  for (const bound of ['Minimum', 'Maximum'] as const) {
    if (out[`exclusive${bound}`] === true) out[`exclusive${bound}`] = out[bound.toLowerCase()];
    if (out[`exclusive${bound}`] === true || out[`exclusive${bound}`] === false) delete out[`exclusive${bound}`];
    else if (out[`exclusive${bound}`] !== undefined) delete out[bound.toLowerCase()];
  }
  if (node.nullable !== true) return out;
  if (out.type !== undefined && out.anyOf === undefined && out.oneOf === undefined && out.allOf === undefined) {
    out.type = [...(Array.isArray(out.type) ? out.type : [out.type]), 'null'];
    if (Array.isArray(out.enum) && !out.enum.includes(null)) out.enum = [...out.enum, null];
    return out;
  }
  return { anyOf: [out, { type: 'null' }] };
}

function collectFormats(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) for (const n of node) collectFormats(n, found);
  else if (node && typeof node === 'object') {
    for (const [k, v] of Object.entries(node)) {
      if (k === 'format' && typeof v === 'string') found.add(v);
      else collectFormats(v, found);
    }
  }
  return found;
}

function pickMedia(content: Json | undefined, wanted: string | undefined): Json | undefined {
  if (!content) return undefined;
  if (wanted && content[wanted]) return content[wanted];
  if (wanted) return Object.entries(content).find(([k]) => k === '*/*' || (k.endsWith('/*') && wanted.startsWith(k.slice(0, -1))))?.[1];
  return Object.entries(content).find(([k]) => k.includes('json'))?.[1] ?? Object.values(content)[0];
}

function describe(errors: ErrorObject[] | null | undefined, where: string): string[] {
  return (errors ?? []).map((e) => {
    const at = e.instancePath || '/';
    const extra = e.keyword === 'additionalProperties' ? ` (${(e.params as { additionalProperty: string }).additionalProperty})`
      : e.keyword === 'enum' ? ` (${JSON.stringify((e.params as { allowedValues: unknown[] }).allowedValues)})` : '';
    return `${where}: ${at} ${e.message}${extra}`;
  });
}

function lowerKeys(h: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(h)) if (v !== undefined) out[k.toLowerCase()] = v;
  return out;
}

/** A malformed escape in one recorded path is that call's problem; the raw segment is checked instead. */
function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '';
}
