import { ChannelsError, ErrorCode } from '@channels/contracts';

export const notFound = (what: string): ChannelsError =>
  new ChannelsError(ErrorCode.NotFound, `${what} not found`);
export const badRequest = (message: string): ChannelsError =>
  new ChannelsError(ErrorCode.BadRequest, message);
export const conflict = (message: string): ChannelsError => new ChannelsError(ErrorCode.Conflict, message);
export const forbidden = (message: string): ChannelsError => new ChannelsError(ErrorCode.Forbidden, message);
