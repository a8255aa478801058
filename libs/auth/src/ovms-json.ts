/** JSON as the OVMS server writes it: keys sorted (JSON::XS canonical) and a trailing newline. */
export function ovmsJson(value: unknown): string {
  return `${JSON.stringify(value, (_key, v) =>
    v && typeof v === 'object' && !Array.isArray(v) ? Object.fromEntries(Object.entries(v).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) : v,
  )}\n`;
}

/** OVMS's timestamps: `YYYY-MM-DD hh:mm:ss`, UTC. */
export function ovmsTime(date: Date | string | null): string | null {
  return date === null ? null : new Date(date).toISOString().slice(0, 19).replace('T', ' ');
}

export const OVMS_JSON_TYPE = 'application/json; charset=utf-8';
export const OVMS_TEXT_TYPE = 'text/plain; charset=utf-8';
