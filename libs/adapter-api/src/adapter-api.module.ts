import { AuthModule } from '@app/auth';
import { CredentialsModule } from '@app/credentials';
import { DevicesModule } from '@app/devices';
import { Module } from '@nestjs/common';
import { AdapterApiRepository } from './adapter-api.repository';
import { AmqpServer } from './amqp-server';
import { ConnectionRights } from './connection-rights';
import { CredentialsApi } from './credentials-api';
import { RegistrationApi } from './registration-api';
import { TenantApi } from './tenant-api';

/** Hono's adapter-facing Tenant, Device Registration and Credentials APIs over AMQP 1.0 (docs/hono-adapters.md). */
@Module({
  imports: [AuthModule, DevicesModule, CredentialsModule],
  providers: [AdapterApiRepository, TenantApi, RegistrationApi, CredentialsApi, ConnectionRights, AmqpServer],
  exports: [AmqpServer],
})
export class AdapterApiModule {}
