import type { AdminScope } from '../admin-scope';

/**
 * The WHERE clause of a panel query, built from optional filters with every value a bound
 * parameter. `scope` adds the tenant condition: the panel's queries read across tenants for
 * operators, and this is the one place an owner's view is narrowed to their tenant.
 */
export class SqlFilter {
  readonly params: unknown[] = [];
  private readonly conditions: string[] = [];

  /** Binds a value and returns its placeholder ($n). */
  param(value: unknown): string {
    this.params.push(value);
    return `$${this.params.length}`;
  }

  /** Adds a condition; each `?` in it becomes the next of `values`. */
  where(condition: string, ...values: unknown[]): this {
    let i = 0;
    this.conditions.push(condition.replace(/\?/g, () => this.param(values[i++])));
    return this;
  }

  /** Adds the condition only when the value is given (not undefined, null or ''). */
  optional(condition: string, value: unknown): this {
    return value === undefined || value === null || value === '' ? this : this.where(condition, value);
  }

  scope(column: string, scope: AdminScope): this {
    return this.optional(`${column} = ?::uuid`, scope.tenantId);
  }

  get sql(): string {
    return this.conditions.length ? `WHERE ${this.conditions.join(' AND ')}` : '';
  }
}

/** `%` and `_` typed into a search box are literal characters, not patterns. */
export function likeEscape(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** One page of a list ordered newest first, with the cursor of the next page. */
export interface Page<T> {
  rows: T[];
  next: string | null;
}

/** Cuts the extra row a query fetched (limit + 1) into the page and the next page's cursor. */
export function pageOf<T>(rows: T[], limit: number, cursorOf: (row: T) => string): Page<T> {
  const more = rows.length > limit;
  const page = rows.slice(0, limit);
  return { rows: page, next: more && page.length ? cursorOf(page[page.length - 1]) : null };
}

/** A keyset cursor: the sort values of a page's last row, opaque to the browser. */
export function encodeCursor(values: readonly string[]): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/** The values of a cursor made by encodeCursor, or null for anything else (the list then starts over). */
export function decodeCursor(cursor: unknown, count: number): string[] | null {
  if (typeof cursor !== 'string' || cursor.length > 400) return null;
  try {
    const values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    return Array.isArray(values) && values.length === count && values.every((v) => typeof v === 'string') ? (values as string[]) : null;
  } catch {
    return null;
  }
}
