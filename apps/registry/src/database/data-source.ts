import { ApiTokenEntity, AuthThrottleEntity, OperatorKnownAddressEntity, SessionEntity, UserEntity, UserTenantEntity } from '@app/auth';
import { CredentialEntity } from '@app/credentials';
import { DeviceEntity } from '@app/devices';
import { PeerCallbackTokenEntity, PeerEntity } from '@app/peering';
import { TenantAliasEntity, TenantEntity, TenantTrustAnchorEntity } from '@app/tenants';
import { DataSource, DataSourceOptions, MigrationExecutor } from 'typeorm';
import { TenantsAndDevices1767225600000 } from './migrations/1767225600000-tenants-and-devices';
import { Operators1767225700000 } from './migrations/1767225700000-operators';
import { Credentials1767225800000 } from './migrations/1767225800000-credentials';
import { Peering1767225900000 } from './migrations/1767225900000-peering';
import { PeerFailedAttempts1767226000000 } from './migrations/1767226000000-peer-failed-attempts';
import { OperatorsHardened1767226100000 } from './migrations/1767226100000-operators-hardened';
import { AutoProvisionedDevices1767226200000 } from './migrations/1767226200000-auto-provisioned-devices';
import { DeviceStringSearch1767226230000 } from './migrations/1767226230000-device-string-search';
import { TenantAliases1767226240000 } from './migrations/1767226240000-tenant-aliases';
import { AuthChangeNotifications1767226250000 } from './migrations/1767226250000-auth-change-notifications';
import { CredentialsPrimaryKey1767226260000 } from './migrations/1767226260000-credentials-primary-key';

/** Migrations in the order they run. Never `synchronize`. */
export const MIGRATIONS = [
  TenantsAndDevices1767225600000,
  Operators1767225700000,
  Credentials1767225800000,
  Peering1767225900000,
  PeerFailedAttempts1767226000000,
  OperatorsHardened1767226100000,
  AutoProvisionedDevices1767226200000,
  DeviceStringSearch1767226230000,
  TenantAliases1767226240000,
  AuthChangeNotifications1767226250000,
  CredentialsPrimaryKey1767226260000,
];
export const ENTITIES = [
  TenantEntity,
  TenantAliasEntity,
  TenantTrustAnchorEntity,
  DeviceEntity,
  UserEntity,
  UserTenantEntity,
  ApiTokenEntity,
  SessionEntity,
  AuthThrottleEntity,
  OperatorKnownAddressEntity,
  CredentialEntity,
  PeerEntity,
  PeerCallbackTokenEntity,
];

export function dataSourceOptions(url: string): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: MIGRATIONS,
    migrationsRun: false,
    migrationsTransactionMode: 'all',
    synchronize: false,
    uuidExtension: 'pgcrypto',
    logging: false,
    extra: { max: 10, connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 },
  };
}

/** Key of the advisory lock that serialises migrations (any constant, the same for every instance). */
export const MIGRATION_LOCK_KEY = 7_305_946_214;

/**
 * Applies pending migrations; used at start, by `npm run cli -- migrate` and by the test setup.
 * Replicas starting together take turns: one transaction takes a transaction-scoped advisory lock,
 * then reads what is applied and applies the rest; the others wait for the lock and then find nothing
 * left to do. Transaction-scoped, so it also holds through a pooler in transaction mode (pgbouncer).
 */
export async function migrate(url: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url));
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  try {
    await runner.connect();
    await runner.startTransaction();
    try {
      await runner.query('SELECT pg_advisory_xact_lock($1)', [MIGRATION_LOCK_KEY]);
      const executor = new MigrationExecutor(dataSource, runner);
      executor.transaction = 'all';
      const applied = await executor.executePendingMigrations();
      await runner.commitTransaction();
      return applied.map((migration) => migration.name);
    } catch (error) {
      if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
      throw error;
    }
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}
