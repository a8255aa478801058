import { Authenticated } from '@app/auth';
import { OptionalBody, RequiredBody } from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InvitePeerDto, RegisterPeerDto, UpdatePeerDto } from './dto/peer.dto';
import { PeerView } from './dto/peer-view';
import { PeersService } from './peers.service';

const PEERING_ADMIN = { right: 'peering.admin', adminOnly: true } as const;

/** OCPI peers: invitations, our own registrations with peers, updates and unregistrations (admins with `peering.admin`). */
@ApiTags('peering')
@Controller('api/peers')
export class PeersController {
  constructor(private readonly peers: PeersService) {}

  @Get()
  @Authenticated(PEERING_ADMIN)
  @ApiOperation({ summary: 'All peers' })
  list(): Promise<PeerView[]> {
    return this.peers.list();
  }

  @Post()
  @Authenticated(PEERING_ADMIN)
  @HttpCode(201)
  @ApiOperation({ summary: 'Invite a peer: TOKEN_A (shown only here) and our versions URL' })
  @ApiResponse({ status: 201, description: '{"id","token_a","versions_url"}' })
  invite(@Body(OptionalBody) body: InvitePeerDto) {
    return this.peers.invite(body);
  }

  @Post('register')
  @Authenticated(PEERING_ADMIN)
  @HttpCode(201)
  @ApiOperation({ summary: "Register with a peer, given its versions URL and TOKEN_A" })
  @ApiResponse({ status: 201, description: 'the peer, registered' })
  @ApiResponse({ status: 502, description: '{"error": reason}: the peer failed' })
  register(@Body(RequiredBody) body: RegisterPeerDto): Promise<PeerView> {
    return this.peers.register(body);
  }

  @Get(':id')
  @Authenticated(PEERING_ADMIN)
  @ApiOperation({ summary: 'One peer' })
  get(@Param('id') id: string): Promise<PeerView> {
    return this.peers.get(id);
  }

  @Post(':id/update')
  @Authenticated(PEERING_ADMIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'New tokens with a registered peer, optionally switching version' })
  @ApiResponse({ status: 502, description: '{"error": reason}: the peer failed; the old tokens stay valid' })
  update(@Param('id') id: string, @Body(OptionalBody) body: UpdatePeerDto): Promise<PeerView> {
    return this.peers.update(id, body);
  }

  @Delete(':id')
  @Authenticated(PEERING_ADMIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'Unregister a peer (tells the peer when registered) and revoke both directions' })
  unregister(@Param('id') id: string): Promise<PeerView> {
    return this.peers.unregister(id);
  }
}
