import { decodeCursor, encodeCursor, likeEscape, pageOf, SqlFilter } from './sql-filter';

describe('SqlFilter', () => {
  it('numbers placeholders in order, skips absent optional values and scopes to a tenant', () => {
    const f = new SqlFilter().scope('c.tenant_id', { tenantId: 't1' }).optional('c.status = ?', undefined).optional('c.plugin = ?', '').where('(a, b) > (?, ?)', 1, 2);
    expect(f.sql).toBe('WHERE c.tenant_id = $1::uuid AND (a, b) > ($2, $3)');
    expect(f.param(10)).toBe('$4');
    expect(f.params).toEqual(['t1', 1, 2, 10]);
  });

  it('adds no tenant condition for an operator looking at every tenant', () => {
    expect(new SqlFilter().scope('c.tenant_id', { tenantId: null }).sql).toBe('');
  });

  it('treats % and _ in a search as text', () => {
    expect(likeEscape('50%_off\\')).toBe('50\\%\\_off\\\\');
  });
});

describe('keyset cursors', () => {
  it('round-trips and refuses anything else', () => {
    expect(decodeCursor(encodeCursor(['2026-01-01 00:00:00+00', 'id']), 2)).toEqual(['2026-01-01 00:00:00+00', 'id']);
    for (const bad of [undefined, 'nope', encodeCursor(['one']), Buffer.from('{"a":1}').toString('base64url'), encodeCursor(['a', 'b']).repeat(40)]) expect(decodeCursor(bad, 2)).toBeNull();
  });

  it('cuts the extra row into the next page\'s cursor', () => {
    expect(pageOf([1, 2, 3], 2, String)).toEqual({ rows: [1, 2], next: '2' });
    expect(pageOf([1, 2], 2, String)).toEqual({ rows: [1, 2], next: null });
  });
});
