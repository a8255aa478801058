import { RequiredBody } from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../authenticated.decorator';
import { CreateUserDto, UpdateUserDto } from '../dto/user.dto';
import { CurrentPrincipal, Principal } from '../principal';
import { UsersService, UserView } from './users.service';

const USERS_ADMIN = { right: 'users.admin', adminOnly: true } as const;

/** Operators and their tenant grants (admins with `users.admin`). */
@ApiTags('operators')
@Controller('api')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get('me')
  @Authenticated({ right: 'auth' })
  @ApiOperation({ summary: 'Who am I: username, admin, permit, how I authenticated, my tenants' })
  me(@CurrentPrincipal() principal: Principal) {
    return {
      username: principal.username,
      admin: principal.admin,
      permit: principal.permit.text,
      via: principal.via,
      tenants: [...principal.grants].map(([tenant, access]) => ({ tenant, access })),
    };
  }

  @Get('users')
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'List users' })
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post('users')
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'Create a user' })
  create(@Body(RequiredBody) body: CreateUserDto): Promise<UserView> {
    return this.users.create(body);
  }

  @Get('users/:username')
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'Get a user' })
  get(@Param('username') username: string): Promise<UserView> {
    return this.users.get(username);
  }

  @Put('users/:username')
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'Change a user (partial); a new password or a disable ends its sessions' })
  update(@Param('username') username: string, @Body(RequiredBody) body: UpdateUserDto): Promise<UserView> {
    return this.users.update(username, body);
  }

  @Delete('users/:username')
  @Authenticated(USERS_ADMIN)
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user with its tokens and sessions' })
  async delete(@Param('username') username: string): Promise<void> {
    await this.users.delete(username);
  }
}
