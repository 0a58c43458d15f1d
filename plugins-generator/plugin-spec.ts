import { AUTH_KINDS, PLUGIN_CATEGORIES, UNIFIED_MODELS, type AuthKind, type PluginCategory, type UnifiedModel } from '../src/core/plugin-sdk';
import { closestName } from '../src/cli/name-suggestion';
import { nameForms, singular, words } from './names';
import { FIELD_SYNONYMS, MODEL_ALIASES, UNIFIED_FIELDS, type Primitive } from './unified-fields';

export const PAGING_STYLES = ['cursor', 'after-id', 'offset', 'page', 'link'] as const;
/** cursor: the answer names the next page's token; after-id: "give me what follows this id" while has_more; offset; page number; Link header */
export type PagingStyle = (typeof PAGING_STYLES)[number];

/** The names a platform's list endpoints use for paging, as they appear in requests and answers. */
export interface PagingNames {
  style: PagingStyle;
  /** the answer's property holding the records (link style: the answer is the array itself) */
  records: string;
  limit: string;
  /** the request parameter carrying the position: cursor token, last id, offset or page number */
  cursor: string;
  /** cursor style: the answer's property with the next token */
  next: string;
  /** after-id style: the answer's "there is more" flag */
  hasMore: string;
  /** offset style: the answer's total count; page style: its page count */
  total: string;
}

export interface FieldSpec {
  /** as the platform names it */
  name: string;
  type: Primitive;
  nullable: boolean;
  /** required when creating a record */
  required: boolean;
  /** a TypeScript expression of `i` (the record's index) that the simulator seeds the field with */
  sample: string;
}

export interface EntitySpec {
  /** the manifest's key, snake_case (`line_items`) */
  key: string;
  model: UnifiedModel;
  listPath: string;
  id: { name: string; type: 'string' | 'number' };
  /** the field saying when the record last changed, ISO text or unix seconds */
  updated: { name: string; type: 'string' | 'number' } | null;
  fields: FieldSpec[];
  /** unified field <- platform field, only where both have the same type */
  mappings: { unified: string; field: string }[];
}

export interface PluginSpec {
  name: string;
  displayName: string;
  category: PluginCategory;
  auth: AuthKind;
  baseUrl: string;
  coreVersion: string;
  paging: PagingNames;
  /** how the platform takes a create: JSON or a form body */
  body: 'json' | 'form';
  /** the first entity is the one the generated action creates */
  entities: EntitySpec[];
  createPath: string;
  createFields: FieldSpec[];
}

/** A refusal: the message says what is wrong; nothing has been written. */
export class GeneratorInputError extends Error {}

export const DEFAULT_PAGING: Record<PagingStyle, PagingNames> = {
  cursor: { style: 'cursor', records: 'data', limit: 'limit', cursor: 'cursor', next: 'next_cursor', hasMore: 'has_more', total: 'total' },
  'after-id': { style: 'after-id', records: 'data', limit: 'limit', cursor: 'starting_after', next: 'next_cursor', hasMore: 'has_more', total: 'total' },
  offset: { style: 'offset', records: 'data', limit: 'limit', cursor: 'offset', next: 'next_cursor', hasMore: 'has_more', total: 'total' },
  page: { style: 'page', records: 'data', limit: 'per_page', cursor: 'page', next: 'next_cursor', hasMore: 'has_more', total: 'total_pages' },
  link: { style: 'link', records: 'data', limit: 'per_page', cursor: 'page', next: 'next_cursor', hasMore: 'has_more', total: 'total' },
};

export function checkName(name: string): void {
  if (!/^[a-z][a-z0-9]*(-[a-z0-9]+)*$/.test(name) || name.length > 41) {
    throw new GeneratorInputError(`"${name}" is not a plugin name: use a kebab-case slug of 2 to 41 characters (e.g. acme-crm)`);
  }
  if (name.startsWith('tmpl-')) throw new GeneratorInputError(`"${name}": the tmpl- prefix is reserved for the generator's own template`);
}

/** One of a closed set, or a refusal naming the set and the likely meaning. */
export function oneOf<T extends string>(what: string, value: string, allowed: readonly T[]): T {
  if ((allowed as readonly string[]).includes(value)) return value as T;
  const guess = closestName(value, allowed);
  throw new GeneratorInputError(`unknown ${what} "${value}"${guess ? ` (did you mean ${guess}?)` : ''}; one of ${allowed.join(', ')}`);
}

export const checkCategory = (category: string): PluginCategory => oneOf('category', category, PLUGIN_CATEGORIES);
export const checkAuth = (auth: string): AuthKind => oneOf('auth kind', auth, AUTH_KINDS);

export function checkBaseUrl(url: string): string {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new GeneratorInputError(`--base-url "${url}" is not a URL (e.g. https://api.acme.example)`);
  }
  if (u.protocol !== 'https:' && u.protocol !== 'http:') throw new GeneratorInputError(`--base-url must be http(s), not ${u.protocol}`);
  return url.replace(/\/+$/, '');
}

