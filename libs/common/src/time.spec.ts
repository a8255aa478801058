import { Client } from 'pg';
import { connect, createTestDatabase } from '../../../test/setup/test-database';
import { formatTimestamp, timestampText } from './time';

/** The two printers of Hono's timestamps, PostgreSQL's (hot reads) and JavaScript's (everything else), agree. */
describe('timestampText', () => {
  let db: Client;
  beforeAll(async () => {
    db = await connect(await createTestDatabase());
    // a session time zone far from UTC: the text must not follow it
    await db.query(`SET TIME ZONE 'Pacific/Kiritimati'`);
  });
  afterAll(() => db.end());

  it.each(['2026-01-02T03:04:05Z', '2026-12-31T23:59:59.999Z', '2024-02-29T00:00:00.5+13:00', '1999-07-01T12:30:00-09:30', '2026-06-15T08:00:00.123456Z'])(
    'prints %s as formatTimestamp does',
    async (input) => {
      const { rows } = await db.query<{ text: string; at: Date }>(`SELECT ${timestampText('v')} AS text, v AS at FROM (SELECT $1::timestamptz AS v) s`, [input]);
      expect(rows[0].text).toBe(formatTimestamp(rows[0].at));
      expect(rows[0].text).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/);
    },
  );

  it('prints NULL as NULL', async () => {
    const { rows } = await db.query(`SELECT ${timestampText('NULL::timestamptz')} AS text`);
    expect(rows[0].text).toBeNull();
  });
});
