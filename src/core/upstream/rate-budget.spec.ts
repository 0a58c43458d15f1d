import { InMemoryRateBudget } from './rate-budget';

describe('the in-memory rate budget (one process)', () => {
  let now = Date.parse('2026-03-01T23:59:50Z');
  const budget = new InMemoryRateBudget(() => now);
  const limits = { requests: 3, windowMs: 1000 };

  it('grants the window, then says when the oldest grant leaves it', async () => {
    for (let i = 0; i < 3; i++) {
      expect(await budget.take('p:c1', limits)).toEqual({ kind: 'granted' });
      now += 100;
    }
    expect(await budget.take('p:c1', limits)).toEqual({ kind: 'wait', waitMs: 700, reason: 'budget' });
    now += 700;
    expect(await budget.take('p:c1', limits)).toEqual({ kind: 'granted' });
    // another connection has its own window
    expect(await budget.take('p:c2', limits)).toEqual({ kind: 'granted' });
  });

  it('holds a connection, keeping the longer of two holds', async () => {
    await budget.hold('p:c3', 500);
    await budget.hold('p:c3', 200);
    expect(await budget.take('p:c3', null)).toEqual({ kind: 'wait', waitMs: 500, reason: 'hold' });
    now += 500;
    expect(await budget.take('p:c3', null)).toEqual({ kind: 'granted' });
  });

  it('holds until the window frees, or a whole window when nothing was granted in it', async () => {
    expect(await budget.take('p:c5', limits)).toEqual({ kind: 'granted' });
    now += 300;
    await budget.hold('p:c5', { windowFrees: 1000 });
    expect(await budget.take('p:c5', limits)).toEqual({ kind: 'wait', waitMs: 700, reason: 'hold' });
    await budget.hold('p:c6', { windowFrees: 1000 });
    expect(await budget.take('p:c6', limits)).toEqual({ kind: 'wait', waitMs: 1000, reason: 'hold' });
    now += 1000;
  });

  it('counts a daily quota per UTC day', async () => {
    const quota = { requests: 100, windowMs: 1000, dailyQuota: 2 };
    expect(await budget.take('p:c4', quota)).toEqual({ kind: 'granted' });
    expect(await budget.take('p:c4', quota)).toEqual({ kind: 'granted' });
    const midnight = Date.parse('2026-03-02T00:00:00Z');
    expect(await budget.take('p:c4', quota)).toEqual({ kind: 'exhausted', resumeAt: midnight });
    now = midnight + 1;
    expect(await budget.take('p:c4', quota)).toEqual({ kind: 'granted' });
  });
});
