import type { SyncRunView } from '../integrations/sync';
import { SyncProgress } from './sync-progress';

function stream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

function view(pagesDone: number, added: number, status: SyncRunView['status'] = 'running'): SyncRunView {
  return {
    id: 'run-1', connectionId: 'c', plugin: 'crm', entity: 'contacts', model: 'contact', mode: 'full', status, dryRun: false, force: false, trigger: 'cli',
    counts: { added, updated: 0, deleted: 0, unchanged: 0 }, pages: pagesDone, progress: { pagesDone, fetched: status !== 'running' }, resumes: 0,
    waits: { count: 0, totalMs: 0, rateLimited: 0, serverErrors: 0, network: 0 }, error: null, createdAt: new Date(), startedAt: new Date(), finishedAt: null, durationMs: 1500,
  };
}

describe('sync progress', () => {
  it('prints one plain line when a run starts and one when it ends, off a terminal', () => {
    const out = stream(false);
    const p = new SyncProgress(out);
    const line = p.add('acme crm crm/contacts');
    p.started(line, view(0, 0), null);
    p.updated(line, view(2, 200));
    p.finished(line, 'succeeded', view(3, 250, 'succeeded'));
    p.stop();
    expect(out.text).toBe('started    acme crm crm/contacts (run run-1, full)\nsucceeded  acme crm crm/contacts: +250 ~0 -0 =0 in 1.5s\n');
  });

  it('on a terminal, redraws a bar per run in place, sized by the previous run when known', () => {
    const out = stream(true);
    const p = new SyncProgress(out);
    const a = p.add('acme crm crm/contacts');
    const b = p.add('acme crm crm/deals');
    p.started(a, view(0, 0), 4);
    p.updated(a, view(2, 200));
    p.started(b, view(1, 100), null);
    p.stop();
    const frames = out.text.split('\x1b[2K');
    expect(frames[1]).toBe('[##########----------] acme crm crm/contacts  running  2/4 pages  +200 ~0 -0 =0  1.5s\n');
    expect(frames[2]).toMatch(/^\[ *#### *\] acme crm crm\/deals  running  1 pages  \+100 ~0 -0 =0  1\.5s\n$/);
    p.finished(a, 'succeeded', view(4, 400, 'succeeded'));
    p.stop();
    expect(out.text).toContain('\x1b[2A');
    expect(out.text.split('\x1b[2K').at(-2)).toBe(`[${'#'.repeat(20)}] acme crm crm/contacts  succeeded  4/4 pages  +400 ~0 -0 =0  1.5s\n`);
  });
});
