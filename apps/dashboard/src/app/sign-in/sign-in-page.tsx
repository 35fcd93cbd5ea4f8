import { Alert, Anchor, Button, Center, Code, Paper, Stack, Text, Textarea, Title } from '@mantine/core';
import { type FormEvent, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { ApiClient } from '../../api/api-client';
import { toApiError } from '../../api/api-error';
import type { AppPage } from '../../api/schema.gen';
import { useSessionState } from '../session/session';
import { readToken } from '../session/token';

/** Where a fresh session starts: a super admin at the apps, an admin at its own app. */
export function homeOf(appID: string | undefined): string {
  return appID ? `/apps/${encodeURIComponent(appID)}` : '/apps';
}

export function SignInPage() {
  const { session, signIn, endedBecause } = useSessionState();
  const navigate = useNavigate();
  const location = useLocation();
  const [token, setToken] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const from = (location.state as { from?: string } | null)?.from;

  if (session) return <Navigate to={from ?? homeOf(session.identity.appID)} replace />;

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    const reading = readToken(token);
    if (!reading.ok) {
      setError(reading.reason);
      return;
    }
    setChecking(true);
    setError(null);
    try {
      // Asks admin-api whether it accepts the token before keeping it.
      await new ApiClient(token.trim()).get<AppPage>('/v1/apps', { limit: 1 });
      signIn(token);
      void navigate(from ?? homeOf(reading.identity.appID), { replace: true });
    } catch (err) {
      const e2 = toApiError(err);
      setError(`admin-api refused this token: ${e2.code} — ${e2.message}`);
    } finally {
      setChecking(false);
    }
  };

  return (
    <Center mih="100vh" p="md">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={520} component="main">
        <form onSubmit={(e) => void submit(e)} aria-label="Sign in">
          <Stack>
            <Title order={1} size="h2">
              Channels dashboard
            </Title>
            <Text size="sm" c="dimmed">
              Paste an admin or super admin token (a JWT signed with the deployment’s <Code>JWT_SECRET</Code>
              ). A super admin sees every app, an admin only its own. The token stays in this browser tab only
              and is forgotten when the tab closes.
            </Text>
            {endedBecause ? (
              <Alert color="yellow" role="status">
                {endedBecause}
              </Alert>
            ) : null}
            <Textarea
              label="Token"
              placeholder="eyJhbGciOiJIUzI1NiIs…"
              autosize
              minRows={3}
              maxRows={8}
              required
              value={token}
              onChange={(e) => setToken(e.currentTarget.value)}
              error={error}
              autoComplete="off"
              spellCheck={false}
              styles={{
                input: { fontFamily: 'var(--mantine-font-family-monospace)', wordBreak: 'break-all' },
              }}
            />
            <Button type="submit" loading={checking}>
              Sign in
            </Button>
            <Text size="xs" c="dimmed">
              <Anchor href="/v1/docs">The admin API</Anchor> takes the same token.
            </Text>
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
