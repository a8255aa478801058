export * from './database.module';
export * from './database.service';
export * from './pg-errors';
export * from './embedded-postgres';
export * from './wait-for-database';
export * from './search/search-query';
export * from './notifications/pg-notifications';
export * from './notifications/registry-events';
