import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../authenticated.decorator';
import { MeDto } from '../dto/user.dto';
import { CurrentPrincipal, Principal } from '../principal';

/** The operator making the request, as the guard authenticated it. */
@ApiTags('operators')
@Controller('api/me')
export class MeController {
  @Get()
  @Authenticated({ right: 'auth' })
  // the operation id published in openapi.json before this handler had its own controller; generated clients use it
  @ApiOperation({ operationId: 'UsersController_me', summary: 'Who am I: username, admin, permit, how I authenticated, my tenants' })
  @ApiResponse({ status: 200, type: MeDto })
  me(@CurrentPrincipal() principal: Principal) {
    return {
      username: principal.username,
      admin: principal.admin,
      permit: principal.permit.text,
      via: principal.via,
      tenants: [...principal.grants].map(([tenant, access]) => ({ tenant, access })),
    };
  }
}
