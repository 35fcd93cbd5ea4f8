import { Alert, Code, Text } from '@mantine/core';
import { toApiError } from '../../api/api-error';

/**
 * An API error as the API said it: its code and its message (the field it names included). Errors a
 * form shows under one of its own fields are left out with `except`.
 */
export function ApiErrorAlert({
  error,
  title,
  except,
}: {
  error: unknown;
  title?: string;
  except?: string[];
}) {
  if (!error) return null;
  const e = toApiError(error);
  if (e.field && except?.includes(e.field)) return null;
  return (
    <Alert color="red" title={title ?? 'The request failed'} role="alert">
      <Text size="sm">
        <Code>{e.code}</Code> {e.message}
      </Text>
    </Alert>
  );
}

/** The message of `error` if it names `field` (for the field's `error` prop), else undefined. */
export function fieldError(error: unknown, field: string): string | undefined {
  if (!error) return undefined;
  const e = toApiError(error);
  return e.field === field ? e.detail : undefined;
}
