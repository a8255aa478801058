import { Right, RIGHTS } from './rights';

/**
 * A permit as OVMS reads it: `*` (only as the whole string) grants everything; otherwise a
 * case-insensitive comma list of rights, no wildcards. Every valid credential holds `auth`; `none`
 * or an empty permit authenticates nothing.
 */
export class Permit {
  private constructor(
    readonly text: string,
    private readonly rights: ReadonlySet<string> | 'all',
  ) {}

  static parse(text: string): Permit {
    const trimmed = text.trim();
    if (trimmed === '*') return new Permit(trimmed, 'all');
    const rights = new Set(
      trimmed
        .split(',')
        .map((right) => right.trim().toLowerCase())
        .filter((right) => right !== ''),
    );
    return new Permit(trimmed, rights);
  }

  static readonly ALL = Permit.parse('*');

  get isAll(): boolean {
    return this.rights === 'all';
  }

  /** `none` or nothing at all: such a credential does not authenticate. */
  get authenticatesNothing(): boolean {
    return this.rights !== 'all' && (this.rights.size === 0 || (this.rights.size === 1 && this.rights.has('none')));
  }

  has(right: Right): boolean {
    if (this.rights === 'all') return true;
    if (this.authenticatesNothing) return false;
    return right === 'auth' || this.rights.has(right);
  }

  /** The rights named that are not in the catalogue, for a 400 naming them. */
  unknownRights(): string[] {
    if (this.rights === 'all') return [];
    return [...this.rights].filter((right) => !(RIGHTS as readonly string[]).includes(right));
  }

  /** The rights of `rights` this permit names one by one (`*` names none). */
  names(rights: Iterable<Right>): Right[] {
    if (this.rights === 'all') return [];
    const mine = this.rights;
    return [...rights].filter((right) => mine.has(right));
  }

  /** Whether a credential with this permit may mint a token with `requested` (no escalation). */
  covers(requested: Permit): boolean {
    if (this.rights === 'all') return true;
    if (requested.rights === 'all') return false;
    const mine = this.rights;
    return [...requested.rights].every((right) => right === 'auth' || mine.has(right));
  }
}
