import { Navigate, type RouteObject } from 'react-router';
import { APP_SECTIONS, lazyPage } from './app-sections';
import { AppLayout } from './apps/app-layout';
import { NotFoundPage } from './shell/not-found-page';
import { RequireSession } from './shell/require-session';
import { Shell } from './shell/shell';
import { useSession } from './session/session';
import { homeOf, SignInPage } from './sign-in/sign-in-page';

function Home() {
  const { identity } = useSession();
  return <Navigate to={homeOf(identity.appID)} replace />;
}

/**
 * The dashboard's routes (under the `/dashboard` base). An app's pages come from `APP_SECTIONS`;
 * pages that are not in its navigation (one channel) are listed here beside them.
 */
export const routes: RouteObject[] = [
  { path: '/sign-in', element: <SignInPage /> },
  {
    element: (
      <RequireSession>
        <Shell />
      </RequireSession>
    ),
    children: [
      { index: true, element: <Home /> },
      {
        path: 'apps',
        element: lazyPage(
          () => import('./apps/apps-page'),
          (m) => m.AppsPage,
        ),
      },
      {
        path: 'apps/:appID',
        element: <AppLayout />,
        children: [
          ...APP_SECTIONS.map((s) =>
            s.path === '' ? { index: true, element: s.element } : { path: s.path, element: s.element },
          ),
          {
            path: 'channels/:channelID',
            element: lazyPage(
              () => import('./channel/channel-page'),
              (m) => m.ChannelPage,
            ),
          },
        ],
      },
      { path: '*', element: <NotFoundPage /> },
    ],
  },
];
