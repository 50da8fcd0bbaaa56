/** A person's chronology (R5.7): the incidents they were involved in, oldest first, that you may see (audited). */
import { Stack, Table, Text } from '@mantine/core';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { StatusBadge, Tag } from './IncidentsPage.tsx';
import { PART_LABELS, type PersonPart, type Status } from './types.ts';

interface Entry { at: string; incidentId: string; reference: string; part: PersonPart; categoryLabel: string; status: Status; classification: string; summary: string }

export function ChronologyPage({ id }: { id: string }) {
  const person = useApi<{ person: { givenName: string; familyName: string } }>(`/api/people/${id}`);
  const c = useApi<{ entries: Entry[] }>(`/api/people/${id}/incidents`);
  const name = person.data ? `${person.data.person.givenName} ${person.data.person.familyName}` : 'this person';
  return (
    <Page title={`Chronology: ${name}`} description="Incidents this person was involved in, oldest first. Restricted ones appear only for the safeguarding team and people they granted.">
      <ErrorNote message={c.error} />
      {!c.data ? <Loading /> : c.data.entries.length === 0 ? <Text c="dimmed">No incidents you can see involve {name}.</Text> : (
        <Stack>
          <Table withTableBorder aria-label={`Incidents involving ${name}`}>
            <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Incident</Table.Th><Table.Th>Part</Table.Th><Table.Th>What happened</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>{c.data.entries.map((e, i) => (
              <Table.Tr key={i}>
                <Table.Td>{formatDateTime(e.at)}</Table.Td>
                <Table.Td><Link to={`/incidents/${e.incidentId}`}>{e.reference}</Link> {e.classification === 'restricted' && <Tag color="red" size="sm">Restricted</Tag>}<Text fz="sm">{e.categoryLabel}</Text></Table.Td>
                <Table.Td>{PART_LABELS[e.part]}</Table.Td>
                <Table.Td>{e.summary}</Table.Td>
                <Table.Td><StatusBadge status={e.status} /></Table.Td>
              </Table.Tr>
            ))}</Table.Tbody>
          </Table>
        </Stack>
      )}
    </Page>
  );
}
