/**
 * Activity (R4.1): what was visited, blocked and searched, newest first, for safeguarding and network staff.
 * The filters live in the address, so a link can open one pupil's timeline (/activity?person=…) and Back works.
 * Filters apply when the form is sent, not on every key press: each search is recorded in the audit log.
 */
import { useEffect, useState, type FormEvent } from 'react';
import { Anchor, Button, Group, Paper, Select, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { CATEGORIES } from '../../../src/filtering/lists/taxonomy.ts';
import { queryString } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { formatDateTime, plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link, linkProps, navigate, useLocation } from '../app/router.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { ActionBadge, VERDICT_LABELS } from '../filtering/labels.tsx';
import type { Verdict } from '../filtering/types.ts';

interface ActivityEvent {
  id: string;
  time: string;
  person: { id: string; name: string; username: string; yearGroup: string | null } | null;
  username: string | null;
  deviceId: string | null;
  ip: string | null;
  host: string;
  url: string | null;
  searchTerm: string | null;
  category: { id: string; name: string } | null;
  action: Verdict;
  policy: { id: string; name: string | null };
  circumvention: boolean;
}

const FILTERS = ['person', 'group', 'device', 'ip', 'host', 'category', 'action', 'from', 'to'] as const;
type Filters = Record<(typeof FILTERS)[number], string>;
const PAGE_SIZE = 100;

const ACTION_OPTIONS = (['block', 'warn', 'monitor', 'allow', 'safesearch'] as Verdict[]).map((a) => ({ value: a, label: VERDICT_LABELS[a] }));
const CATEGORY_OPTIONS = [
  { value: 'none', label: 'No category' },
  ...[...CATEGORIES].sort((a, b) => a.name.localeCompare(b.name, 'en-GB')).map((c) => ({ value: c.id, label: c.name })),
];

/** A datetime-local value ("2026-11-16T09:00", the browser's own time) as ISO 8601 for the API, and back. */
const toIso = (local: string) => (local ? new Date(local).toISOString() : '');
function toLocal(iso: string): string {
  if (!iso) return '';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return '';
  return new Date(d.getTime() - d.getTimezoneOffset() * 60_000).toISOString().slice(0, 16);
}

function filtersFrom(search: URLSearchParams): Filters {
  return Object.fromEntries(FILTERS.map((k) => [k, search.get(k) ?? ''])) as Filters;
}

function WhoCell({ e }: { e: ActivityEvent }) {
  if (e.person) {
    return (
      <Stack gap={0}>
        <Link to={`/activity?person=${e.person.id}`} fw={600} fz="sm">{e.person.name}</Link>
        <Text fz="xs" c="dimmed">{e.person.username}{e.person.yearGroup ? ` · ${e.person.yearGroup}` : ''}</Text>
      </Stack>
    );
  }
  if (e.username) return <Link to={`/activity?person=${encodeURIComponent(e.username)}`} fz="sm">{e.username}</Link>;
  return <Text fz="sm" c="dimmed">Not identified</Text>;
}

function SiteCell({ e }: { e: ActivityEvent }) {
  return (
    <Stack gap={2} maw={420}>
      <Text fz="sm" fw={600} style={{ wordBreak: 'break-all' }}>{e.host}</Text>
      {e.url && <Text fz="xs" c="dimmed" ff="monospace" lineClamp={1} title={e.url} style={{ wordBreak: 'break-all' }}>{e.url}</Text>}
      {e.searchTerm && <Text fz="xs">Searched for: <Text span fz="xs" fw={650}>“{e.searchTerm}”</Text></Text>}
      {e.circumvention && <Text fz="xs" fw={650} c="red.9">Trying to get round the filter</Text>}
    </Stack>
  );
}

export function ActivityPage() {
  const { can } = useAuth();
  const { search } = useLocation();
  const applied = filtersFrom(search);
  const [form, setForm] = useState<Filters>(applied);
  const appliedKey = queryString(applied);
  // Older pages are reached with the server's marker; the markers of the pages before are kept to go back.
  const [markers, setMarkers] = useState<string[]>([]);
  useEffect(() => { setForm(filtersFrom(search)); setMarkers([]); window.scrollTo(0, 0); }, [appliedKey]);

  const groups = useApi<{ groups: GroupRow[] }>(can('groups.read') ? '/api/groups' : null);
  const before = markers.at(-1) ?? '';
  const result = useApi<{ events: ActivityEvent[]; next: string | null }>('/api/activity', { ...applied, limit: PAGE_SIZE, before });
  const events = result.data?.events;
  const filtered = FILTERS.some((k) => applied[k]);
  const personName = !applied.person ? undefined : events?.find((e) => e.person && (e.person.id === applied.person || e.person.username === applied.person.toLowerCase()))?.person;

  // Filtered by a person's id (a link from the table): show their username in the box rather than the id.
  useEffect(() => {
    if (personName && form.person === applied.person && applied.person === personName.id) setForm((f) => ({ ...f, person: personName.username }));
  }, [personName?.id]);

  const set = (key: keyof Filters) => (value: string | null) => setForm((f) => ({ ...f, [key]: value ?? '' }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    navigate(`/activity${queryString(Object.fromEntries(FILTERS.map((k) => [k, form[k].trim()])))}`);
  };

  return (
    <Page title={personName ? `Activity: ${personName.name}` : 'Activity'}
      description="Sites visited, blocked attempts and searches, newest first. Times are UK time. Every search and download here is recorded in the audit log."
      actions={personName && can('people.read') ? <Button component="a" {...linkProps(`/people/${personName.id}`)} variant="light">Open their record</Button> : undefined}>
      <Paper withBorder p="md" radius="md" component="form" onSubmit={submit} aria-label="Filter activity">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm">
          <TextInput label="Person" description="Username (or the person's id)" value={form.person} onChange={(e) => set('person')(e.currentTarget.value)}
            autoComplete="off" spellCheck={false} autoCapitalize="none" />
          <Select label="Group" description="Everyone in a class, year or team" placeholder="Any group" value={form.group || null} onChange={set('group')}
            data={(groups.data?.groups ?? []).map((g) => ({ value: g.id, label: g.name }))} searchable clearable disabled={!can('groups.read')}
            nothingFoundMessage="No group with that name" clearButtonProps={{ 'aria-label': 'Any group' }} />
          <TextInput label="Site" description="bbc.co.uk also finds news.bbc.co.uk" value={form.host} onChange={(e) => set('host')(e.currentTarget.value)}
            autoComplete="off" spellCheck={false} autoCapitalize="none" />
          <Select label="What happened" description="Blocked, warned, monitored or allowed" placeholder="Anything" value={form.action || null} onChange={set('action')} data={ACTION_OPTIONS}
            clearable clearButtonProps={{ 'aria-label': 'Anything' }} />
          <Select label="Category" description="What the site is about" placeholder="Any category" value={form.category || null} onChange={set('category')} data={CATEGORY_OPTIONS}
            searchable clearable nothingFoundMessage="No category with that name" clearButtonProps={{ 'aria-label': 'Any category' }} />
          <TextInput label="Device" description="The device's name" value={form.device} onChange={(e) => set('device')(e.currentTarget.value)}
            autoComplete="off" spellCheck={false} />
          <TextInput label="IP address" description="10.0.3.45, or a network: 10.0.3.0/24" value={form.ip} onChange={(e) => set('ip')(e.currentTarget.value)}
            autoComplete="off" spellCheck={false} />
          <TextInput label="From" description="Date and time (your time)" type="datetime-local" value={toLocal(form.from)}
            onChange={(e) => set('from')(toIso(e.currentTarget.value))} />
          <TextInput label="Until" description="Date and time (your time)" type="datetime-local" value={toLocal(form.to)}
            onChange={(e) => set('to')(toIso(e.currentTarget.value))} />
        </SimpleGrid>
        <Group mt="md" gap="sm">
          <Button type="submit">Show activity</Button>
          {filtered && <Button variant="default" onClick={() => navigate('/activity')}>Clear the filters</Button>}
        </Group>
      </Paper>

      <ErrorNote message={result.error} title="The activity could not be loaded" />
      <Group justify="space-between" wrap="wrap">
        <Text fw={600} role="status" aria-live="polite">
          {events ? (events.length === 0 ? 'No activity matches.' : `Showing ${plural(events.length, 'event')}${markers.length ? `, page ${markers.length + 1}` : ''}${result.data?.next ? ' (there are older ones)' : ''}.`) : 'Loading…'}
        </Text>
        {events && events.length > 0 && (
          <Anchor href={`/api/activity.csv${appliedKey}`} download fw={600}>Download all matching events (CSV)</Anchor>
        )}
      </Group>

      {!events && !result.error && <Loading />}
      {events && events.length > 0 && (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={960}>
            <Table verticalSpacing="xs" striped aria-label="Activity, newest first">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>Device and address</Table.Th><Table.Th>Site</Table.Th>
                  <Table.Th>Category</Table.Th><Table.Th>What happened</Table.Th><Table.Th>Policy</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {events.map((e) => (
                  <Table.Tr key={e.id}>
                    <Table.Td fz="sm" style={{ whiteSpace: 'nowrap' }}>{formatDateTime(e.time)}</Table.Td>
                    <Table.Td><WhoCell e={e} /></Table.Td>
                    <Table.Td>
                      {e.deviceId && <Text fz="sm">{e.deviceId}</Text>}
                      <Text fz="xs" ff="monospace">{e.ip ?? '—'}</Text>
                    </Table.Td>
                    <Table.Td><SiteCell e={e} /></Table.Td>
                    <Table.Td fz="sm">{e.category?.name ?? <Text span fz="sm" c="dimmed">None</Text>}</Table.Td>
                    <Table.Td><ActionBadge action={e.action} size="sm">{VERDICT_LABELS[e.action] ?? e.action}</ActionBadge></Table.Td>
                    <Table.Td fz="sm">{e.policy.name ?? <Text span fz="xs" ff="monospace">{e.policy.id}</Text>}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {(markers.length > 0 || result.data?.next) && (
        <Group justify="center" gap="sm">
          <Button variant="default" disabled={markers.length === 0} onClick={() => setMarkers((m) => m.slice(0, -1))}>Newer events</Button>
          <Button variant="default" disabled={!result.data?.next} onClick={() => setMarkers((m) => [...m, result.data!.next!])}>Older events</Button>
        </Group>
      )}
    </Page>
  );
}
