import { BatchedLookup } from './batched-lookup';

describe('BatchedLookup', () => {
  const recorder = () => {
    const runs: string[][] = [];
    const lookup = new BatchedLookup<{ group: string; key: string }, string>(
      (query) => query.group,
      async (queries) => {
        runs.push(queries.map((query) => `${query.group}/${query.key}`));
        return queries.map((query) => `value of ${query.key}`);
      },
    );
    return { runs, lookup };
  };

  it('runs the lookups of one turn once per group, and answers each with its own result', async () => {
    const { runs, lookup } = recorder();
    const answers = await Promise.all([
      lookup.load({ group: 'a', key: '1' }),
      lookup.load({ group: 'b', key: '2' }),
      lookup.load({ group: 'a', key: '3' }),
      lookup.load({ group: 'a', key: '1' }),
    ]);
    expect(answers).toEqual(['value of 1', 'value of 2', 'value of 3', 'value of 1']);
    expect(runs).toEqual([['a/1', 'a/3', 'a/1'], ['b/2']]);
  });

  it('lookups of a later turn go into a new batch', async () => {
    const { runs, lookup } = recorder();
    await lookup.load({ group: 'a', key: '1' });
    await lookup.load({ group: 'a', key: '2' });
    expect(runs).toEqual([['a/1'], ['a/2']]);
  });

  it('starts a full batch at once (128 lookups) and the rest in the next one', async () => {
    const { runs, lookup } = recorder();
    await Promise.all(Array.from({ length: 130 }, (_, i) => lookup.load({ group: 'a', key: String(i) })));
    expect(runs.map((run) => run.length)).toEqual([128, 2]);
  });

  it('a failed statement fails every lookup of its batch, and only those', async () => {
    const lookup = new BatchedLookup<string, string>(
      (query) => query,
      async ([query]) => {
        if (query === 'broken') throw new Error('database down');
        return [query];
      },
    );
    const [broken, again, fine] = await Promise.allSettled([lookup.load('broken'), lookup.load('broken'), lookup.load('fine')]);
    expect(broken).toEqual({ status: 'rejected', reason: new Error('database down') });
    expect(again.status).toBe('rejected');
    expect(fine).toEqual({ status: 'fulfilled', value: 'fine' });
  });
});
