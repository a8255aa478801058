import { ApiTokenEntity, SessionEntity, UserEntity, UserTenantEntity } from '@app/auth';
import { CredentialEntity } from '@app/credentials';
import { DeviceEntity } from '@app/devices';
import { PeerCallbackTokenEntity, PeerEntity } from '@app/peering';
import { TenantEntity, TenantTrustAnchorEntity } from '@app/tenants';
import { DataSource, DataSourceOptions } from 'typeorm';
import { TenantsAndDevices1767225600000 } from './migrations/1767225600000-tenants-and-devices';
import { Operators1767225700000 } from './migrations/1767225700000-operators';
import { Credentials1767225800000 } from './migrations/1767225800000-credentials';
import { Peering1767225900000 } from './migrations/1767225900000-peering';
import { AutoProvisionedDevices1767226100000 } from './migrations/1767226100000-auto-provisioned-devices';

/** Migrations in the order they run. Never `synchronize`. */
export const MIGRATIONS = [TenantsAndDevices1767225600000, Operators1767225700000, Credentials1767225800000, Peering1767225900000, AutoProvisionedDevices1767226100000];
export const ENTITIES = [TenantEntity, TenantTrustAnchorEntity, DeviceEntity, UserEntity, UserTenantEntity, ApiTokenEntity, SessionEntity, CredentialEntity, PeerEntity, PeerCallbackTokenEntity];

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

/** Applies pending migrations; used at start, by `npm run cli -- migrate` and by the test setup. */
export async function migrate(url: string): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(url));
  await dataSource.initialize();
  try {
    const applied = await dataSource.runMigrations({ transaction: 'all' });
    return applied.map((migration) => migration.name);
  } finally {
    await dataSource.destroy();
  }
}
