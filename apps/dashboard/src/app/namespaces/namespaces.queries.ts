import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import type { Namespace, NamespaceCreate, NamespaceList, NamespaceUpdate } from '../../api/schema.gen';
import { channelKeys } from '../channels/channels.queries';
import { useSession } from '../session/session';

export const namespaceKeys = { all: (appID: string) => ['apps', appID, 'namespaces'] as const };

/** Every namespace of the app, by name (`/v1` answers them in one list). */
export function useNamespaces(appID: string) {
  const { api } = useSession();
  return useQuery({
    queryKey: namespaceKeys.all(appID),
    queryFn: ({ signal }) => api.get<NamespaceList>(path`/v1/apps/${appID}/namespaces`, undefined, signal),
  });
}

export function useNamespaceMutations(appID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  const invalidate = () => qc.invalidateQueries({ queryKey: namespaceKeys.all(appID) });
  return {
    create: useMutation({
      mutationFn: (body: NamespaceCreate) => api.post<Namespace>(path`/v1/apps/${appID}/namespaces`, body),
      onSuccess: invalidate,
    }),
    update: useMutation({
      mutationFn: ({ name, ...body }: NamespaceUpdate & { name: string }) =>
        api.patch<Namespace>(path`/v1/apps/${appID}/namespaces/${name}`, body),
      // The channels that follow the namespace changed with it.
      onSuccess: () =>
        Promise.all([invalidate(), qc.invalidateQueries({ queryKey: channelKeys.all(appID) })]),
    }),
    remove: useMutation({
      mutationFn: (name: string) => api.delete(path`/v1/apps/${appID}/namespaces/${name}`),
      onSuccess: invalidate,
    }),
  };
}
