import { type ComponentType, lazy, type ReactNode } from 'react';

/**
 * A page loaded when first shown: its code (and what only it uses — charts, the live client) is a
 * chunk of its own, so the first load carries the shell and the sign-in page only.
 */
export function lazyPage<M>(load: () => Promise<M>, pick: (m: M) => ComponentType): ReactNode {
  const Page = lazy(async () => ({ default: pick(await load()) }));
  return <Page />;
}

export interface AppSection {
  /** Path under `/apps/{appID}/` ('' for the app's first page). */
  path: string;
  /** Navigation label. */
  label: string;
  element: ReactNode;
}

/**
 * The pages of one app, in navigation order. A feature's page is added here (its route and its
 * navigation link follow).
 */
export const APP_SECTIONS: AppSection[] = [
  {
    path: '',
    label: 'Overview',
    element: lazyPage(
      () => import('./overview/overview-page'),
      (m) => m.OverviewPage,
    ),
  },
  {
    path: 'clients',
    label: 'Clients',
    element: lazyPage(
      () => import('./clients/clients-page'),
      (m) => m.ClientsPage,
    ),
  },
  {
    path: 'channels',
    label: 'Channels',
    element: lazyPage(
      () => import('./channels/channels-page'),
      (m) => m.ChannelsPage,
    ),
  },
  {
    path: 'namespaces',
    label: 'Namespaces',
    element: lazyPage(
      () => import('./namespaces/namespaces-page'),
      (m) => m.NamespacesPage,
    ),
  },
  {
    path: 'hooks',
    label: 'Hooks',
    element: lazyPage(
      () => import('./hooks/hooks-page'),
      (m) => m.HooksPage,
    ),
  },
  {
    path: 'webhooks',
    label: 'Webhooks',
    element: lazyPage(
      () => import('./webhooks/webhooks-page'),
      (m) => m.WebhooksPage,
    ),
  },
  {
    path: 'settings',
    label: 'Settings & API secret',
    element: lazyPage(
      () => import('./settings/settings-page'),
      (m) => m.SettingsPage,
    ),
  },
];
