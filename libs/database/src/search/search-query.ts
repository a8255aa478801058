import { badRequest, hasUnstorableText, jsonDepth, MAX_JSON_DEPTH } from '@app/common';

/**
 * Hono's search parameters (pageSize, pageOffset as a page index, filterJson, sortJson) turned into
 * one SQL statement over a table that keeps each resource's JSON in `body`.
 */
export interface SearchParameters {
  pageSize: number;
  pageOffset: number;
  filters: Filter[];
  sorts: Sort[];
}

export interface Filter {
  pointer: string[];
  value: unknown;
}

export interface Sort {
  pointer: string[];
  direction: 'asc' | 'desc';
}

/** How a searchable table maps JSON pointers that are columns rather than parts of `body`. */
export interface SearchableTable {
  table: string;
  /** Column that restricts the search to one tenant, when the table has one. */
  scopeColumn?: string;
  /** JSON pointer (as a string, e.g. "/status/created") → SQL column. */
  columns: Record<string, { column: string; type: 'text' | 'timestamp' }>;
  /** The table has a trigram index over `registry_string_leaves(body)` that wildcard filters narrow with. */
  stringLeavesIndexed?: boolean;
}

const DEFAULT_PAGE_SIZE = 30;
const MAX_PAGE_SIZE = 200;
const MAX_FILTERS = 20;

function single(name: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    if (value.length !== 1) throw badRequest(`${name} must be given at most once`);
    value = value[0];
  }
  if (typeof value !== 'string') throw badRequest(`${name} is malformed`);
  return value;
}

function integer(name: string, value: unknown, fallback: number, min: number, max: number): number {
  const raw = single(name, value);
  if (raw === undefined) return fallback;
  if (!/^\d{1,9}$/.test(raw)) throw badRequest(`${name} must be an integer between ${min} and ${max}`);
  const parsed = Number(raw);
  if (parsed < min || parsed > max) throw badRequest(`${name} must be an integer between ${min} and ${max}`);
  return parsed;
}

function list(value: unknown): string[] {
  if (value === undefined) return [];
  const values = Array.isArray(value) ? value : [value];
  if (values.some((v) => typeof v !== 'string')) throw badRequest('search parameters must be strings');
  return values as string[];
}

/** RFC 6901: "" is the whole document (not a field), "/a~1b/c" → ["a/b", "c"]. */
export function parsePointer(pointer: unknown, parameter: string): string[] {
  if (typeof pointer !== 'string' || !pointer.startsWith('/') || pointer.length < 2) {
    throw badRequest(`${parameter}: field must be a JSON pointer such as "/ext/brand"`);
  }
  if (hasUnstorableText(pointer)) throw badRequest(`${parameter}: field must not contain NUL characters or unpaired surrogates`);
  const parts = pointer.slice(1).split('/');
  if (parts.some((part) => part === '' || /~[^01]|~$/.test(part))) {
    throw badRequest(`${parameter}: field "${pointer}" is not a valid JSON pointer`);
  }
  return parts.map((part) => part.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function parseJsonObject(raw: string, parameter: string): Record<string, unknown> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(raw);
  } catch {
    throw badRequest(`${parameter} is not valid JSON`);
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw badRequest(`${parameter} must be a JSON object`);
  }
  if (jsonDepth(parsed) > MAX_JSON_DEPTH) throw badRequest(`${parameter} is nested deeper than ${MAX_JSON_DEPTH} levels`);
  return parsed as Record<string, unknown>;
}

export function parseSearchParameters(query: Record<string, unknown>, allowed: string[] = []): SearchParameters {
  const known = new Set(['pageSize', 'pageOffset', 'filterJson', 'sortJson', ...allowed]);
  for (const name of Object.keys(query)) {
    if (!known.has(name)) throw badRequest(`unknown search parameter "${name}"`);
  }
  const filters = list(query.filterJson).map((raw) => {
    const filter = parseJsonObject(raw, 'filterJson');
    for (const key of Object.keys(filter)) {
      if (!['field', 'op', 'value'].includes(key)) throw badRequest(`filterJson: unknown property "${key}"`);
    }
    if (filter.op !== undefined && filter.op !== 'eq') throw badRequest('filterJson: op must be "eq"');
    if (!('value' in filter)) throw badRequest('filterJson: value is required');
    if (hasUnstorableText(filter.value)) throw badRequest('filterJson: value must not contain NUL characters or unpaired surrogates');
    return { pointer: parsePointer(filter.field, 'filterJson'), value: filter.value };
  });
  if (filters.length > MAX_FILTERS) throw badRequest(`at most ${MAX_FILTERS} filters are allowed`);
  const sorts = list(query.sortJson).map((raw) => {
    const sort = parseJsonObject(raw, 'sortJson');
    for (const key of Object.keys(sort)) {
      if (!['field', 'direction'].includes(key)) throw badRequest(`sortJson: unknown property "${key}"`);
    }
    const direction = sort.direction ?? 'asc';
    if (direction !== 'asc' && direction !== 'desc') throw badRequest('sortJson: direction must be "asc" or "desc"');
    return { pointer: parsePointer(sort.field, 'sortJson'), direction: direction as 'asc' | 'desc' };
  });
  if (sorts.length > MAX_FILTERS) throw badRequest(`at most ${MAX_FILTERS} sort fields are allowed`);
  return {
    pageSize: integer('pageSize', query.pageSize, DEFAULT_PAGE_SIZE, 1, MAX_PAGE_SIZE),
    pageOffset: integer('pageOffset', query.pageOffset, 0, 0, 100_000_000),
    filters,
    sorts,
  };
}

