import { Module } from '@nestjs/common';
import { OcpiAuthenticator } from './ocpi-authenticator';
import { OcpiClient } from './ocpi-client';
import { OcpiController } from './ocpi.controller';
import { OcpiServerService } from './ocpi-server.service';
import { PeerDiscovery } from './peer-discovery';
import { PeerLeases } from './peer-leases';
import { PeerTokenCipher } from './peer-tokens';
import { PeersController } from './peers.controller';
import { PeersRepository } from './peers.repository';
import { PeersService } from './peers.service';

/** OCPI peering: the versions and credentials modules (server side), the peer client and /api/peers. */
@Module({
  controllers: [OcpiController, PeersController],
  providers: [PeersRepository, PeerTokenCipher, OcpiClient, PeerDiscovery, PeerLeases, OcpiAuthenticator, OcpiServerService, PeersService],
  exports: [PeersService],
})
export class PeeringModule {}
