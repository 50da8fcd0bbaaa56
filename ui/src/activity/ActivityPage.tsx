/**
 * Activity (R4.1): what was visited, blocked and searched, newest first, for safeguarding and network staff.
 * The filters live in the address, so a link can open a search again and Back works. A person's name opens their
 * timeline (PersonTimelinePage). Every search and download here is recorded in the audit log.
 */
import { useState } from 'react';
import { Button, Group, Paper, Stack, Table, Text } from '@mantine/core';
import { queryString } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { plural } from '../app/format.ts';
import { Loading, Page } from '../app/Page.tsx';
import { Link, linkProps, navigate, useLocation } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { ActivityFilters } from './ActivityFilters.tsx';
import { BLOCKED_ROW_STYLE, CategoryCell, DownloadCsvButton, EmptyState, LoadError, OutcomeCell, SearchTermCell, SiteCell } from './parts.tsx';
import { DEFAULT_TIME_ZONE, formatWhen } from './time.ts';
import { FILTERS, filtersFrom, type ActivityAnswer, type ActivityEvent } from './types.ts';

const PAGE_SIZE = 100;

export const timelineHref = (personId: string) => `/activity/people/${personId}`;

function WhoCell({ e }: { e: ActivityEvent }) {
  if (e.person) {
    return (
      <Stack gap={0}>
        <Link to={timelineHref(e.person.id)} fw={600} fz="sm">{e.person.name}</Link>
        <Text fz="xs" c="dimmed">{e.person.username}{e.person.yearGroup ? ` · ${e.person.yearGroup}` : ''}</Text>
      </Stack>
    );
  }
  if (e.username) return <Link to={`/activity?person=${encodeURIComponent(e.username)}`} fz="sm">{e.username}</Link>;
  return <Text fz="sm" c="dimmed">Not identified</Text>;
}

function DeviceCell({ e }: { e: ActivityEvent }) {
  return (
    <Stack gap={0}>
      {e.deviceId && <Text fz="sm">{e.deviceId}</Text>}
      <Text fz="xs" ff="monospace">{e.ip ?? '—'}</Text>
    </Stack>
  );
}

export function ActivityTable({ events, timeZone }: { events: ActivityEvent[]; timeZone: string }) {
  return (
    <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
      <Table.ScrollContainer minWidth={1000}>
        <Table verticalSpacing="xs" highlightOnHover aria-label="Activity, newest first">
          <Table.Thead bg="gray.0">
            <Table.Tr>
              <Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>Site</Table.Th><Table.Th>Search term</Table.Th>
              <Table.Th>Category</Table.Th><Table.Th>What happened</Table.Th><Table.Th>Device and address</Table.Th>
            </Table.Tr>
          </Table.Thead>
          <Table.Tbody>
            {events.map((e) => (
              <Table.Tr key={e.id} data-action={e.action} style={e.action === 'block' ? BLOCKED_ROW_STYLE : undefined}>
                <Table.Td fz="sm" style={{ whiteSpace: 'nowrap' }}>{formatWhen(e.time, timeZone)}</Table.Td>
                <Table.Td><WhoCell e={e} /></Table.Td>
                <Table.Td><SiteCell e={e} /></Table.Td>
                <Table.Td maw={260}><SearchTermCell e={e} /></Table.Td>
                <Table.Td><CategoryCell e={e} /></Table.Td>
                <Table.Td><OutcomeCell e={e} timeZone={timeZone} /></Table.Td>
                <Table.Td><DeviceCell e={e} /></Table.Td>
              </Table.Tr>
            ))}
          </Table.Tbody>
        </Table>
      </Table.ScrollContainer>
    </Paper>
  );
}

export function ActivityPage() {
  const { can } = useAuth();
  const { search } = useLocation();
  const applied = filtersFrom(search);
  const appliedKey = queryString(applied);
  // Older pages are reached with the server's marker; the markers of the pages before are kept to go back. They
  // belong to one set of filters, so new filters start on the first page without a stray (audited) request.
  const [paging, setPaging] = useState<{ key: string; markers: string[] }>({ key: appliedKey, markers: [] });
  const markers = paging.key === appliedKey ? paging.markers : [];

  const before = markers.at(-1) ?? '';
  const result = useApi<ActivityAnswer>('/api/activity', { ...applied, limit: PAGE_SIZE, before });
  const answer = result.loading || result.error ? undefined : result.data;
  const timeZone = result.data?.timeZone ?? DEFAULT_TIME_ZONE;
  const events = answer?.events;
  const filtered = FILTERS.some((k) => applied[k]);
  const person = answer?.person ?? null;

  const goTo = (next: string[]) => { setPaging({ key: appliedKey, markers: next }); window.scrollTo(0, 0); };

  return (
    <Page title="Activity"
      description={<>Sites visited, blocked attempts and searches, newest first. Times are school time ({timeZone.replace('_', ' ')}). Every search and download here is recorded in the audit log.</>}
      actions={person ? <Button variant="light" component="a" {...linkProps(timelineHref(person.id))}>{person.name}’s timeline</Button> : undefined}>
      <ActivityFilters applied={applied} person={person} timeZone={timeZone}
        onApply={(f) => navigate(`/activity${queryString(f)}`)} onClear={() => navigate('/activity')} />

      {result.error && !result.loading && <LoadError message={result.error} onRetry={result.reload} />}
      {!result.error && !answer && <Loading label="Looking up activity…" />}

      {answer && events && events.length === 0 && (
        filtered ? (
          <EmptyState title="No activity matches these filters">
            {applied.person && !person
              ? <>Osprey does not know anyone with the username “{applied.person}”. Start typing their name in the Person box and choose them from the list.</>
              : <>Try a longer time range, or clear some of the filters.</>}
          </EmptyState>
        ) : (
          <EmptyState title="No internet activity has been recorded yet">
            Activity appears here once pupils and staff use the internet through Osprey’s web filter or DNS filter.
            {can('filtering.read') && <> See <Link to="/filtering" underline="always">Filtering</Link> for how devices are set up.</>}
          </EmptyState>
        )
      )}

      {answer && events && events.length > 0 && (
        <Stack gap="sm">
          <Group justify="space-between" wrap="wrap" gap="sm">
            <Text fw={600} role="status" aria-live="polite">
              {markers.length === 0 ? `The latest ${plural(events.length, 'event')}` : `${plural(events.length, 'older event')} (page ${markers.length + 1})`}
              {answer.next ? '. There are older ones.' : '.'}
            </Text>
            <Group gap="xs" align="center">
              <Text fz="sm" c="dimmed">All the matching events, not only this page:</Text>
              <DownloadCsvButton filters={applied} />
            </Group>
          </Group>
          <ActivityTable events={events} timeZone={timeZone} />
        </Stack>
      )}
      {answer && (markers.length > 0 || answer.next) && (
        <Group justify="center" gap="sm" component="nav" aria-label="Pages of activity">
          <Button variant="default" disabled={markers.length === 0} onClick={() => goTo(markers.slice(0, -1))}>Newer</Button>
          <Button variant="default" disabled={!answer.next} onClick={() => goTo([...markers, answer.next!])}>Older</Button>
        </Group>
      )}
    </Page>
  );
}
