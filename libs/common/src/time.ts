/** Hono's timestamps: UTC at second precision, `2026-01-02T03:04:05Z`. */
export function formatTimestamp(date: Date | string): string {
  return new Date(date).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * `formatTimestamp` in SQL, for reads that hand a timestamp column straight to the wire: PostgreSQL prints it,
 * and the hot path neither parses a Date nor prints one per row (time.spec.ts checks both give the same text).
 */
export const timestampText = (column: string): string => `to_char(${column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`;

/** RFC 3339 with an explicit offset (`Z` or `±hh:mm`), as Hono requires for dates in bodies. */
export const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

const DAYS_IN_MONTH = [31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];

/** Field ranges as RFC 3339 has them (Date.parse would roll 2019-02-30 over to March and accept 24:00). */
function inRange(value: string): boolean {
  const [year, month, day, hour, minute, second] = value.match(/\d+/g)!.slice(0, 6).map(Number);
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 && !leap ? 28 : DAYS_IN_MONTH[month - 1];
  const offset = /([+-])(\d{2}):(\d{2})$/.exec(value);
  return (
    month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59 && second <= 59 &&
    (offset === null || (Number(offset[2]) <= 23 && Number(offset[3]) <= 59))
  );
}

export function isRfc3339(value: unknown): value is string {
  return typeof value === 'string' && RFC3339.test(value) && inRange(value) && !Number.isNaN(Date.parse(value));
}
