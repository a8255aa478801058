import { AuthModule } from '@app/auth';
import { REGISTRY_CONFIG, SECRET_KEY } from '@app/common';
import { CredentialsModule } from '@app/credentials';
import { DatabaseModule } from '@app/database';
import { DevicesModule } from '@app/devices';
import { TenantsModule } from '@app/tenants';
import { DynamicModule, Module } from '@nestjs/common';
import { RegistryConfig } from '../config/config';
import { dataSourceOptions } from '../database/data-source';

export interface CliRuntime {
  /** The configuration as the command sees it (no ADMIN_USERNAME bootstrap: that is the server's start). */
  config: RegistryConfig;
  databaseUrl: string;
  secretKey: string;
}

/**
 * The feature modules the commands work through, the same the server wires (RegistryModule), minus what
 * only a server needs: no HTTP server, no AMQP listener, no peering, no metrics. A command is no hot path:
 * a pool of two and unnamed statements, so it also works through a pooler.
 */
@Module({})
export class CliModule {
  static forRoot(runtime: CliRuntime): DynamicModule {
    return {
      module: CliModule,
      global: true,
      imports: [
        DatabaseModule.forRoot({ ...dataSourceOptions(runtime.databaseUrl), extra: { max: 2 } }, { preparedStatements: false }),
        AuthModule,
        TenantsModule,
        DevicesModule,
        CredentialsModule,
      ],
      providers: [
        { provide: REGISTRY_CONFIG, useValue: runtime.config },
        { provide: SECRET_KEY, useValue: runtime.secretKey },
      ],
      exports: [REGISTRY_CONFIG, SECRET_KEY],
    };
  }
}
