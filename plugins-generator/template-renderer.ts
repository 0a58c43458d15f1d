import { isIdentifier } from './names';

/**
 * What a template is rendered with. Names are the template's placeholder spellings (`tmpl-platform`,
 * `TmplItem`, `tmpl_field`) and what replaces them; values fill `@sub` markers; conditions decide
 * `@if` and `@when`; lists feed `@each`. A child scope sees its parent's and overrides them.
 */
export interface Scope {
  names: Record<string, string>;
  /** names that are property names: quoted, or accessed with brackets, where they are not identifiers */
  properties?: ReadonlySet<string>;
  values?: Record<string, string>;
  /** flags (`updated`) and choices (`auth`: `api_key`); the nearest scope that sets one decides it */
  conditions?: Record<string, boolean | string>;
  lists?: Record<string, Scope[]>;
  parent?: Scope;
}

const BLOCK = /^\s*\/\/ @(each|if|when) (.+?)\s*$/;
const END = /^\s*\/\/ @end\s*$/;
const WHEN_LINE = /^(\s*)\/\/ @when (.+?): (.*)$/;
const TRAILING = /^(.*?)\s*\/\/ ((?:@(?:each|if|sub) [^@]*?)+)\s*$/;

/**
 * Renders a template: real TypeScript whose markers are comments, so the template itself compiles and runs.
 * - names are replaced everywhere (longest first; a property name is quoted or bracketed when it must be);
 * - `code // @sub [text] value` replaces that text on that line with a value;
 * - `code // @if cond` keeps the line when cond holds; a line `// @if cond` opens a block to `// @end`;
 * - `code // @each list` repeats the line per item of the list; `// @each list` opens a repeated block;
 * - `// @when cond: code` (and a `// @when cond` block of commented lines) is an alternative written as a
 *   comment in the template, emitted uncommented when cond holds.
 * Conditions: `flag`, `!flag`, `key=a,b` (the scope has key=a or key=b), `key!=a`.
 */
export function renderTemplate(text: string, scope: Scope): string {
  return renderLines(text.split('\n'), scope).join('\n');
}

export function renderName(text: string, scope: Scope): string {
  return substitute(text, scope);
}

function renderLines(lines: string[], scope: Scope): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const block = BLOCK.exec(line);
    if (block && !WHEN_LINE.test(line)) {
      const end = blockEnd(lines, i);
      const body = lines.slice(i + 1, end);
      i = end;
      const [, kind, arg] = block;
      if (kind === 'each') for (const item of list(scope, arg)) out.push(...renderLines(body, item));
      else if (holds(arg, scope)) out.push(...renderLines(kind === 'when' ? body.map(uncomment) : body, scope));
      continue;
    }
    const when = WHEN_LINE.exec(line);
    if (when) {
      if (holds(when[2], scope)) out.push(renderLine(`${when[1]}${when[3]}`, scope));
      continue;
    }
    const marked = TRAILING.exec(line);
    if (!marked) {
      out.push(renderLine(line, scope));
      continue;
    }
    const [, code, directives] = marked;
    const each = /@each (\S+)/.exec(directives)?.[1];
    const cond = /@if (\S+)/.exec(directives)?.[1];
    const subs = [...directives.matchAll(/@sub \[(.+?)\] (\S+)/g)].map((m) => ({ text: m[1], value: m[2] }));
    if (cond !== undefined && !holds(cond, scope)) continue;
    for (const item of each ? list(scope, each) : [scope]) out.push(renderLine(code, item, subs));
  }
  return out;
}

function blockEnd(lines: string[], start: number): number {
  let depth = 0;
  for (let i = start + 1; i < lines.length; i++) {
    if (BLOCK.test(lines[i]) && !WHEN_LINE.test(lines[i])) depth++;
    else if (END.test(lines[i]) && depth-- === 0) return i;
  }
  throw new Error(`template: no // @end for "${lines[start].trim()}"`);
}

function uncomment(line: string): string {
  return line.replace(/^(\s*)\/\/ ?/, '$1');
}

function list(scope: Scope, name: string): Scope[] {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.lists?.[name]) return s.lists[name];
  throw new Error(`template: nothing to repeat for @each ${name}`);
}

function value(scope: Scope, name: string): string {
  for (let s: Scope | undefined = scope; s; s = s.parent) if (s.values && name in s.values) return s.values[name];
  throw new Error(`template: no value ${name} for @sub`);
}

export function holds(cond: string, scope: Scope): boolean {
  if (cond.startsWith('!')) return !holds(cond.slice(1), scope);
  const [, key, op, choices] = /^([A-Za-z]+)(?:(!?=)(.+))?$/.exec(cond) ?? [];
  if (!key) throw new Error(`template: cannot read the condition "${cond}"`);
  let set: boolean | string | undefined;
  for (let s: Scope | undefined = scope; s && set === undefined; s = s.parent) set = s.conditions?.[key];
  if (set === undefined) throw new Error(`template: nothing decides the condition "${key}"`);
  if (!op) return set === true;
  const any = choices.split(',').includes(String(set));
  return op === '=' ? any : !any;
}

function renderLine(code: string, scope: Scope, subs: { text: string; value: string }[] = []): string {
  // values go in after the names, so a value is never mistaken for a placeholder
  let text = code;
  const filled: string[] = [];
  for (const s of subs) {
    if (!text.includes(s.text)) throw new Error(`template: @sub [${s.text}] not found in "${code.trim()}"`);
    filled.push(value(scope, s.value));
    text = text.replace(s.text, `\u0000${filled.length - 1}\u0000`);
  }
  return substitute(text, scope).replace(/\u0000(\d+)\u0000/g, (_, n: string) => filled[Number(n)]);
}

function substitute(text: string, scope: Scope): string {
  const names: Record<string, string> = {};
  const properties = new Set<string>();
  const chain: Scope[] = [];
  for (let s: Scope | undefined = scope; s; s = s.parent) chain.unshift(s);
  for (const s of chain) {
    Object.assign(names, s.names);
    s.properties?.forEach((p) => properties.add(p));
  }
  const tokens = Object.keys(names).sort((a, b) => b.length - a.length);
  if (!tokens.length) return text;
  const re = new RegExp(`(\\.)?(${tokens.map((t) => t.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('|')})`, 'g');
  return text.replace(re, (match, dot: string | undefined, token: string, at: number, whole: string) => {
    const replacement = names[token];
    if (!properties.has(token) || isIdentifier(replacement)) return `${dot ?? ''}${replacement}`;
    if (dot && whole[at - 1] !== '.') return `[${JSON.stringify(replacement)}]`;
    const after = whole.slice(at + match.length);
    return /^\??:/.test(after) ? `${dot ?? ''}${JSON.stringify(replacement)}` : `${dot ?? ''}${replacement}`;
  });
}
