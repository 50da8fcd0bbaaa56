/**
 * A person's chronology (R5.7): the incidents they were involved in and the monitoring alerts about them, oldest
 * first, as far as you may see them (audited).
 */
import { Stack, Table, Text } from '@mantine/core';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { StatusBadge, Tag } from './IncidentsPage.tsx';
import { PART_LABELS } from './types.ts';
import type { PersonDetail } from '../app/types.ts';
import type { ChronologyEntry } from '../../../src/incidents/schemas.ts';

const ALERT_STATUS: Record<string, string> = { open: 'Open', acknowledged: 'Acknowledged', dismissed: 'Dismissed', escalated: 'Escalated' };

export function ChronologyPage({ id }: { id: string }) {
  const person = useApi<PersonDetail>(`/api/people/${id}`);
  const c = useApi<{ entries: ChronologyEntry[] }>(`/api/people/${id}/chronology`);
  const name = person.data ? `${person.data.person.givenName} ${person.data.person.familyName}` : 'this person';
  return (
    <Page title={`Chronology: ${name}`} description="Incidents this person was involved in and monitoring alerts about them, oldest first. Restricted incidents appear only for the safeguarding team and people they granted; alerts only for the people they were sent to.">
      <ErrorNote message={c.error} />
      {!c.data ? <Loading /> : c.data.entries.length === 0 ? <Text c="dimmed">No incidents or alerts you can see involve {name}.</Text> : (
        <Stack>
          <Table withTableBorder aria-label={`Incidents and alerts involving ${name}`}>
            <Table.Thead><Table.Tr><Table.Th>When</Table.Th><Table.Th>Incident or alert</Table.Th><Table.Th>Part</Table.Th><Table.Th>What happened</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>{c.data.entries.map((e, i) => e.kind === 'alert' ? (
              <Table.Tr key={i}>
                <Table.Td>{formatDateTime(e.at)}</Table.Td>
                <Table.Td><Link to={`/alerts/${e.alertId}`}>Monitoring alert</Link> <Tag color={e.severity === 'critical' ? 'red' : 'orange'} size="sm">{e.severity}</Tag></Table.Td>
                <Table.Td>—</Table.Td>
                <Table.Td>{e.summary}{e.incidentId && <Text fz="sm"><Link to={`/incidents/${e.incidentId}`}>Escalated into an incident</Link></Text>}</Table.Td>
                <Table.Td>{ALERT_STATUS[e.status] ?? e.status}</Table.Td>
              </Table.Tr>
            ) : (
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
