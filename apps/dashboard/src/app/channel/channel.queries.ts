import { keepPreviousData, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import type { HistoryPage, MemberAdded, MemberPage, Publish, PublishResult } from '../../api/schema.gen';
import { useSession } from '../session/session';

export interface HistoryQuery {
  since?: number;
  until?: number;
  sinceOffset?: number;
  order?: 'asc' | 'desc';
  cursor?: string;
  limit: number;
}

const memberKeys = (appID: string, channelID: string) =>
  ['apps', appID, 'channels', 'members', channelID] as const;

export function useMembers(appID: string, channelID: string, cursor: string | undefined, limit: number) {
  const { api } = useSession();
  return useQuery({
    queryKey: [...memberKeys(appID, channelID), { cursor, limit }],
    queryFn: ({ signal }) =>
      api.get<MemberPage>(path`/v1/apps/${appID}/channels/${channelID}/members`, { cursor, limit }, signal),
    placeholderData: keepPreviousData,
  });
}

export function useMemberMutations(appID: string, channelID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  const invalidate = () => qc.invalidateQueries({ queryKey: memberKeys(appID, channelID) });
  return {
    add: useMutation({
      mutationFn: (clientID: string) =>
        api.put<MemberAdded>(path`/v1/apps/${appID}/channels/${channelID}/members/${clientID}`),
      onSuccess: invalidate,
    }),
    remove: useMutation({
      mutationFn: (clientID: string) =>
        api.delete(path`/v1/apps/${appID}/channels/${channelID}/members/${clientID}`),
      onSuccess: invalidate,
    }),
  };
}

export function useHistory(appID: string, channelID: string, q: HistoryQuery, enabled: boolean) {
  const { api } = useSession();
  return useQuery({
    queryKey: ['apps', appID, 'channels', 'history', channelID, q],
    queryFn: ({ signal }) =>
      api.get<HistoryPage>(path`/v1/apps/${appID}/channels/${channelID}/events`, { ...q }, signal),
    enabled,
    placeholderData: keepPreviousData,
  });
}

export function usePublish(appID: string, channelID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: Publish) =>
      api.post<PublishResult>(path`/v1/apps/${appID}/channels/${channelID}/events`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: ['apps', appID, 'channels', 'history', channelID] }),
  });
}
