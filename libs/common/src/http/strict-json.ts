import { badRequest } from '../errors/registry-errors';

const UTF8 = new TextDecoder('utf-8', { fatal: true });

function isNumberChar(code: number): boolean {
  // 0-9 . + - e E
  return (code >= 0x30 && code <= 0x39) || code === 0x2e || code === 0x2b || code === 0x2d || code === 0x65 || code === 0x45;
}

/** A number literal JSON.parse would change: beyond a double's range (→ Infinity, stored as null) or below it (→ 0). */
function numberProblem(literal: string): string | undefined {
  const value = Number(literal);
  if (!Number.isFinite(value)) return `number ${literal.slice(0, 40)} is out of range`;
  if (value === 0 && /[1-9]/.test(literal.split(/[eE]/, 1)[0])) return `number ${literal.slice(0, 40)} is too small to be represented`;
  return undefined;
}

/**
 * What JSON.parse accepts silently but would not keep as sent: duplicate keys (the last would win) and
 * numbers out of a double's range. `text` must already be valid JSON, so one pass over it needs to
 * tell only strings, numbers and brackets apart.
 */
export function strictJsonProblem(text: string): string | undefined {
  const objects: Array<Set<string> | null> = []; // null: an array
  let expectKey = false;
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    if (code === 0x22) {
      const start = i;
      let escaped = false;
      for (i++; text.charCodeAt(i) !== 0x22; i++) {
        if (text.charCodeAt(i) === 0x5c) {
          escaped = true;
          i++;
        }
      }
      if (expectKey) {
        const key = escaped ? (JSON.parse(text.slice(start, i + 1)) as string) : text.slice(start + 1, i);
        const keys = objects[objects.length - 1]!;
        if (keys.has(key)) return `duplicate key "${key.slice(0, 100)}"`;
        keys.add(key);
        expectKey = false;
      }
    } else if (code === 0x7b) {
      objects.push(new Set());
      expectKey = true;
    } else if (code === 0x5b) {
      objects.push(null);
    } else if (code === 0x7d || code === 0x5d) {
      objects.pop();
    } else if (code === 0x2c) {
      expectKey = objects[objects.length - 1] !== null;
    } else if (code === 0x2d || (code >= 0x30 && code <= 0x39)) {
      const start = i;
      while (i + 1 < text.length && isNumberChar(text.charCodeAt(i + 1))) i++;
      const problem = numberProblem(text.slice(start, i + 1));
      if (problem) return problem;
    }
  }
  return undefined;
}

/**
 * A JSON request body exactly as sent, or a 400: the bytes must be UTF-8 (no silent U+FFFD), the text
 * valid JSON, without duplicate keys or numbers a double cannot hold. Whitespace only is "no body".
 */
export function parseStrictJson(body: Buffer): unknown {
  let text: string;
  try {
    text = UTF8.decode(body);
  } catch {
    throw badRequest('request body is not valid UTF-8');
  }
  if (text.trim() === '') return undefined;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest('request body is not valid JSON');
  }
  const problem = strictJsonProblem(text);
  if (problem) throw badRequest(`request body: ${problem}`);
  return value;
}
