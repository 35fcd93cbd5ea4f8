import { Button, Group, NativeSelect, Text } from '@mantine/core';
import { useCallback, useState } from 'react';

export const PAGE_SIZES = ['25', '50', '100', '250'];

/**
 * Cursor paging over a `/v1` list: the cursors of the pages seen so far, so that "Previous" goes back
 * exactly; changing the query (filters, search, page size) starts again at the first page.
 */
export function useCursorPages(initialSize = 50) {
  const [cursors, setCursors] = useState<(string | undefined)[]>([undefined]);
  const [pageSize, setPageSizeState] = useState(initialSize);
  const index = cursors.length - 1;
  const next = useCallback((cursor: string) => setCursors((c) => [...c, cursor]), []);
  const previous = useCallback(() => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)), []);
  const reset = useCallback(() => setCursors([undefined]), []);
  const setPageSize = useCallback((n: number) => {
    setPageSizeState(n);
    setCursors([undefined]);
  }, []);
  return { cursor: cursors[index], page: index + 1, pageSize, next, previous, reset, setPageSize };
}

export type CursorPages = ReturnType<typeof useCursorPages>;

/** Previous / next buttons and the page size of a cursor-paged list. */
export function Pager({
  pages,
  nextCursor,
  label,
  count,
}: {
  pages: CursorPages;
  nextCursor: string | null | undefined;
  /** What is listed, for accessible names ("clients"). */
  label: string;
  /** Items on this page. */
  count: number;
}) {
  return (
    <Group justify="space-between" wrap="wrap" mt="sm" aria-label={`Pages of ${label}`} role="group">
      <Text size="sm" c="dimmed" aria-live="polite">
        Page {pages.page} · {count} {label} on this page
      </Text>
      <Group gap="xs">
        <NativeSelect
          aria-label={`${label} per page`}
          data={PAGE_SIZES}
          value={String(pages.pageSize)}
          onChange={(e) => pages.setPageSize(Number(e.currentTarget.value))}
          size="xs"
        />
        <Button
          variant="default"
          size="xs"
          onClick={pages.previous}
          disabled={pages.page === 1}
          aria-label={`Previous page of ${label}`}
        >
          Previous
        </Button>
        <Button
          variant="default"
          size="xs"
          onClick={() => nextCursor && pages.next(nextCursor)}
          disabled={!nextCursor}
          aria-label={`Next page of ${label}`}
        >
          Next
        </Button>
      </Group>
    </Group>
  );
}
