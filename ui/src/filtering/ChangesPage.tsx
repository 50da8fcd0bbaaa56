/** The filter change log: every change to a policy or block list, who made it, when, why, and what changed. */
import { Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { formatDateTime, plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import { ChangeLines, diffContext, EntityLink, useChanges, useEntityNamer } from './changes.tsx';
import { FilteringTabs, useCategories, useGroups } from './labels.tsx';
import type { ListSource, Policy } from './types.ts';

const PAGE = 50;
const ALL: string[] = [];

export function ChangesPage() {
  const { byId: categories, error: categoriesError } = useCategories();
  const groups = useGroups();
  const policies = useApi<{ policies: Policy[] }>('/api/filtering/policies');
  const sources = useApi<{ sources: ListSource[] }>('/api/filtering/sources');
  const log = useChanges(ALL, PAGE);
  const nameOf = useEntityNamer(policies.data?.policies, sources.data?.sources);
  const ctx = diffContext(categories, groups.byId, groups.readable);
  const ready = log.changes && categories.size > 0;

  return (
    <Page title="Filter change log" description="Every change to a policy or a block list, newest first, with who made it and why. Entries cannot be changed or deleted. Governors review this log. Times are UK time.">
      <FilteringTabs active="changes" />
      <ErrorNote message={log.error ?? categoriesError} title="The change log could not be loaded" />
      {!ready && !log.error && !categoriesError && <Loading />}
      {ready && log.changes!.length === 0 && <Paper withBorder p="xl" radius="md" ta="center"><Text c="dimmed">No changes have been made yet.</Text></Paper>}
      {ready && log.changes!.length > 0 && (
        <Stack gap="sm">
          <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
            <Table.ScrollContainer minWidth={900}>
              <Table verticalSpacing="sm" striped aria-label="Filter changes" style={{ verticalAlign: 'top' }}>
                <Table.Thead bg="gray.0">
                  <Table.Tr><Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>What</Table.Th><Table.Th>Why</Table.Th><Table.Th>What changed</Table.Th></Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {log.changes!.map((c) => (
                    <Table.Tr key={c.seq} data-testid="filter-change">
                      <Table.Td fz="sm" style={{ whiteSpace: 'nowrap', verticalAlign: 'top' }}>{formatDateTime(c.at)}</Table.Td>
                      <Table.Td fz="sm" style={{ verticalAlign: 'top' }}>
                        {c.actorLabel}
                        {c.approvedBy && <Text fz="xs" c="dimmed">Approved by {c.approvedBy}</Text>}
                      </Table.Td>
                      <Table.Td style={{ verticalAlign: 'top' }} miw={170}>
                        <EntityLink entity={nameOf(c)} action={c.action} />
                      </Table.Td>
                      <Table.Td fz="sm" miw={200} maw={300} style={{ verticalAlign: 'top', wordBreak: 'break-word' }}>{c.reason}</Table.Td>
                      <Table.Td style={{ verticalAlign: 'top' }} miw={300}><ChangeLines change={c} ctx={ctx} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          <Group justify="space-between">
            <Text fz="sm" c="dimmed">Showing {plural(log.changes!.length, 'change')}.</Text>
            {log.more && <Button variant="default" onClick={log.loadOlder} loading={log.loadingOlder}>Load older changes</Button>}
          </Group>
        </Stack>
      )}
    </Page>
  );
}
