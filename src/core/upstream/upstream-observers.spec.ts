import type { UpstreamCallEvent } from './upstream-client';
import { UpstreamObservers } from './upstream-observers';

describe('upstream observers', () => {
  const call: UpstreamCallEvent = { plugin: 'acme', connectionId: 'c1', method: 'GET', status: 200, durationMs: 12, attempt: 1 };

  it('hands every report to each observer that takes it, and removes one again', () => {
    const seen: string[] = [];
    const observers = new UpstreamObservers();
    observers.add({ onCall: (e) => void seen.push(`a:${e.status}`) });
    const remove = observers.add({ onCall: (e) => void seen.push(`b:${e.status}`), onRejected: (e) => void seen.push(`b:${e.reason}`) });
    observers.onCall(call);
    observers.onRejected({ plugin: 'acme', connectionId: 'c1', reason: 'circuit_open' });
    remove();
    observers.onCall(call);
    expect(seen).toEqual(['a:200', 'b:200', 'b:circuit_open', 'a:200']);
  });

  it('never lets a failing observer fail the call or the others', () => {
    const seen: number[] = [];
    const observers = new UpstreamObservers();
    observers.add({ onCall: () => { throw new Error('broken'); }, onRetryWait: () => { throw new Error('broken'); } });
    observers.add({ onCall: (e) => void seen.push(e.durationMs) });
    expect(() => observers.onCall(call)).not.toThrow();
    expect(() => observers.onRetryWait({ plugin: 'acme', connectionId: 'c1', waitMs: 5, reason: '5xx' })).not.toThrow();
    expect(seen).toEqual([12]);
  });
});
