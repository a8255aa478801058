import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { Database, DATABASE_SETTINGS, DatabaseSettings } from './database.service';
import { PgNotifications } from './notifications/pg-notifications';
import { RegistryEvents } from './notifications/registry-events';

/** The TypeORM connection (migrations, entities), the raw-SQL `Database` on its pool, and LISTEN/NOTIFY between instances. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DataSourceOptions, settings: DatabaseSettings = { preparedStatements: true }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...options, retryAttempts: 0, manualInitialization: false })],
      providers: [Database, { provide: DATABASE_SETTINGS, useValue: settings }, PgNotifications, RegistryEvents],
      exports: [Database, PgNotifications, RegistryEvents],
    };
  }
}
