import { renderTemplate, type Scope } from './template-renderer';

const entity = (name: string, updated: boolean): Scope => ({ names: { tmpl_items: name, TmplItem: name.toUpperCase() }, conditions: { updated } });

function scope(): Scope {
  const s: Scope = {
    names: { 'tmpl-platform': 'acme', TmplPlatform: 'Acme', tmpl_records: 'data', tmpl_next: '@odata.next' },
    properties: new Set(['tmpl_records', 'tmpl_next']),
    values: { category: 'crm' },
    conditions: { auth: 'basic', updated: false },
    lists: {},
  };
  s.lists!.entity = [entity('contacts', true), entity('deals', false)].map((e) => ({ ...e, parent: s }));
  return s;
}

describe('template renderer', () => {
  it('replaces names longest first, quoting or bracketing a property name that is not an identifier', () => {
    const out = renderTemplate([
      "export const tmplPlatformName = 'tmpl-platform'; // TmplPlatform",
      'interface Body { tmpl_records: T[]; tmpl_next?: string }',
      'const next = body.tmpl_next ?? body.tmpl_records.length;',
    ].join('\n'), { names: { 'tmpl-platform': 'acme-crm', tmplPlatform: 'acmeCrm', TmplPlatform: 'AcmeCrm', tmpl_records: 'data', tmpl_next: '@odata.next' }, properties: new Set(['tmpl_records', 'tmpl_next']) });
    expect(out).toBe([
      "export const acmeCrmName = 'acme-crm'; // AcmeCrm",
      'interface Body { data: T[]; "@odata.next"?: string }',
      'const next = body["@odata.next"] ?? body.data.length;',
    ].join('\n'));
  });

  it('repeats lines and blocks per item, keeps or drops them by condition, and strips the markers', () => {
    const out = renderTemplate([
      'const all = [',
      "  'tmpl_items', // @each entity",
      '];',
      '// @each entity',
      'type TmplItem = 1;',
      'const x = 1; // @if updated',
      '// @end',
      "const kind = 'other'; // @sub [other] category",
      'basic(); // @if auth=basic,oauth2',
      'apiKey(); // @if auth=api_key',
      'notNone(); // @if auth!=none',
    ].join('\n'), scope());
    expect(out).toBe([
      'const all = [',
      "  'contacts',",
      "  'deals',",
      '];',
      'type CONTACTS = 1;',
      'const x = 1;',
      'type DEALS = 1;',
      "const kind = 'crm';",
      'basic();',
      'notNone();',
    ].join('\n'));
  });

  it('emits a commented alternative uncommented when its condition holds, and not otherwise', () => {
    const out = renderTemplate([
      'use(apiKey); // @if auth=api_key',
      '// @when auth=basic: use(password);',
      '// @when !updated: fallback();',
      '// @when auth=basic',
      '// {',
      '//   kind: \'basic\',',
      '// },',
      '// @end',
      '// @when auth=oauth2',
      '// oauth();',
      '// @end',
    ].join('\n'), scope());
    expect(out).toBe(['use(password);', 'fallback();', '{', "  kind: 'basic',", '},'].join('\n'));
  });

  it('fails loudly on a marker it cannot honour', () => {
    expect(() => renderTemplate('// @each missing\nx\n// @end', scope())).toThrow('nothing to repeat for @each missing');
    expect(() => renderTemplate('// @if updated\nx', scope())).toThrow('no // @end');
    expect(() => renderTemplate('x(); // @if unknownFlag', scope())).toThrow('nothing decides the condition "unknownFlag"');
    expect(() => renderTemplate("y(); // @sub [z] category", scope())).toThrow('@sub [z] not found');
  });
});
