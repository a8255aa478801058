/**
 * Usernames are compared the way Unicode recommends for identifiers (UAX #31 caseless matching): NFKC,
 * then full case folding, then NFKC again. `ｒoss` (fullwidth), `roſſ` (long s), `ROSS` and `ross` are
 * one name. Upper-casing the lower-cased text and lower-casing it again gives the full folds that plain
 * `toLowerCase` misses (`ß`/`ẞ` → `ss`, final sigma), without a table of our own.
 */
export const foldUsername = (username: string): string =>
  // ASCII (nearly every login, on every request) folds to its lower case: skip the Unicode work
  ASCII.test(username) ? username.toLowerCase() : username.normalize('NFKC').toLowerCase().toUpperCase().toLowerCase().normalize('NFKC');

const ASCII = /^[\x00-\x7f]*$/;

/**
 * Scripts a username's letters are told apart by. Letters of scripts not listed count as one more
 * script, so they cannot be mixed with a listed one either.
 */
const SCRIPTS = [
  'Latin', 'Greek', 'Cyrillic', 'Armenian', 'Georgian', 'Cherokee', 'Coptic', 'Hebrew', 'Arabic', 'Syriac', 'Thaana',
  'Devanagari', 'Bengali', 'Gurmukhi', 'Gujarati', 'Oriya', 'Tamil', 'Telugu', 'Kannada', 'Malayalam', 'Sinhala',
  'Thai', 'Lao', 'Tibetan', 'Myanmar', 'Khmer', 'Mongolian', 'Ethiopic', 'Hangul', 'Hiragana', 'Katakana', 'Bopomofo', 'Han',
].map((name) => [name, new RegExp(`^\\p{Script=${name}}$`, 'u')] as const);

/** Mixtures that are ordinary writing, not look-alikes (UTS #39 "highly restrictive"): Japanese, Chinese, Korean with Latin. */
const ALLOWED_MIXTURES = [
  ['Latin', 'Han', 'Hiragana', 'Katakana'],
  ['Latin', 'Han', 'Bopomofo'],
  ['Latin', 'Han', 'Hangul'],
];

function scriptOf(letter: string): string {
  return SCRIPTS.find(([, pattern]) => pattern.test(letter))?.[0] ?? 'other';
}

/**
 * Whether the name's letters come from scripts that do not belong together, such as Latin with a
 * Greek or Cyrillic look-alike (`rοss` with a Greek omicron). Digits, punctuation and combining marks
 * belong to every script.
 */
export function mixesScripts(username: string): boolean {
  const scripts = new Set<string>();
  for (const letter of username.normalize('NFKC').match(/\p{L}/gu) ?? []) scripts.add(scriptOf(letter));
  if (scripts.size <= 1) return false;
  return !ALLOWED_MIXTURES.some((allowed) => [...scripts].every((script) => allowed.includes(script)));
}
