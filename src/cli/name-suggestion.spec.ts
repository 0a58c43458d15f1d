import { closestName, editDistance, UnknownNameError } from './name-suggestion';

// made-up names: core and CLI code (tests included) never names a real platform
describe('name suggestions', () => {
  it('counts insertions, deletions, substitutions and swapped neighbours as one edit each', () => {
    expect(editDistance('ledgerly', 'ledgerly')).toBe(0);
    expect(editDistance('ledgrly', 'ledgerly')).toBe(1);
    expect(editDistance('ledg3rly', 'ledgerly')).toBe(1);
    expect(editDistance('cmr', 'crm')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('pipelane', 'ledgerly')).toBeGreaterThan(3);
  });

  it('suggests the closest name within a third of its length, or the only one it starts', () => {
    const plugins = ['ledgerly', 'pipelane', 'shopwise', 'salesnote'];
    expect(closestName('ledgrly', plugins)).toBe('ledgerly');
    expect(closestName('Pipleane', plugins)).toBe('pipelane');
    expect(closestName('sales', plugins)).toBe('salesnote');
    expect(closestName('s', plugins)).toBeUndefined();
    expect(closestName('helpdesk', plugins)).toBeUndefined();
  });

  it('names what is unknown, the likely meaning and what exists, in one line', () => {
    expect(new UnknownNameError('plugin', 'ledgrly', ['ledgerly', 'pipelane']).message).toBe('unknown plugin "ledgrly" (did you mean "ledgerly"?); known: ledgerly, pipelane');
    expect(new UnknownNameError('tenant', 'x', []).message).toBe('unknown tenant "x"; there are no tenants');
    const many = Array.from({ length: 20 }, (_, i) => `tenant-${i}`);
    expect(new UnknownNameError('tenant', 'nope', many).message).toMatch(/known: tenant-0, .*tenant-11, …$/);
  });
});
