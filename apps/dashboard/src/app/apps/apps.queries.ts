import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import type {
  ApiSecret,
  App,
  AppCreate,
  AppPage,
  AppUpdate,
  AppWithApiSecret,
  ClusterStats,
} from '../../api/schema.gen';
import { useSession } from '../session/session';

export const appKeys = {
  all: ['apps'] as const,
  list: (cursor: string | undefined, limit: number) => ['apps', 'list', { cursor, limit }] as const,
  one: (appID: string) => ['apps', 'one', appID] as const,
};

export function useAppsPage(cursor: string | undefined, limit: number) {
  const { api } = useSession();
  return useQuery({
    queryKey: appKeys.list(cursor, limit),
    queryFn: ({ signal }) => api.get<AppPage>('/v1/apps', { cursor, limit }, signal),
    placeholderData: (prev) => prev,
  });
}

/** One app, with its API secret (admins of the app only). */
export function useApp(appID: string) {
  const { api } = useSession();
  return useQuery({
    queryKey: appKeys.one(appID),
    queryFn: ({ signal }) => api.get<AppWithApiSecret>(path`/v1/apps/${appID}`, undefined, signal),
  });
}

/** Connections per app over the whole cluster (super admin only). */
export function useClusterStats(enabled: boolean) {
  const { api } = useSession();
  return useQuery({
    queryKey: ['stats', 'cluster'],
    queryFn: ({ signal }) => api.get<ClusterStats>('/v1/stats', undefined, signal),
    enabled,
    refetchInterval: 5_000,
  });
}

export function useCreateApp() {
  const { api } = useSession();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: AppCreate) => api.post<AppWithApiSecret>('/v1/apps', body),
    onSuccess: () => qc.invalidateQueries({ queryKey: appKeys.all }),
  });
}

export function useUpdateApp(appID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (body: AppUpdate) => api.patch<App>(path`/v1/apps/${appID}`, body),
    onSuccess: () => qc.invalidateQueries({ queryKey: appKeys.all }),
  });
}

export function useDeleteApp() {
  const { api } = useSession();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: (appID: string) => api.delete(path`/v1/apps/${appID}`),
    onSuccess: () => qc.invalidateQueries({ queryKey: appKeys.all }),
  });
}

export function useRotateApiSecret(appID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  return useMutation({
    mutationFn: () => api.post<ApiSecret>(path`/v1/apps/${appID}/api-secret`),
    onSuccess: () => qc.invalidateQueries({ queryKey: appKeys.one(appID) }),
  });
}
