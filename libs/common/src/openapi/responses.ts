import { Type } from '@nestjs/common';
import { ApiProperty, getSchemaPath } from '@nestjs/swagger';

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
