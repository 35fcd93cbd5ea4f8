import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import type { Channel, ChannelCreate, ChannelPage, ChannelUpdate } from '../../api/schema.gen';
import { useSession } from '../session/session';

/** A yes/no filter of the channel list; undefined: either. */
export type Flag = boolean | undefined;

export interface ChannelFilters {
  search: string;
  private: Flag;
  persistent: Flag;
  presence: Flag;
  closed: Flag;
}

export const channelKeys = {
  all: (appID: string) => ['apps', appID, 'channels'] as const,
  list: (appID: string, q: ChannelFilters & { cursor: string | undefined; limit: number }) =>
    ['apps', appID, 'channels', 'list', q] as const,
  one: (appID: string, channelID: string) => ['apps', appID, 'channels', 'one', channelID] as const,
};

export function useChannelsPage(
  appID: string,
  q: ChannelFilters & { cursor: string | undefined; limit: number },
) {
  const { api } = useSession();
  return useQuery({
    queryKey: channelKeys.list(appID, q),
    queryFn: ({ signal }) => api.get<ChannelPage>(path`/v1/apps/${appID}/channels`, { ...q }, signal),
    placeholderData: (prev) => prev,
  });
}

export function useChannel(appID: string, channelID: string) {
  const { api } = useSession();
  return useQuery({
    queryKey: channelKeys.one(appID, channelID),
    queryFn: ({ signal }) =>
      api.get<Channel>(path`/v1/apps/${appID}/channels/${channelID}`, undefined, signal),
  });
}

export function useChannelMutations(appID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  const saved = (c: Channel) => {
    qc.setQueryData(channelKeys.one(appID, c.channelID), c);
    return qc.invalidateQueries({ queryKey: channelKeys.all(appID) });
  };
  return {
    create: useMutation({
      mutationFn: (body: ChannelCreate) => api.post<Channel>(path`/v1/apps/${appID}/channels`, body),
      onSuccess: saved,
    }),
    update: useMutation({
      mutationFn: ({ channelID, ...body }: ChannelUpdate & { channelID: string }) =>
        api.patch<Channel>(path`/v1/apps/${appID}/channels/${channelID}`, body),
      onSuccess: saved,
    }),
    setClosed: useMutation({
      mutationFn: ({ channelID, closed }: { channelID: string; closed: boolean }) =>
        api.post<Channel>(path`/v1/apps/${appID}/channels/${channelID}/${closed ? 'close' : 'open'}`),
      onSuccess: saved,
    }),
    remove: useMutation({
      mutationFn: (channelID: string) => api.delete(path`/v1/apps/${appID}/channels/${channelID}`),
      onSuccess: (_v, channelID) => {
        qc.removeQueries({ queryKey: channelKeys.one(appID, channelID) });
        return qc.invalidateQueries({ queryKey: channelKeys.all(appID) });
      },
    }),
  };
}
