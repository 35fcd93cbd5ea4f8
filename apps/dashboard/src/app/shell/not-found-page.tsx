import { Button, EmptyState } from '@mantine/core';
import { Link } from 'react-router';

export function NotFoundPage() {
  return (
    <EmptyState title="Page not found" description="This address is not a page of the dashboard." mt="xl">
      <EmptyState.Actions>
        <Button component={Link} to="/">
          Go to the start page
        </Button>
      </EmptyState.Actions>
    </EmptyState>
  );
}
