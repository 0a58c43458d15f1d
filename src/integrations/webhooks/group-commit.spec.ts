import { GroupCommit } from './group-commit';

describe('GroupCommit', () => {
  it('flushes a lone item at once, and batches what arrives while a flush is in flight', async () => {
    const batches: number[][] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const gc = new GroupCommit<number, number>(async (items) => {
      batches.push(items);
      if (batches.length === 1) await gate;
      return items.map((i) => i * 10);
    }, { maxBatch: 3, concurrency: 1 });
    const first = gc.submit(1);
    const rest = [2, 3, 4, 5].map((i) => gc.submit(i));
    expect(batches).toEqual([[1]]);
    release();
    expect(await Promise.all([first, ...rest])).toEqual([10, 20, 30, 40, 50]);
    expect(batches).toEqual([[1], [2, 3, 4], [5]]);
  });

  it('fails every item of a failed batch and keeps serving the next ones', async () => {
    let fail = true;
    const gc = new GroupCommit<string, string>(async (items) => {
      if (fail) throw new Error('database unreachable');
      return items;
    }, { maxBatch: 10, concurrency: 2 });
    await expect(gc.submit('a')).rejects.toThrow('database unreachable');
    fail = false;
    await expect(gc.submit('b')).resolves.toBe('b');
  });
});
