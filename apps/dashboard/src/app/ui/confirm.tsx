import { Text } from '@mantine/core';
import { modals } from '@mantine/modals';
import type { ReactNode } from 'react';

/**
 * Asks before a destructive action; `onConfirm` runs only on the red button (Escape, the close
 * button and "Cancel" do nothing).
 */
export function confirmDestructive(opts: {
  title: string;
  message: ReactNode;
  confirmLabel: string;
  onConfirm: () => void;
}): void {
  modals.openConfirmModal({
    title: opts.title,
    children: typeof opts.message === 'string' ? <Text size="sm">{opts.message}</Text> : opts.message,
    labels: { confirm: opts.confirmLabel, cancel: 'Cancel' },
    confirmProps: { color: 'red' },
    onConfirm: opts.onConfirm,
  });
}
