export * from './devices.module';
export * from './devices.service';
export * from './devices.repository';
export * from './entities/device.entity';
export * from './dto/device.dto';
