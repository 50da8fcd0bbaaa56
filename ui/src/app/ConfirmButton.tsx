/** A button that asks "Are you sure?" in a dialog before doing something that matters. */
import { useState, type ReactNode } from 'react';
import { Button, Group, Modal, Stack, Text, type ButtonProps } from '@mantine/core';

export function ConfirmButton({ children, title, message, confirmLabel, onConfirm, color, ...buttonProps }: {
  children: ReactNode; title: string; message: ReactNode; confirmLabel: string; onConfirm(): Promise<void> | void; color?: string;
} & Omit<ButtonProps, 'children' | 'color'>) {
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  return (
    <>
      <Button color={color} {...buttonProps} onClick={() => setOpen(true)}>{children}</Button>
      <Modal opened={open} onClose={() => setOpen(false)} title={<Text fw={700} fz="lg">{title}</Text>} centered closeButtonProps={{ 'aria-label': 'Close' }}>
        <Stack gap="lg">
          <div>{message}</div>
          <Group justify="flex-end">
            <Button variant="default" onClick={() => setOpen(false)}>Cancel</Button>
            <Button color={color} loading={busy} onClick={async () => {
              setBusy(true);
              try {
                await onConfirm();
              } finally {
                setBusy(false);
                setOpen(false);
              }
            }}>{confirmLabel}</Button>
          </Group>
        </Stack>
      </Modal>
    </>
  );
}
