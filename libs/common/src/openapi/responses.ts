import { applyDecorators, Type } from '@nestjs/common';
import { ApiHeader, ApiProperty, ApiQuery, getSchemaPath } from '@nestjs/swagger';

/** The body of a 201 under /v1: the id of what was created (also in the Location header). */
export class CreatedDto {
  @ApiProperty({ example: 'acme', description: 'the id of the new resource (given or generated)' })
  id: string;
}

/** Hono's search result: `{"total": N, "result": [...]}`, each entry the resource with its id. */
export function searchResultSchema(model: Type<unknown>) {
  return {
    type: 'object',
    required: ['total', 'result'],
    properties: {
      total: { type: 'integer', description: 'all matches, not only this page' },
      result: {
        type: 'array',
        items: { allOf: [{ type: 'object', required: ['id'], properties: { id: { type: 'string' } } }, { $ref: getSchemaPath(model) }] },
      },
    },
  };
}

/** The If-Match header of a conditional write (read with `@IfMatchVersions()`). */
export const ApiIfMatch = () => ApiHeader({ name: 'If-Match', required: false, description: 'the ETag of the version to replace; * for any' });

/** The query parameters of Hono's searches, with an example filter and sort of the resource (listed as the document lists them). */
export const ApiSearchParameters = (examples: { filter: string; sort: string }) =>
  applyDecorators(
    ApiQuery({ name: 'sortJson', required: false, isArray: true, type: String, example: [examples.sort] }),
    ApiQuery({ name: 'filterJson', required: false, isArray: true, type: String, example: [examples.filter] }),
    ApiQuery({ name: 'pageOffset', required: false, type: Number, description: 'page index (skips pageOffset × pageSize)' }),
    ApiQuery({ name: 'pageSize', required: false, type: Number, description: '1..200, default 30' }),
  );
