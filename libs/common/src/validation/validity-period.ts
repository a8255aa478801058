import { badRequest } from '../errors/registry-errors';

/**
 * A secret's or trust anchor's validity: `not-before` must not be after `not-after` (either may be
 * absent; both are RFC 3339 date-times by then).
 */
export function checkValidityPeriod(entry: Record<string, unknown>, where: string): void {
  const notBefore = entry['not-before'];
  const notAfter = entry['not-after'];
  if (typeof notBefore === 'string' && typeof notAfter === 'string' && Date.parse(notBefore) > Date.parse(notAfter)) {
    throw badRequest(`${where}: not-before must not be after not-after`);
  }
}
