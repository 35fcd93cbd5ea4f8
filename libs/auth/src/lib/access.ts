import { ChannelsError, ErrorCode, type Principal, Role } from '@channels/contracts';

/** True when the principal may act on `appID`: super admins on every app, others only on their own. */
export const canUseApp = (p: Principal, appID: string): boolean =>
  p.role === Role.SuperAdmin || p.appID === appID;

export const isAdmin = (p: Principal): boolean => p.role === Role.SuperAdmin || p.role === Role.Admin;

/** Requires an admin (or super admin) of `appID`; throws 403 otherwise. */
export function assertAdminOf(p: Principal, appID: string): void {
  if (!isAdmin(p) || !canUseApp(p, appID)) {
    throw new ChannelsError(ErrorCode.Forbidden, 'this token may not manage this app');
  }
}

/** Requires a token of `appID` (any role: clients publish under the channel's own rules); 403 otherwise. */
export function assertUserOf(p: Principal, appID: string): void {
  if (!canUseApp(p, appID)) throw new ChannelsError(ErrorCode.Forbidden, 'this token may not use this app');
}

export function assertSuperAdmin(p: Principal): void {
  if (p.role !== Role.SuperAdmin)
    throw new ChannelsError(ErrorCode.Forbidden, 'requires a super admin token');
}

/** Requires any role of `appID` (clients included). */
export function assertMemberOfApp(p: Principal, appID: string): void {
  if (!canUseApp(p, appID)) throw new ChannelsError(ErrorCode.Forbidden, 'this token may not use this app');
}
