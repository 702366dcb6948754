import { Injectable, SetMetadata, createParamDecorator, type CanActivate, type ExecutionContext } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { AdminRole } from '#libs/db/index.js';
import { AdminAuthenticator } from './admin-authenticator.js';
import type { AdminPrincipal, Principal, UserPrincipal } from './token.service.js';
import { UserAuthenticator } from './user-authenticator.js';

type AuthedRequest = { headers: Record<string, string | undefined>; principal?: Principal };

const ROLES = 'hc:roles';
/** Roles allowed on an admin route (default: `admin` only). */
export const Roles = (...roles: AdminRole[]) => SetMetadata(ROLES, roles);

/**
 * Lets only a user token of the person's current token version through; the user id comes from
 * the token, never from the request.
 */
@Injectable()
export class UserAuthGuard implements CanActivate {
  constructor(private readonly users: UserAuthenticator) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    req.principal = (await this.users.authenticate(req.headers.authorization)).principal;
    return true;
  }
}

/** Lets only admin tokens of an enabled account with one of the route's roles through. */
@Injectable()
export class AdminAuthGuard implements CanActivate {
  constructor(
    private readonly admins: AdminAuthenticator,
    private readonly reflector: Reflector,
  ) {}

  async canActivate(ctx: ExecutionContext): Promise<boolean> {
    const req = ctx.switchToHttp().getRequest<AuthedRequest>();
    const roles = this.reflector.getAllAndOverride<AdminRole[] | undefined>(ROLES, [
      ctx.getHandler(),
      ctx.getClass(),
    ]) ?? ['admin'];
    req.principal = await this.admins.authenticate(req.headers.authorization, roles);
    return true;
  }
}

export const CurrentUser = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): UserPrincipal =>
    ctx.switchToHttp().getRequest<AuthedRequest>().principal as UserPrincipal,
);
export const CurrentAdmin = createParamDecorator(
  (_: unknown, ctx: ExecutionContext): AdminPrincipal =>
    ctx.switchToHttp().getRequest<AuthedRequest>().principal as AdminPrincipal,
);
