import { notFound, preconditionFailed, RegistryError } from '../errors/registry-errors';

/** What every conditional write of a versioned resource (tenant, device, credential set) can report. */
export type VersionedWriteOutcome = { outcome: 'ok'; version: string } | { outcome: 'missing' } | { outcome: 'version-mismatch' };

/**
 * The one mapping of a write's outcome to HTTP: `ok` gives the new version (the ETag), `missing` is a
 * 404 naming the resource, `version-mismatch` a 412 (If-Match). A resource's own outcomes (taken
 * aliases and auth-ids, an existing id) go through `otherwise`, which names the error to throw.
 */
export function writtenVersion<Outcome extends { outcome: string }>(
  result: Outcome,
  resource: string,
  otherwise?: (outcome: Exclude<Outcome, { outcome: VersionedWriteOutcome['outcome'] }>) => RegistryError,
): string {
  const outcome = result as unknown as VersionedWriteOutcome;
  switch (outcome.outcome) {
    case 'ok':
      return outcome.version;
    case 'missing':
      throw notFound(`${resource} not found`);
    case 'version-mismatch':
      throw preconditionFailed();
  }
  if (otherwise) throw otherwise(result as Exclude<Outcome, { outcome: VersionedWriteOutcome['outcome'] }>);
  throw new Error(`unexpected write outcome ${result.outcome} for ${resource}`);
}
