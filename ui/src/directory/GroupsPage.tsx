/** Groups by kind with how many people are in each; choosing one shows its members in the people list. */
import { Paper, SimpleGrid, Stack, Table, Text, Title } from '@mantine/core';
import { GROUP_KINDS } from '../../../src/directory/types.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link, navigate } from '../app/router.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { DirectoryTabs, KIND_LABELS_PLURAL } from './labels.tsx';

export function GroupsPage() {
  const groups = useApi<{ groups: GroupRow[] }>('/api/groups');
  const all = groups.data?.groups ?? [];
  return (
    <Page title="People & groups" description="Groups come from your school information system: key stages, year groups, classes and staff teams. Choose a group to see who is in it.">
      <DirectoryTabs active="groups" />
      <ErrorNote message={groups.error} title="The groups could not be loaded" />
      {!groups.data && !groups.error && <Loading />}
      {groups.data && all.length === 0 && (
        <Paper withBorder p="xl" radius="md" ta="center"><Text c="dimmed">There are no groups yet. They are created when you import people.</Text></Paper>
      )}
      <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="lg">
        {GROUP_KINDS.map((kind) => {
          const rows = all.filter((g) => g.kind === kind);
          if (rows.length === 0) return null;
          const headingId = `groups-${kind}`;
          return (
            <Paper key={kind} withBorder radius="md" p="md" style={{ alignSelf: 'start' }}>
              <Stack gap="xs">
                <Title order={2} fz={18} id={headingId}>{KIND_LABELS_PLURAL[kind]} <Text span c="dimmed" fz="sm" fw={400}>({rows.length})</Text></Title>
                <Table highlightOnHover verticalSpacing={6} aria-labelledby={headingId}>
                  <Table.Thead>
                    <Table.Tr><Table.Th>Name</Table.Th><Table.Th ta="right">Members</Table.Th></Table.Tr>
                  </Table.Thead>
                  <Table.Tbody>
                    {rows.map((g) => (
                      <Table.Tr key={g.id} className="osprey-row-link" onClick={(e) => { if (!(e.target as HTMLElement).closest('a')) navigate(`/people?group=${g.id}`); }}>
                        <Table.Td>
                          <Link to={`/people?group=${g.id}`}>{g.name}</Link>
                          {g.description && <Text fz="xs" c="dimmed">{g.description}</Text>}
                        </Table.Td>
                        <Table.Td ta="right" style={{ fontVariantNumeric: 'tabular-nums' }}>{g.memberCount.toLocaleString('en-GB')}</Table.Td>
                      </Table.Tr>
                    ))}
                  </Table.Tbody>
                </Table>
              </Stack>
            </Paper>
          );
        })}
      </SimpleGrid>
    </Page>
  );
}
