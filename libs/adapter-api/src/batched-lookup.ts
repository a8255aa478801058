/** At most this many lookups go into one statement. */
const MAX_BATCH = 128;

interface Waiting<Q, R> {
  queries: Q[];
  settle: Array<{ resolve: (result: R) => void; reject: (error: unknown) => void }>;
}

/**
 * Lookups asked for in one turn of the event loop, made with one statement per group (the requests that
 * arrived together on the adapters' connections): one round trip to PostgreSQL, one plan and one
 * index scan for many, instead of one of each per request. Every lookup still reads the database; the
 * wait is until the end of the current turn (setImmediate), not a timer.
 */
export class BatchedLookup<Q, R> {
  private readonly waiting = new Map<string, Waiting<Q, R>>();
  private scheduled = false;

  constructor(
    private readonly groupOf: (query: Q) => string,
    /** The results of one group's queries, in their order. */
    private readonly run: (queries: Q[]) => Promise<R[]>,
  ) {}

  load(query: Q): Promise<R> {
    return new Promise<R>((resolve, reject) => {
      const group = this.groupOf(query);
      let waiting = this.waiting.get(group);
      if (!waiting) this.waiting.set(group, (waiting = { queries: [], settle: [] }));
      waiting.queries.push(query);
      waiting.settle.push({ resolve, reject });
      if (waiting.queries.length >= MAX_BATCH) {
        this.waiting.delete(group);
        this.start(waiting);
      } else if (!this.scheduled) {
        this.scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  private flush(): void {
    this.scheduled = false;
    const batches = [...this.waiting.values()];
    this.waiting.clear();
    for (const batch of batches) this.start(batch);
  }

  private start({ queries, settle }: Waiting<Q, R>): void {
    this.run(queries).then(
      (results) => settle.forEach(({ resolve }, i) => resolve(results[i])),
      (error: unknown) => settle.forEach(({ reject }) => reject(error)),
    );
  }
}
