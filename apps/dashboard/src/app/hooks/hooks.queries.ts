import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { path } from '../../api/api-client';
import type { Hooks, HooksAnswer } from '../../api/schema.gen';
import { useSession } from '../session/session';

export const hookKeys = { one: (appID: string) => ['apps', appID, 'hooks'] as const };

/** The app's backend hooks (`hooks: null`: none). */
export function useHooks(appID: string) {
  const { api } = useSession();
  return useQuery({
    queryKey: hookKeys.one(appID),
    queryFn: ({ signal }) => api.get<HooksAnswer>(path`/v1/apps/${appID}/hooks`, undefined, signal),
  });
}

export function useHooksMutations(appID: string) {
  const { api } = useSession();
  const qc = useQueryClient();
  return {
    save: useMutation({
      mutationFn: (hooks: Hooks) => api.put<HooksAnswer>(path`/v1/apps/${appID}/hooks`, hooks),
      onSuccess: (answer) => qc.setQueryData(hookKeys.one(appID), answer),
    }),
    remove: useMutation({
      mutationFn: () => api.delete(path`/v1/apps/${appID}/hooks`),
      onSuccess: () => qc.setQueryData<HooksAnswer>(hookKeys.one(appID), { appID, hooks: null }),
    }),
  };
}
