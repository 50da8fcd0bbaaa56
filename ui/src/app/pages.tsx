/** Friendly pages for addresses a person cannot use. */
import type { ReactNode } from 'react';
import { Button, Paper, Stack, Text, Title } from '@mantine/core';
import { usePageTitle } from './Page.tsx';
import { linkProps } from './router.tsx';

function Notice({ title, children }: { title: string; children: ReactNode }) {
  usePageTitle(title);
  return (
    <Paper withBorder p="xl" maw={640} mx="auto" mt="xl" radius="lg">
      <Stack gap="md" align="flex-start">
        <Title order={1} fz={26}>{title}</Title>
        {children}
        <Button component="a" {...linkProps('/')}>Go to the home page</Button>
      </Stack>
    </Paper>
  );
}

export function NoAccessPage() {
  return (
    <Notice title="You do not have access to this page">
      <Text>Your role in Osprey does not include this page. If you think you need it for your work, ask an Osprey administrator at your school.</Text>
    </Notice>
  );
}

export function NotFoundPage() {
  return (
    <Notice title="Page not found">
      <Text>There is no page at this address. It may have moved, or the link may be mistyped.</Text>
    </Notice>
  );
}
