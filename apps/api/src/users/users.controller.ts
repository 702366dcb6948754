import { Controller, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiProperty, ApiTags } from '@nestjs/swagger';
import { UsersService } from './users.service.js';

export class RegistrationResponse {
  @ApiProperty() userId!: string;
  @ApiProperty({ description: 'bearer JWT for this user' }) token!: string;
}

@ApiTags('users')
@Controller('v1/users')
export class UsersController {
  constructor(private readonly users: UsersService) {}

  @Post()
  @HttpCode(201)
  @ApiCreatedResponse({ type: RegistrationResponse })
  register(): Promise<RegistrationResponse> {
    return this.users.register();
  }
}
