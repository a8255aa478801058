import { ApiError, RequiredBody } from '@app/common';
import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Authenticated } from '../authenticated.decorator';
import { CreateUserDto, UpdateUserDto, USER_EXAMPLES, UserViewDto } from '../dto/user.dto';
import { UsersService, UserView } from './users.service';

const USERS_ADMIN = { right: 'users.admin', adminOnly: true } as const;

/** Operators and their tenant grants (admins with `users.admin`). */
@ApiTags('operators')
@Controller('api/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Get()
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'List users' })
  @ApiResponse({ status: 200, type: [UserViewDto] })
  list(): Promise<UserView[]> {
    return this.users.list();
  }

  @Post()
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'Create a user' })
  @ApiBody({ type: CreateUserDto, examples: USER_EXAMPLES.create })
  @ApiResponse({ status: 201, type: UserViewDto, description: 'created (never the password)' })
  @ApiError(400, 'invalid fields, a tenant granted twice, or a grant of a tenant that does not exist', 'each tenant may be granted once')
  @ApiError(409, 'a user of this name exists (names compare case-insensitively)', 'user alice exists')
  create(@Body(RequiredBody) body: CreateUserDto): Promise<UserView> {
    return this.users.create(body);
  }

  @Get(':username')
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'Get a user' })
  @ApiResponse({ status: 200, type: UserViewDto })
  @ApiError(404, 'no such user', 'user alice not found')
  get(@Param('username') username: string): Promise<UserView> {
    return this.users.get(username);
  }

  @Put(':username')
  @Authenticated(USERS_ADMIN)
  @ApiOperation({ summary: 'Change a user (partial); a new password or a disable ends its sessions' })
  @ApiBody({ type: UpdateUserDto, examples: USER_EXAMPLES.update })
  @ApiResponse({ status: 200, type: UserViewDto })
  @ApiError(400, 'invalid fields, a tenant granted twice, or a grant of a tenant that does not exist', 'each tenant may be granted once')
  @ApiError(404, 'no such user', 'user alice not found')
  @ApiError(409, 'it would leave no enabled administrator', 'the last enabled administrator cannot be removed, disabled or demoted')
  update(@Param('username') username: string, @Body(RequiredBody) body: UpdateUserDto): Promise<UserView> {
    return this.users.update(username, body);
  }

  @Delete(':username')
  @Authenticated(USERS_ADMIN)
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete a user with its tokens and sessions' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiError(404, 'no such user', 'user alice not found')
  @ApiError(409, 'it is the last enabled administrator', 'the last enabled administrator cannot be removed, disabled or demoted')
  async delete(@Param('username') username: string): Promise<void> {
    await this.users.delete(username);
  }
}
