import { applyDecorators, Controller, UseFilters, UseGuards } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { z } from 'zod';
import { Public } from '../core/auth';
import { AdminErrorFilter } from './admin-error.filter';
import { AdminSessionGuard } from './session/admin-session.guard';

/**
 * A controller of panel pages: not part of the API (no OpenAPI entry, the API's bearer guard and
 * tier limiter stand aside), behind the panel's session guard, errors rendered as pages.
 */
export function AdminController(path: string): ClassDecorator {
  return applyDecorators(
    Controller(path), ApiExcludeController(), Public(), SkipThrottle(), UseGuards(AdminSessionGuard), UseFilters(AdminErrorFilter),
  ) as ClassDecorator;
}

/**
 * A page's query string, read leniently: a value that does not fit is dropped (the page shows its
 * default) rather than answered with an error, since these come from links and filter forms.
 */
export function readQuery<S extends z.ZodRawShape>(shape: S, query: unknown): z.infer<z.ZodObject<S>> {
  const lenient = Object.fromEntries(Object.entries(shape).map(([k, s]) => [k, (s as z.ZodType).optional().catch(undefined)]));
  return z.object(lenient).parse(query && typeof query === 'object' ? query : {}) as z.infer<z.ZodObject<S>>;
}

/** A search box's text: trimmed, bounded, empty as absent. */
export const searchText = z.string().trim().min(1).max(200);
export const cursorText = z.string().max(400);
