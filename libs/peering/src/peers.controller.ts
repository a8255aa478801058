import { Authenticated } from '@app/auth';
import { ApiError, OptionalBody, RequiredBody } from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { InvitePeerDto, RegisterPeerDto, UpdatePeerDto } from './dto/peer.dto';
import { PeerView } from './dto/peer-view';
import { EXAMPLE_PEER_ID, InvitationDto, PEER_EXAMPLES, PeerViewDto } from './dto/peer-responses';
import { PeersService } from './peers.service';

const PEERING_ADMIN = { right: 'peering.admin', adminOnly: true } as const;
const NOT_FOUND = `peer ${EXAMPLE_PEER_ID} not found`;

/** OCPI peers: invitations, our own registrations with peers, updates and unregistrations (admins with `peering.admin`). */
@ApiTags('peering')
@Controller('api/peers')
export class PeersController {
  constructor(private readonly peers: PeersService) {}

  @Get()
  @Authenticated(PEERING_ADMIN)
  @ApiOperation({ summary: 'All peers' })
  @ApiResponse({ status: 200, type: [PeerViewDto] })
  list(): Promise<PeerView[]> {
    return this.peers.list();
  }

  @Post()
  @Authenticated(PEERING_ADMIN)
  @HttpCode(201)
  @ApiOperation({ summary: 'Invite a peer: TOKEN_A (shown only here) and our versions URL' })
  @ApiBody({ type: InvitePeerDto, required: false, examples: PEER_EXAMPLES.invite })
  @ApiResponse({ status: 201, type: InvitationDto, description: 'give token_a and versions_url to the peer' })
  invite(@Body(OptionalBody) body: InvitePeerDto) {
    return this.peers.invite(body);
  }

  @Post('register')
  @Authenticated(PEERING_ADMIN)
  @HttpCode(201)
  @ApiOperation({
    summary: 'Register with a peer, given its versions URL and TOKEN_A',
    description: 'Needs a partner platform that serves OCPI at versions_url: the example names none, so executed as shown it answers 502.',
  })
  @ApiBody({ type: RegisterPeerDto, examples: PEER_EXAMPLES.register })
  @ApiResponse({ status: 201, type: PeerViewDto, description: 'the peer, registered' })
  @ApiError(502, 'the peer failed (unreachable, no mutual version, no credentials endpoint, refused); nothing stays valid', "could not read the peer's versions: getaddrinfo ENOTFOUND peer.example.com")
  register(@Body(RequiredBody) body: RegisterPeerDto): Promise<PeerView> {
    return this.peers.register(body);
  }

  @Get(':id')
  @Authenticated(PEERING_ADMIN)
  @ApiOperation({ summary: 'One peer' })
  @ApiResponse({ status: 200, type: PeerViewDto })
  @ApiError(404, 'no such peer', NOT_FOUND)
  get(@Param('id') id: string): Promise<PeerView> {
    return this.peers.get(id);
  }

  @Post(':id/update')
  @Authenticated(PEERING_ADMIN)
  @HttpCode(200)
  @ApiOperation({
    summary: 'New tokens with a registered peer, optionally switching version',
    description: 'Needs a registered peer: for an invitation nobody has used yet it answers 409.',
  })
  @ApiBody({ type: UpdatePeerDto, required: false, examples: PEER_EXAMPLES.update })
  @ApiResponse({ status: 200, type: PeerViewDto, description: 'the peer with its new version and endpoints' })
  @ApiError(404, 'no such peer', NOT_FOUND)
  @ApiError(409, 'the peer is not registered', `peer ${EXAMPLE_PEER_ID} is not registered (status invited)`)
  @ApiError(502, 'the peer failed; the old tokens stay valid', "could not read the peer's versions: getaddrinfo ENOTFOUND peer.example.com")
  update(@Param('id') id: string, @Body(OptionalBody) body: UpdatePeerDto): Promise<PeerView> {
    return this.peers.update(id, body);
  }

  @Delete(':id')
  @Authenticated(PEERING_ADMIN)
  @HttpCode(200)
  @ApiOperation({ summary: 'Unregister a peer (tells the peer when registered) and revoke both directions' })
  @ApiResponse({ status: 200, type: PeerViewDto, description: 'the peer, unregistered' })
  @ApiError(404, 'no such peer', NOT_FOUND)
  unregister(@Param('id') id: string): Promise<PeerView> {
    return this.peers.unregister(id);
  }
}
