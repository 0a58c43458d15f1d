import { canonicalJson, recordHash } from './record-hash';

describe('record hash', () => {
  const volatile = new Set(['updatedAt', 'properties.lastmodifieddate']);

  it('ignores key order at every depth', () => {
    const a = { id: '1', properties: { email: 'a@x', firstname: 'A' }, tags: [{ b: 1, a: 2 }] };
    const b = { tags: [{ a: 2, b: 1 }], properties: { firstname: 'A', email: 'a@x' }, id: '1' };
    expect(canonicalJson(a)).toBe(canonicalJson(b));
    expect(recordHash(a).equals(recordHash(b))).toBe(true);
  });

  it('leaves volatile dotted paths out, and nothing else', () => {
    const base = { id: '1', updatedAt: 't1', properties: { email: 'a@x', lastmodifieddate: 't1' } };
    const bumped = { id: '1', updatedAt: 't2', properties: { email: 'a@x', lastmodifieddate: 't2' } };
    const edited = { ...base, properties: { ...base.properties, email: 'b@x' } };
    expect(recordHash(base, volatile).equals(recordHash(bumped, volatile))).toBe(true);
    expect(recordHash(base).equals(recordHash(bumped))).toBe(false);
    expect(recordHash(base, volatile).equals(recordHash(edited, volatile))).toBe(false);
    expect(canonicalJson(base, volatile)).toBe('{"id":"1","properties":{"email":"a@x"}}');
  });

  it('keeps array order, and tells null from a missing key', () => {
    expect(canonicalJson([2, 1])).not.toBe(canonicalJson([1, 2]));
    expect(canonicalJson({ a: null })).not.toBe(canonicalJson({}));
    expect(canonicalJson({ a: undefined })).toBe(canonicalJson({}));
  });
});
