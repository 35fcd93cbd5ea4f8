import { useQuery } from '@tanstack/react-query';

/** Where the dashboard is served (admin-api's `/dashboard/`; the router's basename). */
export const BASE_PATH = '/dashboard';

/** Deployment settings admin-api serves at `/dashboard/config.json`. */
export interface DashboardConfig {
  /** The gateways' address for live views; empty: this page's origin (the deployment's one address). */
  gatewayURL: string;
}

export function useDashboardConfig() {
  return useQuery({
    queryKey: ['dashboard-config'],
    queryFn: async ({ signal }): Promise<DashboardConfig> => {
      const res = await fetch(`${BASE_PATH}/config.json`, { signal });
      if (!res.ok) return { gatewayURL: '' };
      const body = (await res.json()) as Partial<DashboardConfig>;
      return { gatewayURL: typeof body.gatewayURL === 'string' ? body.gatewayURL : '' };
    },
    staleTime: Infinity,
    retry: false,
  });
}
