import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import { toApiError } from '../../api/api-error';
import type {
  WebhookDelivery,
  WebhookDeliveryPage,
  WebhookDeliveryStatus,
  WebhookSettings,
} from '../../api/schema.gen';
import { useSession } from '../session/session';

export interface DeliveryQuery {
  status: WebhookDeliveryStatus | undefined;
  cursor: string | undefined;
  limit: number;
}

export const webhookKeys = {
  settings: (appID: string) => ['apps', appID, 'webhooks', 'settings'] as const,
  deliveries: (appID: string) => ['apps', appID, 'webhooks', 'deliveries'] as const,
  page: (appID: string, q: DeliveryQuery) => ['apps', appID, 'webhooks', 'deliveries', q] as const,
};

/** How often the deliveries are read again while the page is open (pending ones move on). */
export const DELIVERIES_REFRESH_MS = 5_000;

/** The app's webhook setting; null when webhooks are off (`/v1` answers 404 then). */
export function useWebhookSettings(appID: string) {
  const { api } = useSession();
  return useQuery({
    queryKey: webhookKeys.settings(appID),
    queryFn: async ({ signal }) => {
      try {
        return await api.get<WebhookSettings>(path`/v1/apps/${appID}/webhooks`, undefined, signal);
      } catch (e) {
        if (toApiError(e).code === 'not_found') return null;
        throw e;
      }
    },
  });
}

/** One page of deliveries, newest first, read again every few seconds. */
export function useDeliveries(appID: string, q: DeliveryQuery) {
  const { api } = useSession();
  return useQuery({
    queryKey: webhookKeys.page(appID, q),
    queryFn: ({ signal }) =>
      api.get<WebhookDeliveryPage>(
        path`/v1/apps/${appID}/webhooks/deliveries`,
        { status: q.status, cursor: q.cursor, limit: q.limit },
        signal,
      ),
    placeholderData: (prev) => prev,
    refetchInterval: DELIVERIES_REFRESH_MS,
  });
}

export function useWebhookMutations(appID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  const deliveriesChanged = () => qc.invalidateQueries({ queryKey: webhookKeys.deliveries(appID) });
  return {
    save: useMutation({
      mutationFn: (settings: WebhookSettings) =>
        api.put<WebhookSettings>(path`/v1/apps/${appID}/webhooks`, settings),
      onSuccess: (saved) => qc.setQueryData(webhookKeys.settings(appID), saved),
    }),
    turnOff: useMutation({
      mutationFn: () => api.delete(path`/v1/apps/${appID}/webhooks`),
      onSuccess: () => {
        qc.setQueryData(webhookKeys.settings(appID), null);
        return deliveriesChanged();
      },
    }),
    retry: useMutation({
      mutationFn: (id: string) =>
        api.post<WebhookDelivery>(path`/v1/apps/${appID}/webhooks/deliveries/${id}/retry`),
      // A 409 means the list was out of date: read it again either way.
      onSettled: deliveriesChanged,
    }),
  };
}
