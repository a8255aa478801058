import { DynamicModule, Global, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { DataSourceOptions } from 'typeorm';
import { Database, DATABASE_SETTINGS, DatabaseSettings } from './database.service';

/** The TypeORM connection (migrations, entities) and the raw-SQL `Database` on its pool. */
@Global()
@Module({})
export class DatabaseModule {
  static forRoot(options: DataSourceOptions, settings: DatabaseSettings = { preparedStatements: true }): DynamicModule {
    return {
      module: DatabaseModule,
      imports: [TypeOrmModule.forRoot({ ...options, retryAttempts: 0, manualInitialization: false })],
      providers: [Database, { provide: DATABASE_SETTINGS, useValue: settings }],
      exports: [Database],
    };
  }
}
