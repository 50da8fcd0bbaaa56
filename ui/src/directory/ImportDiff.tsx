/** What an import would do (or did): counts, then tables of who is added, changed or marked as a leaver. */
import type { ReactNode } from 'react';
import { Alert, List, Paper, SimpleGrid, Stack, Table, Text, Title, VisuallyHidden } from '@mantine/core';
import { plural } from '../app/format.ts';
import { roleLabel, RoleBadges } from './labels.tsx';
import type { ImportPlan } from '../../../src/directory/schemas.ts';

const SHOW_AT_MOST = 200;

function Stat({ label, value, colour }: { label: string; value: number; colour: string }) {
  return (
    <Paper withBorder radius="md" p="md" style={{ borderLeft: `5px solid var(--mantine-color-${colour}-6)` }}>
      <Text fz={28} fw={700} lh={1.1} style={{ fontVariantNumeric: 'tabular-nums' }}>{value.toLocaleString('en-GB')}</Text>
      <Text fz="sm" c="dimmed">{label}</Text>
    </Paper>
  );
}

function Section({ title, count, note, children }: { title: string; count: number; note?: string; children: ReactNode }) {
  if (count === 0) return null;
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap="xs">
        <Title order={3} fz={18}>{title} <Text span c="dimmed" fw={400} fz="md">({count.toLocaleString('en-GB')})</Text></Title>
        {note && <Text fz="sm" c="dimmed">{note}</Text>}
        <Table.ScrollContainer minWidth={560}>{children}</Table.ScrollContainer>
        {count > SHOW_AT_MOST && <Text fz="sm" c="dimmed">Showing the first {SHOW_AT_MOST} of {count.toLocaleString('en-GB')}.</Text>}
      </Stack>
    </Paper>
  );
}

const showValue = (field: string, v: string) => {
  if (!v) return <Text span c="dimmed" fs="italic">empty</Text>;
  if (field === 'roles') return v.split(', ').map(roleLabel).join(', ');
  return v;
};

/** children: the buttons to apply the import, shown after the summary and before the long tables. */
export function ImportDiff({ plan, children }: { plan: ImportPlan; children?: ReactNode }) {
  return (
    <Stack gap="md">
      <SimpleGrid cols={{ base: 2, sm: 3, md: 5 }} spacing="sm" role="group" aria-label="Summary">
        <Stat label="To add" value={plan.added.length} colour="green" />
        <Stat label="To change" value={plan.changed.length} colour="blue" />
        <Stat label="To mark as leavers" value={plan.leavers.length} colour="orange" />
        <Stat label="Unchanged" value={plan.unchanged} colour="gray" />
        <Stat label={plan.problems.length === 1 ? 'Problem' : 'Problems'} value={plan.problems.length} colour="red" />
      </SimpleGrid>

      {plan.problems.length > 0 && (
        <Alert color="red" variant="light" title={`${plural(plan.problems.length, 'row has', 'rows have')} problems`} role="alert">
          <Text fz="sm" mb="xs">Fix these in your school information system or the file, then check again – or tick “Skip the rows with problems” below to import everything else.</Text>
          <List spacing={4} fz="sm">
            {plan.problems.slice(0, SHOW_AT_MOST).map((p, i) => (
              <List.Item key={i}><Text span ff="monospace" fz="sm" fw={600}>{p.file}:{p.line}</Text>: {p.message}</List.Item>
            ))}
          </List>
          {plan.problems.length > SHOW_AT_MOST && <Text fz="sm" mt="xs">…and {plan.problems.length - SHOW_AT_MOST} more.</Text>}
        </Alert>
      )}
      {plan.leaversNote && <Alert color="yellow" variant="light">{plan.leaversNote}</Alert>}
      {children}

      <Section title="To add" count={plan.added.length}>
        <Table verticalSpacing={6} striped aria-label="People to add">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Username</Table.Th><Table.Th>Roles</Table.Th><Table.Th>Line</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {plan.added.slice(0, SHOW_AT_MOST).map((a) => (
              <Table.Tr key={`${a.externalId}-${a.line}`}>
                <Table.Td fw={600}>{a.name}</Table.Td><Table.Td ff="monospace" fz="sm">{a.username}</Table.Td>
                <Table.Td><RoleBadges roles={a.roles} /></Table.Td><Table.Td c="dimmed">{a.line}</Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Section>

      <Section title="To change" count={plan.changed.length}>
        <Table verticalSpacing={6} striped aria-label="People to change">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Username</Table.Th><Table.Th>What changes</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {plan.changed.slice(0, SHOW_AT_MOST).map((c) => (
              <Table.Tr key={c.personId}>
                <Table.Td fw={600}>{c.name}</Table.Td><Table.Td ff="monospace" fz="sm">{c.username}</Table.Td>
                <Table.Td>
                  <Stack gap={2}>
                    {c.changes.map((ch, i) => (
                      <Text key={i} fz="sm"><Text span fz="sm" fw={650}>{ch.field.charAt(0).toUpperCase() + ch.field.slice(1)}</Text>: {showValue(ch.field, ch.from)} <span aria-hidden="true">→</span><VisuallyHidden>changes to</VisuallyHidden> {showValue(ch.field, ch.to)}</Text>
                    ))}
                  </Stack>
                </Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Section>

      <Section title="To mark as leavers" count={plan.leavers.length}
        note="These people are in Osprey but not in the file. They will no longer be able to log in; their records are kept.">
        <Table verticalSpacing={6} striped aria-label="People to mark as leavers">
          <Table.Thead><Table.Tr><Table.Th>Name</Table.Th><Table.Th>Username</Table.Th><Table.Th>ID in the file</Table.Th></Table.Tr></Table.Thead>
          <Table.Tbody>
            {plan.leavers.slice(0, SHOW_AT_MOST).map((l) => (
              <Table.Tr key={l.personId}><Table.Td fw={600}>{l.name}</Table.Td><Table.Td ff="monospace" fz="sm">{l.username}</Table.Td><Table.Td>{l.externalId}</Table.Td></Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Section>
    </Stack>
  );
}
