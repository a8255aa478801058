import { configureHttp, errorResponseFor, sendError } from '@app/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, NestFastifyApplication } from '@nestjs/platform-fastify';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { createLogger, logRequests, NestPinoLogger, requestId } from './observability/logging';
import { Metrics } from './observability/metrics';
import { setupOpenApi } from './openapi';
import { RegistryModule, RegistryRuntime } from './registry.module';

/** Builds the whole service (not yet listening): used by main.ts and by the tests. */
export async function createRegistryApp(runtime: RegistryRuntime): Promise<NestFastifyApplication> {
  const adapter = new FastifyAdapter({
    bodyLimit: runtime.config.maxBodyBytes,
    genReqId: requestId,
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 1024 },
    return503OnClosing: true,
    // a malformed URL (`/v1/tenants/%ZZ`) is answered in the surface's own error format too
    frameworkErrors: (error: Error, request: FastifyRequest, reply: FastifyReply) => sendError(reply, errorResponseFor(error, request)),
    forceCloseConnections: 'idle',
    // X-Forwarded-For/-Proto are believed only from these peers (request.ip, request.protocol)
    trustProxy: runtime.config.trustProxy.length > 0 ? runtime.config.trustProxy : false,
  });
  const logger = createLogger(runtime.config.logLevel, runtime.logStream, runtime.config.logFormat);
  const app = await NestFactory.create<NestFastifyApplication>(RegistryModule.forRoot(runtime), adapter, {
    logger: new NestPinoLogger(logger),
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  configureHttp(fastify);
  logRequests(fastify, logger);
  app.get(Metrics).instrument(fastify);
  setupOpenApi(app);
  // Signals are handled by main.ts (graceful close, then exit 0); tests close the app themselves.
  return app;
}
