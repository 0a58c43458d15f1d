import { Context, Liquid, Tokenizer, TypeGuards, Value, toValueSync, type Template } from 'liquidjs';
import { LRUCache } from 'lru-cache';

/** A template or expression that could not be evaluated: bad syntax, too slow, too large. */
export class TemplateError extends Error {}

const refuse = (): never => {
  throw new TemplateError('templates cannot read files');
};

/** Whole-string `{{ expr }}`: rendered to the expression's value, keeping numbers, booleans, objects and arrays. */
const SINGLE_OUTPUT = /^\s*\{\{-?\s*((?:(?!\}\}|\{\{)[\s\S])+?)\s*-?\}\}\s*$/;
const MAX_OUTPUT_CHARS = 1_000_000;

export interface TemplateLimits {
  /** the longest one render or evaluation may take, ms */
  renderMs: number;
  /** a bound on what one render may allocate (liquidjs counts strings and arrays it builds) */
  memory: number;
}

/**
 * Liquid, sandboxed: templates see only the scope they are given (own properties only, so no
 * prototype walk to `constructor`), have no file system (include/render/layout fail), only the
 * built-in filters, and each render or evaluation is time- and memory-limited. Parsed templates and
 * expressions are cached by their text, since a workflow version's strings never change.
 */
export class TemplateEngine {
  private readonly liquid: Liquid;
  private readonly templates = new LRUCache<string, Template[]>({ max: 5000 });
  private readonly values = new LRUCache<string, Value>({ max: 5000 });

  constructor(limits: TemplateLimits = { renderMs: 1000, memory: 50_000_000 }) {
    this.liquid = new Liquid({
      ownPropertyOnly: true, strictFilters: true, strictVariables: false, renderLimit: limits.renderMs, parseLimit: 1_000_000, memoryLimit: limits.memory,
      root: [], partials: [], layouts: [], cache: false,
      fs: { exists: async () => false, existsSync: () => false, readFile: refuse, readFileSync: refuse, resolve: (_d: string, f: string) => f, contains: async () => false, dirname: (f: string) => f, sep: '/' },
    });
  }

  /** The value of an expression such as `trigger.data.amount_paid > 100000` or `items | size`. */
  evaluate(expression: string, scope: object): unknown {
    try {
      const value = this.value(expression);
      return toValueSync(value.value(new Context(scope, this.liquid.options), false)) ?? null;
    } catch (e) {
      throw wrap(e, `expression "${clip(expression)}"`);
    }
  }

  /** A boolean by Liquid's truthiness: only false and nil are false. */
  test(expression: string, scope: object): boolean {
    const v = this.evaluate(expression, scope);
    return v !== false && v !== null && v !== undefined;
  }

  /**
   * Renders every string inside a JSON value: a string that is exactly one `{{ expr }}` becomes the
   * expression's value (typed); any other string with `{{`/`{%` is rendered as text.
   */
  render(input: unknown, scope: object): unknown {
    if (typeof input === 'string') return this.renderString(input, scope);
    if (Array.isArray(input)) return input.map((v) => this.render(v, scope));
    if (input && typeof input === 'object') return Object.fromEntries(Object.entries(input).map(([k, v]) => [k, this.render(v, scope)]));
    return input;
  }

  /** Renders to text, whatever the template holds. */
  renderText(template: string, scope: object): string {
    const v = this.renderString(template, scope);
    return typeof v === 'string' ? v : v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  }

  /** Null when the expression is well formed, else why not. */
  checkExpression(expression: string): string | null {
    try {
      this.value(expression);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  /** Every string inside value that fails to parse as a template, with its JSON path below `at`. */
  checkTemplates(input: unknown, at: string): { field: string; message: string }[] {
    if (typeof input === 'string') {
      if (!isTemplate(input)) return [];
      const single = SINGLE_OUTPUT.exec(input);
      const problem = single ? this.checkExpression(single[1]) : this.parseProblem(input);
      return problem ? [{ field: at, message: problem }] : [];
    }
    if (Array.isArray(input)) return input.flatMap((v, i) => this.checkTemplates(v, `${at}[${i}]`));
    if (input && typeof input === 'object') return Object.entries(input).flatMap(([k, v]) => this.checkTemplates(v, `${at}.${k}`));
    return [];
  }

  private renderString(s: string, scope: object): unknown {
    if (!isTemplate(s)) return s;
    const single = SINGLE_OUTPUT.exec(s);
    if (single) return this.evaluate(single[1], scope);
    let out: string;
    try {
      out = this.liquid.renderSync(this.template(s), scope) as string;
    } catch (e) {
      throw wrap(e, `template "${clip(s)}"`);
    }
    if (out.length > MAX_OUTPUT_CHARS) throw new TemplateError(`template "${clip(s)}" rendered ${out.length} characters, over the ${MAX_OUTPUT_CHARS} limit`);
    return out;
  }

  private parseProblem(s: string): string | null {
    try {
      this.template(s);
      return null;
    } catch (e) {
      return (e as Error).message;
    }
  }

  private template(s: string): Template[] {
    let t = this.templates.get(s);
    if (!t) this.templates.set(s, (t = this.liquid.parse(s)));
    return t;
  }

  private value(expression: string): Value {
    let v = this.values.get(expression);
    if (v) return v;
    assertWellFormed(expression);
    v = new Value(expression, this.liquid);
    this.values.set(expression, v);
    return v;
  }
}

function isTemplate(s: string): boolean {
  return s.includes('{{') || s.includes('{%');
}

/**
 * Liquid's tokenizer accepts `a >` or `a b` and evaluates them to something; a workflow author
 * should hear about the mistake when saving instead. Checks that the expression before any filter
 * is one operand or a well-formed chain of operators.
 */
function assertWellFormed(expression: string): void {
  if (!expression.trim()) throw new TemplateError('an empty expression');
  const tokenizer = new Tokenizer(expression);
  const expr = tokenizer.readExpression();
  let depth = 0;
  for (const token of expr.postfix) {
    if (TypeGuards.isOperatorToken(token)) {
      const unary = token.operator === 'not';
      if (depth < (unary ? 1 : 2)) throw new TemplateError(`"${token.operator}" is missing an operand in "${clip(expression)}"`);
      if (!unary) depth--;
    } else {
      depth++;
    }
  }
  if (depth !== 1) throw new TemplateError(`"${clip(expression)}" is not one expression (an operator missing between values?)`);
  tokenizer.skipBlank();
  if (!tokenizer.end() && tokenizer.peek() !== '|') throw new TemplateError(`unexpected "${expression.slice(tokenizer.p)}" in "${clip(expression)}"`);
}

function wrap(e: unknown, what: string): TemplateError {
  if (e instanceof TemplateError) return e;
  const msg = (e as Error).message ?? String(e);
  const reason = /limit exceeded/.test(msg) ? `stopped: ${msg}` : msg;
  return new TemplateError(`${what}: ${reason}`);
}

function clip(s: string): string {
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
