export * from './peering.module';
export * from './peers.service';
export * from './dto/peer-view';
export * from './peers.repository';
export * from './entities/peer.entity';
export * from './ocpi-versions';
export * from './peer-tokens';
export { EXAMPLE_PEER_ID } from './dto/peer-responses';
