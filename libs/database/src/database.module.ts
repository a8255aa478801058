import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { Database } from './database.service';
import { PgNotifications } from './notifications/pg-notifications';
import { RegistryEvents } from './notifications/registry-events';

/** The TypeORM connection (migrations, entities), the raw-SQL `Database` on its pool, and LISTEN/NOTIFY between instances. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DataSourceOptions): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...options, retryAttempts: 0, manualInitialization: false })],
      providers: [Database, PgNotifications, RegistryEvents],
      exports: [Database, PgNotifications, RegistryEvents],
    };
  }
}
