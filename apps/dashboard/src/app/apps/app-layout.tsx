import { Alert, Button, Loader } from '@mantine/core';
import { Link, Outlet, useParams } from 'react-router';
import { toApiError } from '../../api/api-error';
import type { AppWithApiSecret } from '../../api/schema.gen';
import { useSession } from '../session/session';
import { ApiErrorAlert } from '../ui/api-error-alert';
import { useApp } from './apps.queries';

/** The app of `/apps/:appID/…`, loaded once for its pages (`useCurrentApp`). */
export function AppLayout() {
  const appID = useParams()['appID'] ?? '';
  const session = useSession();
  const app = useApp(appID);
  if (!session.mayUse(appID)) {
    return (
      <Alert color="red" title="Not your app" role="alert">
        Your token administers app “{session.identity.appID}”, not “{appID}”.{' '}
        <Button component={Link} to={`/apps/${encodeURIComponent(session.identity.appID ?? '')}`} size="xs">
          Go to your app
        </Button>
      </Alert>
    );
  }
  if (app.isPending) return <Loader aria-label="Loading the app" />;
  if (app.error) {
    const e = toApiError(app.error);
    return (
      <>
        <ApiErrorAlert
          error={app.error}
          title={e.code === 'not_found' ? `App ${appID} does not exist` : undefined}
        />
        {session.isSuperAdmin ? (
          <Button component={Link} to="/apps" mt="md" variant="default">
            Back to the apps
          </Button>
        ) : null}
      </>
    );
  }
  return <Outlet context={app.data satisfies AppWithApiSecret} />;
}
