/** The frame of every page: a title (also the browser tab's), an optional line under it and actions on the right. */
import { useEffect, type ReactNode } from 'react';
import { Alert, Center, Group, Loader, Stack, Text, Title } from '@mantine/core';

export function usePageTitle(title: string) {
  useEffect(() => {
    document.title = `${title} – Osprey`;
  }, [title]);
}

export function Page({ title, description, actions, children }: { title: string; description?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  usePageTitle(title);
  return (
    <Stack gap="lg">
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <Title order={1} fz={28}>{title}</Title>
          {description && <Text c="dimmed" mt={4} maw={760} component="div">{description}</Text>}
        </div>
        {actions && <Group gap="sm">{actions}</Group>}
      </Group>
      {children}
    </Stack>
  );
}

export function Loading({ label = 'Loading…' }: { label?: string }) {
  return (
    <Center py="xl" role="status" aria-live="polite">
      <Group gap="sm"><Loader size="sm" /><Text c="dimmed">{label}</Text></Group>
    </Center>
  );
}

export function ErrorNote({ message, title = 'Something went wrong' }: { message: string | null | undefined; title?: string }) {
  if (!message) return null;
  return <Alert color="red" variant="light" title={title} role="alert">{message}</Alert>;
}
