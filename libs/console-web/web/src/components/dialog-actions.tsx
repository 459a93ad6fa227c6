import { Button, Group } from '@mantine/core';
import type { ReactNode } from 'react';

/** The foot of a confirmation dialog: Cancel, which closes it, and `children`, the button that does what it asks. */
export function DialogActions({ onCancel, children }: { onCancel: () => void; children: ReactNode }) {
  return (
    <Group justify="flex-end">
      <Button variant="default" onClick={onCancel}>
        Cancel
      </Button>
      {children}
    </Group>
  );
}
