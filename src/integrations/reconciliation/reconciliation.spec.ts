import { cluster, pairScore, type CandidatePair } from './reconciliation.service';

const p = (a: string, b: string, ...keys: CandidatePair['keys'][number]['key'][]): CandidatePair => {
  const ks = keys.map((key) => ({ key, value: `${a}${b}` }));
  return { a, b, keys: ks, score: pairScore(ks) };
};
const members = (gs: { members: string[] }[]) => gs.map((g) => g.members).sort((x, y) => x[0].localeCompare(y[0]));

describe('reconciliation clustering', () => {
  it('scores more evidence higher, never above 1', () => {
    expect(pairScore([{ key: 'email', value: 'x' }])).toBeCloseTo(0.9);
    expect(pairScore([{ key: 'email', value: 'x' }, { key: 'phone', value: 'y' }])).toBeCloseTo(0.96);
    expect(pairScore([{ key: 'external_id', value: 'x' }, { key: 'email', value: 'y' }])).toBeLessThan(1);
  });

  it('joins chains of pairs into one group', () => {
    expect(members(cluster([p('1', '2', 'email'), p('2', '3', 'phone'), p('7', '8', 'email')], [], []))).toEqual([['1', '2', '3'], ['7', '8']]);
  });

  it('never puts a kept-apart pair in one group, keeping the stronger link', () => {
    // 1-3 kept apart; 2 matches both; the email link (1-2) beats the phone link (2-3)
    const gs = cluster([p('1', '2', 'email'), p('2', '3', 'phone'), p('1', '3', 'email')], [['1', '3']], []);
    expect(members(gs)).toEqual([['1', '2']]);
    expect(gs[0].pairs.map((x) => `${x.a}-${x.b}`)).toEqual(['1-2']);
  });

  it('starts from merged groups: a record matching one member joins the whole group', () => {
    expect(members(cluster([p('3', '9', 'email')], [], [['1', '3']]))).toEqual([['1', '3', '9']]);
    expect(cluster([], [], [['1', '3']])).toEqual([]);
  });

  it('sorts record ids numerically', () => {
    expect(members(cluster([p('10', '9', 'email')], [], []))).toEqual([['9', '10']]);
  });
});
