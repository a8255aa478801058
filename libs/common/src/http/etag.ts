/**
 * `If-Match` as Hono accepts it: absent → unconditional, `*` → any version of an existing resource,
 * otherwise one or more entity tags, quoted or not (a weak `W/` prefix is ignored).
 */
export type VersionCondition = { kind: 'any' } | { kind: 'one-of'; versions: string[] };

export function parseIfMatch(header: string | string[] | undefined): VersionCondition {
  const raw = Array.isArray(header) ? header.join(',') : header;
  if (raw === undefined || raw.trim() === '' || raw.trim() === '*') return { kind: 'any' };
  const versions = raw
    .split(',')
    .map((tag) => tag.trim().replace(/^W\//, '').replace(/^"(.*)"$/, '$1'))
    .filter((tag) => tag !== '');
  return versions.length === 0 ? { kind: 'any' } : { kind: 'one-of', versions };
}

/** The versions a conditional write may replace, or null for "any". */
export function expectedVersions(condition: VersionCondition): string[] | null {
  return condition.kind === 'any' ? null : condition.versions;
}

export const formatEtag = (version: string): string => `"${version}"`;
