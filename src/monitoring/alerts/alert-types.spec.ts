import { ALERT_TYPES, DEFAULT_RULES, defaultParams, paramProblems } from './alert-types';

describe('alert rules', () => {
  it('has a default rule with a severity and in-range defaults for every alert type', () => {
    for (const t of ALERT_TYPES) {
      expect(DEFAULT_RULES[t].description.length).toBeGreaterThan(10);
      expect(paramProblems(t, defaultParams(t))).toEqual([]);
    }
    expect(defaultParams('high_error_rate')).toEqual({ threshold: 0.25, windowMinutes: 5, minCalls: 20 });
  });

  it('names each bad parameter', () => {
    expect(paramProblems('connection_down', { failures: 1.5, extra: 1 })).toEqual([
      { field: 'params.failures', message: 'params.failures must be an integer from 1 to 20' },
      { field: 'params.extra', message: 'connection_down has no parameter extra (it has failures)' },
    ]);
    expect(paramProblems('high_error_rate', { threshold: 2 })).toEqual([{ field: 'params.threshold', message: 'params.threshold must be a number from 0.01 to 1' }]);
    expect(paramProblems('circuit_open', { x: 1 })).toEqual([{ field: 'params.x', message: 'circuit_open has no parameter x' }]);
  });
});
