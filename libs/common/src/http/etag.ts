import { createParamDecorator, ExecutionContext } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { JSON_TYPE } from './json-type';

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

/** The versions a conditional write may replace, from the request's If-Match header (null for any). */
export const IfMatchVersions = createParamDecorator((_data: unknown, context: ExecutionContext): string[] | null =>
  expectedVersions(parseIfMatch(context.switchToHttp().getRequest<FastifyRequest>().headers['if-match'])),
);

/** Answers with a resource's stored JSON text as it is, and its version as the ETag. */
export function versionedJson(reply: FastifyReply, resource: { json: string; version: string }): string {
  reply.header('etag', formatEtag(resource.version)).header('content-type', JSON_TYPE);
  return resource.json;
}
