import type { ReactNode } from 'react';
import { ChannelsPage } from './channels/channels-page';
import { ClientsPage } from './clients/clients-page';
import { HooksPage } from './hooks/hooks-page';
import { NamespacesPage } from './namespaces/namespaces-page';
import { OverviewPage } from './overview/overview-page';
import { SettingsPage } from './settings/settings-page';
import { WebhooksPage } from './webhooks/webhooks-page';

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
  { path: '', label: 'Overview', element: <OverviewPage /> },
  { path: 'clients', label: 'Clients', element: <ClientsPage /> },
  { path: 'channels', label: 'Channels', element: <ChannelsPage /> },
  { path: 'namespaces', label: 'Namespaces', element: <NamespacesPage /> },
  { path: 'hooks', label: 'Hooks', element: <HooksPage /> },
  { path: 'webhooks', label: 'Webhooks', element: <WebhooksPage /> },
  { path: 'settings', label: 'Settings & API secret', element: <SettingsPage /> },
];
