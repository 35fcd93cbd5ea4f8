import { createTheme, MantineProvider } from '@mantine/core';
import { ModalsProvider } from '@mantine/modals';
import { Notifications } from '@mantine/notifications';
import { QueryClient, QueryClientProvider } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { toApiError } from '../api/api-error';
import { SessionProvider } from './session/session';

const theme = createTheme({ primaryColor: 'indigo', defaultRadius: 'md' });

/** Server state is cached briefly; a refused or unknown resource is not retried. */
export function createQueryClient(): QueryClient {
  return new QueryClient({
    defaultOptions: {
      queries: {
        staleTime: 5_000,
        retry: (failures, error) => {
          const e = toApiError(error);
          return failures < 2 && (e.code === 'network' || e.code === 'unavailable');
        },
        refetchOnWindowFocus: false,
      },
    },
  });
}

export function Providers({
  children,
  queryClient,
  env,
}: {
  children: ReactNode;
  queryClient: QueryClient;
  /** `test`: no transitions and no portals (component tests). */
  env?: 'test';
}) {
  return (
    <MantineProvider theme={theme} defaultColorScheme="auto" env={env}>
      <QueryClientProvider client={queryClient}>
        <SessionProvider>
          <ModalsProvider>
            <Notifications position="top-right" />
            {children}
          </ModalsProvider>
        </SessionProvider>
      </QueryClientProvider>
    </MantineProvider>
  );
}
