import { useQuery } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import type { ActiveChannelPage, AppStats } from '../../api/schema.gen';
import { useSession } from '../session/session';

/** How often the overview asks (gateways report every STATS_INTERVAL_MS, 5 s by default). */
export const STATS_POLL_MS = 5_000;

export function useAppStats(appID: string) {
  const { api } = useSession();
  return useQuery({
    queryKey: ['apps', appID, 'stats'],
    queryFn: ({ signal }) => api.get<AppStats>(path`/v1/apps/${appID}/stats`, undefined, signal),
    refetchInterval: STATS_POLL_MS,
  });
}

export function useActiveChannels(appID: string) {
  const { api } = useSession();
  return useQuery({
    queryKey: ['apps', appID, 'active-channels'],
    queryFn: ({ signal }) =>
      api.get<ActiveChannelPage>(path`/v1/apps/${appID}/active-channels`, { limit: 1000 }, signal),
    refetchInterval: STATS_POLL_MS,
  });
}