/** `contacts`, or `widgets:product` to name the unified model an entity maps to. */
export function parseEntityArg(arg: string): { name: string; model: UnifiedModel | null } {
  const [name, model] = arg.split(':');
  if (!/^[a-z][a-z0-9]*([_-][a-z0-9]+)*$/.test(name)) throw new GeneratorInputError(`entity "${name}" must be a lower-case name such as contacts or line_items`);
  return { name: nameForms(name).snake, model: model === undefined ? null : oneOf(`model for ${name}`, model, UNIFIED_MODELS) };
}

/** The unified model an entity's name means: its singular (contacts -> contact) or a known alias (people -> contact). */
export function inferModel(entity: string): UnifiedModel {
  const one = singular(entity);
  const last = words(one).at(-1)!;
  for (const candidate of [one, last]) {
    if ((UNIFIED_MODELS as readonly string[]).includes(candidate)) return candidate as UnifiedModel;
    if (MODEL_ALIASES[candidate]) return MODEL_ALIASES[candidate];
  }
  throw new GeneratorInputError(`entity ${entity}: no unified model by that name; write ${entity}:<model> with one of ${UNIFIED_MODELS.join(', ')}`);
}

const normal = (s: string) => s.toLowerCase().replace(/[^a-z0-9]/g, '');

/** Each unified field of the model, mapped from the platform field of the same name (or a synonym) and type. */
export function mapFields(model: UnifiedModel, fields: readonly FieldSpec[]): { unified: string; field: string }[] {
  const out: { unified: string; field: string }[] = [];
  const used = new Set<string>();
  for (const [unified, type] of Object.entries(UNIFIED_FIELDS[model]) as [string, Primitive][]) {
    const names = [normal(unified), ...(FIELD_SYNONYMS[unified] ?? [])];
    const match = names.map((n) => fields.find((f) => normal(f.name) === n && f.type === type && !used.has(f.name))).find(Boolean);
    if (match) {
      used.add(match.name);
      out.push({ unified, field: match.name });
    }
  }
  return out;
}

/** Generated timestamps count from 2026-01-01T00:00:00Z, in unix seconds: sample values stand alone, needing no constant. */
export const EPOCH = '1_767_225_600';

/** Seed values that look like the field's meaning, from its name and type; deterministic in the record's index `i`. */
export function sampleFor(name: string, type: Primitive, format?: string, choices?: readonly (string | number)[]): string {
  const n = normal(name);
  if (choices?.length) return `${JSON.stringify(choices.slice(0, 4))}[i % ${Math.min(choices.length, 4)}]`;
  if (type === 'boolean') return 'i % 3 !== 0';
  if (type === 'number') {
    if (format === 'date-time' || /(at|date|time|timestamp|created|updated)$/.test(n)) return `${EPOCH} + i * 3600`;
    return /amount|total|price|paid|balance/.test(n) ? '(i + 1) * 250' : 'i + 1';
  }
  if (format === 'date-time' || /(at|time|timestamp)$/.test(n)) return `new Date((${EPOCH} + i * 3600) * 1000).toISOString()`;
  if (format === 'date' || /(date|end|start)$/.test(n)) return `new Date((${EPOCH} + i * 86_400) * 1000).toISOString().slice(0, 10)`;
  if (format === 'email' || n.includes('email')) return '`person${i}@example.com`';
  if (format === 'uri' || format === 'url' || /url|link|website/.test(n)) return '`https://example.com/${i}`';
  if (n.includes('domain')) return '`site${i}.example.com`';
  if (n.includes('phone')) return '`+1 555 01${String(i % 100).padStart(2, \'0\')}`';
  if (n.includes('currency')) return "'usd'";
  if (/status|stage|state/.test(n)) return "i % 4 === 0 ? 'closed' : 'open'";
  return `\`${words(name).join(' ')} \${i}\``;
}

/** A field as the generated types spell it: `string | null`, `number`. */
export function fieldType(f: Pick<FieldSpec, 'type' | 'nullable'>): string {
  return f.nullable ? `${f.type} | null` : f.type;
}

export function zodFor(f: FieldSpec): string {
  return `z.${f.type}()${f.nullable ? '.nullable()' : ''}${f.required ? '' : '.optional()'}`;
}

/**
 * An entity without an OpenAPI document: the unified model's own fields, spelt in snake_case, an
 * `id` and an `updated_at`. The first field is required to create one.
 */
export function entityFromModel(key: string, model: UnifiedModel): EntitySpec {
  const fields: FieldSpec[] = (Object.entries(UNIFIED_FIELDS[model]) as [string, Primitive][]).map(([unified, type], i) => {
    const name = nameForms(unified).snake;
    return { name, type, nullable: i > 0, required: i === 0, sample: sampleFor(name, type) };
  });
  return {
    key, model, listPath: `/${nameForms(key).kebab}`,
    id: { name: 'id', type: 'string' }, updated: { name: 'updated_at', type: 'string' },
    fields, mappings: mapFields(model, fields),
  };
}