/** A `*`/`?` pattern as a LIKE pattern in which every other character is literal. */
export function wildcardToLike(pattern: string): string {
  return pattern.replace(/[\\%_]/g, (c) => `\\${c}`).replace(/\*/g, '%').replace(/\?/g, '_');
}

const hasWildcard = (value: unknown): value is string => typeof value === 'string' && /[*?]/.test(value);

/** Characters that JSON text escapes (`"`, backslash, controls): in the text of a JSON string they are not themselves. */
const ESCAPED_IN_JSON = /["\\\u0000-\u001f]/;

/**
 * A LIKE pattern over `registry_string_leaves(body)` (the JSON array text of the body's strings) that
 * every string matching `pattern` satisfies: the string's text lies between quotes, its literal runs
 * appear verbatim. Wildcards and characters JSON escapes become `%`, so it is a necessary condition only;
 * the exact test on the value at the pointer follows it. Undefined when it would give a trigram index
 * nothing to search with (no three letters or digits in a row, none next to the quotes): the index
 * would then return every row, and a scan is cheaper.
 */
export function stringLeavesLike(pattern: string): string | undefined {
  const runs = pattern.replace(/[*?]/g, ' ').replace(new RegExp(ESCAPED_IN_JSON.source, 'g'), ' ');
  if (!/[\p{L}\p{N}]{3}/u.test(runs) && !/^[\p{L}\p{N}]|[\p{L}\p{N}]$/u.test(pattern)) return undefined;
  let like = '%"';
  for (const c of pattern) {
    const piece = c === '*' || c === '?' || ESCAPED_IN_JSON.test(c) ? '%' : c === '%' || c === '_' ? `\\${c}` : c;
    if (piece !== '%' || !like.endsWith('%') || like.endsWith('\\%')) like += piece;
  }
  return `${like}"%`;
}

/** Builds `{a: {b: value}}` for pointer ["a","b"]: containment that the GIN index answers. */
function nest(pointer: string[], value: unknown): unknown {
  return pointer.reduceRight<unknown>((inner, key) => ({ [key]: inner }), value);
}

export class SqlParams {
  readonly values: unknown[] = [];
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
}

/** The WHERE conditions for the filters, added to `params`. */
export function filterConditions(table: SearchableTable, filters: Filter[], params: SqlParams, alias = 't'): string[] {
  return filters.map(({ pointer, value }) => {
    const column = table.columns[`/${pointer.join('/')}`];
    if (column) {
      if (typeof value !== 'string') return 'false';
      if (column.type === 'timestamp') {
        if (hasWildcard(value)) {
          return `to_char(${alias}.${column.column} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"') LIKE ${params.add(wildcardToLike(value))}`;
        }
        const time = Date.parse(value);
        return Number.isNaN(time) ? 'false' : `${alias}.${column.column} = ${params.add(new Date(time).toISOString())}::timestamptz`;
      }
      return hasWildcard(value)
        ? `${alias}.${column.column} LIKE ${params.add(wildcardToLike(value))}`
        : `${alias}.${column.column} = ${params.add(value)}`;
    }
    const path = params.add(pointer);
    if (hasWildcard(value)) {
      const exact = `jsonb_typeof(${alias}.body #> ${path}::text[]) = 'string' AND ${alias}.body #>> ${path}::text[] LIKE ${params.add(wildcardToLike(value))}`;
      const narrowing = table.stringLeavesIndexed ? stringLeavesLike(value) : undefined;
      // The trigram index finds the candidates; the exact test on the value at the pointer decides.
      return narrowing === undefined ? exact : `registry_string_leaves(${alias}.body) LIKE ${params.add(narrowing)} AND ${exact}`;
    }
    const exact = `${alias}.body #> ${path}::text[] = ${params.add(JSON.stringify(value))}::jsonb`;
    // A numeric segment may be an array index ("/via/0"), which containment cannot express.
    if (pointer.some((part) => /^\d+$/.test(part))) return exact;
    // Containment narrows through the index; the exact comparison keeps equality typed and whole-valued.
    return `${alias}.body @> ${params.add(JSON.stringify(nest(pointer, value)))}::jsonb AND ${exact}`;
  });
}

export function orderBy(table: SearchableTable, sorts: Sort[], params: SqlParams, alias = 't'): string {
  const terms = sorts.map(({ pointer, direction }) => {
    const column = table.columns[`/${pointer.join('/')}`];
    if (column) return `${alias}.${column.column} ${direction === 'asc' ? 'ASC' : 'DESC'}`;
    return `${alias}.body #> ${params.add(pointer)}::text[] ${direction === 'asc' ? 'ASC NULLS LAST' : 'DESC NULLS LAST'}`;
  });
  if (!sorts.some(({ pointer }) => pointer.length === 1 && pointer[0] === 'id')) terms.push(`${alias}.id ASC`);
  return terms.join(', ');
}
