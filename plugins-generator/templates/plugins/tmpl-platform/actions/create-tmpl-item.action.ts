import { defineAction, z } from '../../../core/plugin-sdk';
import { createTmplItem } from '../tmpl-platform.client';

export const createTmplItemAction = defineAction({
  description: 'Create one tmpl item in Tmpl Platform',
  kind: 'write',
  input: z.object({
    tmpl_field: z.string(), // @each createField @sub [z.string()] zod
  }),
  output: z.object({
    tmpl_id: z.string(), // @sub [z.string()] idZod
    tmpl_field: z.string().nullable(), // @each field @sub [z.string().nullable()] outputZod
    tmpl_updated: z.string(), // @if updated @sub [z.string()] updatedZod
  }),
  run: (ctx, input) => createTmplItem(ctx.http, input),
});
