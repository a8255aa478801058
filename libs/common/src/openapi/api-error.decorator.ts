import { ApiResponse, ApiResponseOptions } from '@nestjs/swagger';

/** Where an error's example message waits until the OpenAPI document renders it in its surface's format. */
export const ERROR_MESSAGE_EXTENSION = 'x-error-message';

/**
 * Documents an error answer of a route by its message, as the service raises it. The body is rendered when
 * the document is built (apps/registry/src/openapi.ts), by the same function that renders real errors, so the
 * example is the one a client gets: `{"error": …}` under /v1, OVMS's text or JSON under /api, the OCPI envelope.
 */
export function ApiError(status: number, description: string, message: string) {
  return ApiResponse({ status, description, [ERROR_MESSAGE_EXTENSION]: message } as ApiResponseOptions);
}
