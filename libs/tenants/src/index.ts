export * from './tenants.module';
export * from './tenants.repository';
export * from './tenants.service';
export * from './tenant-body';
export * from './entities/tenant.entity';
export * from './dto/tenant.dto';
