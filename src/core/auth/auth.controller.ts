import { Body, Controller, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Throttle } from '@nestjs/throttler';
import { Public } from './auth.decorators';
import { LoginDto, RefreshDto, SignupDto } from './auth.dto';
import { AuthService, type SessionTokens } from './auth.service';

// Credential endpoints get a tight per-IP budget against password guessing.
const CREDENTIAL_LIMIT = { default: { limit: 20, ttl: 60_000 } };

@ApiTags('auth')
@Public()
@Throttle(CREDENTIAL_LIMIT)
@Controller('api/v1/auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('signup')
  @ApiOperation({ summary: 'Create a tenant and its owner; returns tokens' })
  signup(@Body() dto: SignupDto): Promise<SessionTokens> {
    return this.auth.signup(dto);
  }

  @Post('login')
  @HttpCode(200)
  @ApiOperation({ summary: 'Exchange email and password for an access and a refresh token' })
  login(@Body() dto: LoginDto): Promise<SessionTokens> {
    return this.auth.login(dto.email, dto.password);
  }

  @Post('refresh')
  @HttpCode(200)
  @ApiOperation({ summary: 'Rotate a refresh token into a new pair' })
  refresh(@Body() dto: RefreshDto): Promise<SessionTokens> {
    return this.auth.refresh(dto.refreshToken);
  }
}
