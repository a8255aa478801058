import { DynamicModule, Module, OnApplicationShutdown } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { SECRET_KEY, SurfaceExceptionFilter } from '@app/common';
import { AdapterApiModule } from '@app/adapter-api';
import { AuthModule } from '@app/auth';
import { CredentialsModule } from '@app/credentials';
import { DatabaseModule } from '@app/database';
import { DevicesModule } from '@app/devices';
import { PeeringModule } from '@app/peering';
import { TenantsModule } from '@app/tenants';
import { REGISTRY_CONFIG, RegistryConfig } from './config/config';
import { dataSourceOptions } from './database/data-source';
import { ObservabilityModule } from './observability/observability.module';

export interface RegistryRuntime {
  config: RegistryConfig;
  /** The database actually used: DATABASE_URL or the embedded server's. */
  databaseUrl: string;
  secretKey: string;
  /** Runs after the HTTP server and the pool are closed (stops the embedded PostgreSQL). */
  onShutdown?: () => Promise<void>;
  /** Where the JSON log lines go (stdout unless given; tests capture them). */
  logStream?: NodeJS.WritableStream;
}

/** Stops what the runtime started outside Nest, last, on SIGTERM or app.close(). */
class RuntimeShutdown implements OnApplicationShutdown {
  constructor(private readonly stop?: () => Promise<void>) {}
  async onApplicationShutdown(): Promise<void> {
    await this.stop?.();
  }
}

/** Wires the libraries together: configuration, database, observability, the three surfaces, and one error filter. */
@Module({})
export class RegistryModule {
  static forRoot(runtime: RegistryRuntime): DynamicModule {
    return {
      module: RegistryModule,
      global: true,
      imports: [
        DatabaseModule.forRoot(dataSourceOptions(runtime.databaseUrl), { preparedStatements: runtime.config.databasePreparedStatements }),
        ObservabilityModule,
        AuthModule,
        TenantsModule,
        DevicesModule,
        CredentialsModule,
        PeeringModule,
        AdapterApiModule,
      ],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: runtime.config },
        { provide: SECRET_KEY, useValue: runtime.secretKey },
        { provide: APP_FILTER, useClass: SurfaceExceptionFilter },
        { provide: RuntimeShutdown, useValue: new RuntimeShutdown(runtime.onShutdown) },
      ],
      exports: [REGISTRY_CONFIG, SECRET_KEY],
    };
  }
}
