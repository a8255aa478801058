import { REGISTRY_CONFIG, RegistryConfig } from '@app/common';
import { AuthModule } from '@app/auth';
import { DevicesModule } from '@app/devices';
import { TenantsModule } from '@app/tenants';
import { Module } from '@nestjs/common';
import { CredentialsController } from './credentials.controller';
import { CredentialsRepository } from './credentials.repository';
import { CredentialsService } from './credentials.service';
import { DeviceAuthenticationController } from './device-authentication.controller';
import { DeviceAuthenticationService } from './device-authentication.service';
import { PasswordHashing } from './password-hashing';

/** Device credentials (Hono's management API) and device authentication for protocol adapters. */
@Module({
  imports: [AuthModule, DevicesModule, TenantsModule],
  controllers: [CredentialsController, DeviceAuthenticationController],
  providers: [
    CredentialsRepository,
    CredentialsService,
    DeviceAuthenticationService,
    { provide: PasswordHashing, useFactory: (config: RegistryConfig) => new PasswordHashing(config.bcryptCost), inject: [REGISTRY_CONFIG] },
  ],
  exports: [CredentialsService, CredentialsRepository],
})
export class CredentialsModule {}
