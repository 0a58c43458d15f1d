import { canonicalJson, recordHash, volatileTree } from './record-hash';

describe('record hash', () => {
  const volatile = new Set(['updatedAt', 'properties.lastmodifieddate']);

  it('ignores key order at every depth', () => {
    const a = { id: '1', properties: { email: 'a@x', firstname: 'A' }, tags: [{ b: 1, a: 2 }] };
    const b = { tags: [{ a: 2, b: 1 }], properties: { firstname: 'A', email: 'a@x' }, id: '1' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(recordHash(a)).toBe(recordHash(b));
  });

  it('leaves volatile dotted paths out, and nothing else', () => {
    const base = { id: '1', updatedAt: 't1', properties: { email: 'a@x', lastmodifieddate: 't1' } };
    const bumped = { id: '1', updatedAt: 't2', properties: { email: 'a@x', lastmodifieddate: 't2' } };
    const edited = { ...base, properties: { ...base.properties, email: 'b@x' } };
    expect(recordHash(base, volatile)).toBe(recordHash(bumped, volatile));
    expect(recordHash(base)).not.toBe(recordHash(bumped));
    expect(recordHash(base, volatile)).not.toBe(recordHash(edited, volatile));
    expect(canonicalJson(base, volatile)).toBe('{"id":"1","properties":{"email":"a@x"}}');
  });

  it('keeps array order, and tells null from a missing key', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
    expect(canonicalJson({ a: undefined })).toBe(canonicalJson({}));
  });

  it('compiles volatile paths once: a tree gives the same result as the dotted set', () => {
    const r = { id: '1', updatedAt: 't', properties: { email: 'a@x', lastmodifieddate: 't' }, tags: [{ updatedAt: 'kept' }] };
    expect(canonicalJson(r, volatileTree(volatile))).toBe(canonicalJson(r, volatile));
    expect(canonicalJson(r, volatileTree(['properties', 'properties.email']))).toBe('{"id":"1","tags":[{"updatedAt":"kept"}],"updatedAt":"t"}');
    expect(recordHash(r)).toMatch(/^[0-9a-f]{64}$/);
  });
});
