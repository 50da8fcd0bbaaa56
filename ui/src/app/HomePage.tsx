/** Home: a greeting, the areas this person can use, and for governors the directory report. */
import { Paper, SimpleGrid, Stack, Text, Title, UnstyledButton } from '@mantine/core';
import { PendingAgreementsCard } from '../agreements/PendingAgreementsCard.tsx';
import { DirectoryReport } from '../reports/DirectoryReport.tsx';
import { useMe } from './auth.tsx';
import { greeting } from './format.ts';
import { usePageTitle } from './Page.tsx';
import { linkProps } from './router.tsx';
import type { Permission } from './types.ts';

const AREAS: { to: string; title: string; text: string; permission: Permission }[] = [
  { to: '/people', title: 'People & groups', text: 'Find staff, pupils, parents and carers; see their roles, classes and accounts.', permission: 'people.read' },
  { to: '/people/import', title: 'Import people', text: 'Bring people in from your school information system, checking the changes first.', permission: 'people.import' },
  { to: '/agreements', title: 'Acceptable Use Agreements', text: 'Agreements for each role, who has signed this school year, and reminders.', permission: 'agreements.read' },
  { to: '/audit', title: 'Audit log', text: 'See who did what and when, and check the log has not been altered.', permission: 'audit.read' },
  { to: '/reports', title: 'Reports', text: 'Numbers for leaders and governors, and the roles register.', permission: 'reports.read' },
];

export function HomePage() {
  usePageTitle('Home');
  const me = useMe();
  const areas = AREAS.filter((a) => me.permissions.includes(a.permission));
  const isGovernor = me.person.roles.some((r) => r === 'governor' || r === 'online_safety_governor');

  return (
    <Stack gap="xl">
      <div>
        <Title order={1} fz={30}>{greeting()}, {me.person.givenName}</Title>
        <Text c="dimmed" mt={4}>Welcome to Osprey at {me.school.name}.{me.person.roleLabels.length > 0 && ` You are logged in as ${me.person.roleLabels.join(', ')}.`}</Text>
      </div>
      <PendingAgreementsCard />
      {areas.length > 0 && !isGovernor && (
        <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md">
          {areas.map((a) => (
            <UnstyledButton key={a.to} component="a" {...linkProps(a.to)} style={{ borderRadius: 12 }}>
              <Paper withBorder radius="lg" p="lg" h="100%" className="osprey-row-link">
                <Text fw={700} fz="lg" c="osprey.8">{a.title} →</Text>
                <Text mt={6} c="dark.4">{a.text}</Text>
              </Paper>
            </UnstyledButton>
          ))}
        </SimpleGrid>
      )}
      {isGovernor && me.permissions.includes('reports.read') && (
        <Stack gap="md">
          <Title order={2} fz={22}>Your school at a glance</Title>
          <DirectoryReport />
        </Stack>
      )}
      {areas.length === 0 && (
        <Paper withBorder radius="lg" p="lg" maw={640}>
          <Text>There is nothing for you to manage in Osprey at the moment. Osprey helps keep everyone at {me.school.name} safe online.</Text>
          <Text mt="sm" c="dimmed">If you think you should see more here, speak to your teacher or the school office.</Text>
        </Paper>
      )}
    </Stack>
  );
}
