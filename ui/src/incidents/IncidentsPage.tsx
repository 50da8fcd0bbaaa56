/**
 * Incidents: the log for those who may see it (restricted records only for the safeguarding team and people they
 * grant; every listing is audited), and everyone's own reports with where they have got to.
 */
import { Badge, Button, Group, Paper, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { useState, type ReactNode } from 'react';
import { useMe } from '../app/auth.tsx';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link, linkProps } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { STATUS_COLOURS, type IncidentSummary, type MyReport, type Status } from './types.ts';

/** A small label with dark text on a pale background (readable: WCAG contrast). */
export function Tag({ color, children, ml, size = 'md' }: { color: string; children: ReactNode; ml?: string; size?: 'sm' | 'md' }) {
  return <Badge variant="light" color={color} bg={`${color}.0`} c="dark.8" radius="sm" tt="none" fw={650} size={size} ml={ml} style={{ border: `1px solid var(--mantine-color-${color}-3)` }}>{children}</Badge>;
}

export function StatusBadge({ status, label }: { status: Status; label?: string }) {
  return <Tag color={STATUS_COLOURS[status]}>{label ?? { open: 'Open', investigating: 'Being investigated', closed: 'Closed' }[status]}</Tag>;
}

export function IncidentsPage() {
  const me = useMe();
  const seesLog = me.permissions.includes('incidents.read') || me.permissions.includes('incidents.safeguarding');
  const [status, setStatus] = useState('all');
  const list = useApi<{ incidents: IncidentSummary[] }>('/api/incidents', status === 'all' ? undefined : { status });
  const mine = useApi<{ reports: MyReport[] }>('/api/incidents/mine');
  const incidents = list.data?.incidents ?? [];

  return (
    <Page title="Incidents and concerns" description={seesLog ? 'The school\'s e-safety incident log. Restricted (safeguarding) records are shown only to the safeguarding team and the people they choose. Every time a record is opened or listed, it is logged.' : 'Report something that worried you, and see what you have reported.'}
      actions={<Group gap="sm"><Button component="a" {...linkProps('/incidents/report')}>Report a concern</Button>{me.permissions.includes('sanctions.manage') && <Button variant="default" component="a" {...linkProps('/incidents/sanctions')}>Sanctions matrix</Button>}</Group>}>
      {(seesLog || incidents.length > 0) && (
        <Stack gap="sm">
          <Group justify="space-between">
            <Title order={2} fz={20}>{seesLog ? 'Incident log' : 'Incidents shared with you'}</Title>
            <SegmentedControl aria-label="Show" value={status} onChange={setStatus} data={[{ value: 'all', label: 'All' }, { value: 'open', label: 'Open' }, { value: 'investigating', label: 'Being investigated' }, { value: 'closed', label: 'Closed' }]} />
          </Group>
          <ErrorNote message={list.error} />
          {list.loading && !list.data ? <Loading /> : incidents.length === 0 ? <Text c="dimmed">No incidents to show.</Text> : (
            <Table striped withTableBorder aria-label="Incidents">
              <Table.Thead><Table.Tr><Table.Th>Reference</Table.Th><Table.Th>When</Table.Th><Table.Th>Kind</Table.Th><Table.Th>People</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {incidents.map((i) => (
                  <Table.Tr key={i.id}>
                    <Table.Td><Link to={`/incidents/${i.id}`}>{i.reference}</Link>{i.classification === 'restricted' && <Tag ml="xs" color="red">Restricted</Tag>}</Table.Td>
                    <Table.Td>{formatDateTime(i.occurredAt)}</Table.Td>
                    <Table.Td>{i.categoryLabel}</Table.Td>
                    <Table.Td>{i.people.map((p) => p.name).join(', ') || '—'}</Table.Td>
                    <Table.Td><StatusBadge status={i.status} /></Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          )}
        </Stack>
      )}
      <Stack gap="sm">
        <Title order={2} fz={20}>What you have reported</Title>
        <ErrorNote message={mine.error} />
        {mine.loading && !mine.data ? <Loading /> : (mine.data?.reports.length ?? 0) === 0 ? <Text c="dimmed">You have not reported anything yet.</Text> : (
          <Stack gap="xs">
            {mine.data!.reports.map((r) => (
              <Paper key={r.id} withBorder p="sm">
                <Group justify="space-between" align="flex-start">
                  <div>
                    <Text fw={600}>Reported {formatDateTime(r.reportedAt)}{r.anonymous ? ' (without your name)' : ''}</Text>
                    <Text fz="sm" style={{ whiteSpace: 'pre-wrap' }}>{r.whatYouReported}</Text>
                  </div>
                  <StatusBadge status={r.status} label={r.statusLabel} />
                </Group>
              </Paper>
            ))}
          </Stack>
        )}
      </Stack>
    </Page>
  );
}
