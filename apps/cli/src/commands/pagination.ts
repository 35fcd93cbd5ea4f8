import type { Command } from 'commander';
import type { Page, PageRequest } from '../admin-client';
import { intArg } from '../arguments';
import { type Output, table } from '../output';

/** `--limit` / `--cursor` of the list commands: without either, every page is read. */
export function withPaging(cmd: Command): Command {
  return cmd
    .option('--limit <n>', 'one page of at most n (1-1000) instead of every page', intArg(1, 1000))
    .option('--cursor <cursor>', 'continue after the page that answered this nextCursor');
}

export const pageRequest = (o: PageRequest): PageRequest => ({
  ...(o.limit !== undefined ? { limit: o.limit } : {}),
  ...(o.cursor !== undefined ? { cursor: o.cursor } : {}),
});

/** Prints a list as the API's own page shape (`{<key>: [...], nextCursor}`) or a table. */
export function printPage<T>(
  out: Output,
  key: string,
  page: Page<T>,
  header: string[],
  row: (item: T) => unknown[],
): void {
  out.result({ [key]: page.items, nextCursor: page.nextCursor }, () =>
    page.items.length ? table(header, page.items.map(row)) : [`(no ${key})`],
  );
  if (page.nextCursor !== null && !out.json) out.notice(`more: add --cursor ${page.nextCursor}`);
}
