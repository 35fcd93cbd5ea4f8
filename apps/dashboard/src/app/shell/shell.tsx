import {
  AppShell,
  Badge,
  Burger,
  Button,
  Group,
  Loader,
  NavLink,
  ScrollArea,
  Text,
  Title,
} from '@mantine/core';
import { Suspense } from 'react';
import { useDisclosure, useMediaQuery } from '@mantine/hooks';
import { Link, NavLink as RouterNavLink, Outlet, useMatch } from 'react-router';
import { APP_SECTIONS } from '../app-sections';
import { useSession, useSessionState } from '../session/session';

/** Header (who is signed in, sign out) and navigation (apps; the current app's pages). */
export function Shell() {
  const session = useSession();
  const { signOut } = useSessionState();
  const [opened, { toggle, close }] = useDisclosure();
  // Below the `sm` breakpoint the navigation slides in from the side: while closed it is off screen,
  // and out of the tab order too.
  const narrow = useMediaQuery('(max-width: 47.99em)');
  const appMatch = useMatch('/apps/:appID/*');
  const appID = appMatch?.params.appID;
  const { identity } = session;

  return (
    <AppShell
      header={{ height: 56 }}
      navbar={{ width: 240, breakpoint: 'sm', collapsed: { mobile: !opened } }}
      padding="md"
    >
      <AppShell.Header>
        <Group h="100%" px="md" justify="space-between" wrap="nowrap">
          <Group gap="sm" wrap="nowrap">
            <Burger
              opened={opened}
              onClick={toggle}
              hiddenFrom="sm"
              size="sm"
              aria-label={opened ? 'Close navigation' : 'Open navigation'}
            />
            <Title order={2} size="h4">
              <Link
                to="/"
                style={{ color: 'inherit', textDecoration: 'none' }}
                aria-label="Channels dashboard: start page"
              >
                Channels
              </Link>
            </Title>
          </Group>
          <Group gap="sm" wrap="nowrap">
            <Badge variant="light" visibleFrom="xs" aria-label="Signed in as">
              {identity.role === 'super_admin' ? 'Super admin' : `Admin of ${identity.appID}`}
              {identity.clientID ? ` · ${identity.clientID}` : ''}
            </Badge>
            <Button variant="default" size="xs" onClick={() => signOut()}>
              Sign out
            </Button>
          </Group>
        </Group>
      </AppShell.Header>
      <AppShell.Navbar p="xs" aria-label="Main" inert={narrow && !opened}>
        <ScrollArea>
          {session.isSuperAdmin ? (
            <NavLink component={RouterNavLink} to="/apps" end label="All apps" onClick={close} />
          ) : null}
          {appID ? (
            <>
              <Text size="xs" fw={700} c="dimmed" tt="uppercase" px="sm" pt="md" pb={4} truncate>
                App {appID}
              </Text>
              {APP_SECTIONS.map((s) => (
                <NavLink
                  key={s.path}
                  component={RouterNavLink}
                  to={`/apps/${encodeURIComponent(appID)}${s.path ? `/${s.path}` : ''}`}
                  end={s.path === ''}
                  label={s.label}
                  onClick={close}
                />
              ))}
            </>
          ) : null}
        </ScrollArea>
      </AppShell.Navbar>
      <AppShell.Main>
        {/* Pages are loaded on first use (see lazyPage). */}
        <Suspense fallback={<Loader aria-label="Loading the page" />}>
          <Outlet />
        </Suspense>
      </AppShell.Main>
    </AppShell>
  );
}
