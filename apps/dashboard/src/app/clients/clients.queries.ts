import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import type {
  Client,
  ClientChannels,
  ClientCreate,
  ClientPage,
  ClientUpdate,
  Ok,
} from '../../api/schema.gen';
import { useSession } from '../session/session';

export const clientKeys = {
  all: (appID: string) => ['apps', appID, 'clients'] as const,
  list: (appID: string, q: { search: string; cursor: string | undefined; limit: number }) =>
    ['apps', appID, 'clients', 'list', q] as const,
  channels: (appID: string, clientID: string) => ['apps', appID, 'clients', 'channels', clientID] as const,
};

export function useClientsPage(
  appID: string,
  q: { search: string; cursor: string | undefined; limit: number },
  enabled = true,
) {
  const { api } = useSession();
  return useQuery({
    queryKey: clientKeys.list(appID, q),
    queryFn: ({ signal }) =>
      api.get<ClientPage>(
        path`/v1/apps/${appID}/clients`,
        { search: q.search, cursor: q.cursor, limit: q.limit },
        signal,
      ),
    placeholderData: (prev) => prev,
    enabled,
  });
}

/** The channels `clientID` is a member of. */
export function useClientChannels(appID: string, clientID: string | null) {
  const { api } = useSession();
  return useQuery({
    queryKey: clientKeys.channels(appID, clientID ?? ''),
    queryFn: ({ signal }) =>
      api.get<ClientChannels>(path`/v1/apps/${appID}/clients/${clientID ?? ''}/channels`, undefined, signal),
    enabled: clientID !== null,
  });
}

export function useClientMutations(appID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  const invalidate = () => qc.invalidateQueries({ queryKey: clientKeys.all(appID) });
  return {
    create: useMutation({
      mutationFn: (body: ClientCreate) => api.post<Client>(path`/v1/apps/${appID}/clients`, body),
      onSuccess: invalidate,
    }),
    update: useMutation({
      mutationFn: ({ clientID, ...body }: ClientUpdate & { clientID: string }) =>
        api.patch<Client>(path`/v1/apps/${appID}/clients/${clientID}`, body),
      onSuccess: invalidate,
    }),
    remove: useMutation({
      mutationFn: (clientID: string) => api.delete(path`/v1/apps/${appID}/clients/${clientID}`),
      onSuccess: invalidate,
    }),
    disconnect: useMutation({
      mutationFn: (clientID: string) => api.post<Ok>(path`/v1/apps/${appID}/clients/${clientID}/disconnect`),
    }),
  };
}
