/**
 * One person's internet activity, newest first and grouped by school day: what a DSL reads when a concern is raised
 * about a pupil. Opened from the person's record or from a name in Activity. Each page loaded is an audited search.
 */
import { useEffect, useRef, useState } from 'react';
import { Button, Group, Paper, SegmentedControl, Stack, Table, Text, Title } from '@mantine/core';
import { get, isAbort, messageOf } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { plural } from '../app/format.ts';
import { Loading, Page } from '../app/Page.tsx';
import { linkProps, navigate, useLocation } from '../app/router.tsx';
import { BLOCKED_ROW_STYLE, CategoryCell, DownloadCsvButton, EmptyState, LoadError, OutcomeCell, SearchTermCell, SiteCell } from './parts.tsx';
import { dayKey, DEFAULT_TIME_ZONE, formatClock, formatDay } from './time.ts';
import type { ActivityAnswer, ActivityEvent } from './types.ts';

const PAGE_SIZE = 200;
type Show = 'all' | 'block';

function groupByDay(events: ActivityEvent[], timeZone: string): { key: string; label: string; events: ActivityEvent[] }[] {
  const days: { key: string; label: string; events: ActivityEvent[] }[] = [];
  for (const e of events) {
    const key = dayKey(e.time, timeZone);
    if (days.at(-1)?.key !== key) days.push({ key, label: formatDay(e.time, timeZone), events: [] });
    days.at(-1)!.events.push(e);
  }
  return days;
}

function Day({ label, events, timeZone }: { label: string; events: ActivityEvent[]; timeZone: string }) {
  const blocked = events.filter((e) => e.action === 'block').length;
  const searches = events.filter((e) => e.searchTerm).length;
  const headingId = `day-${dayKey(events[0].time, timeZone)}`;
  return (
    <section aria-labelledby={headingId}>
      <Group justify="space-between" align="baseline" mb={6} wrap="wrap" gap="xs">
        <Title order={2} fz={18} id={headingId}>{label}</Title>
        <Text fz="sm" c="dimmed">
          {plural(events.length, 'event')}
          {blocked > 0 && <Text span fz="sm" fw={650} c="red.9">{` · ${plural(blocked, 'blocked', 'blocked')}`}</Text>}
          {searches > 0 && ` · ${plural(searches, 'search', 'searches')}`}
        </Text>
      </Group>
      <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
        <Table.ScrollContainer minWidth={680}>
          {/* Fixed columns, so that the days below one another line up. */}
          <Table verticalSpacing="xs" highlightOnHover layout="fixed" aria-label={`Activity on ${label}`}>
            <Table.Thead bg="gray.0">
              <Table.Tr>
                <Table.Th w={92}>Time</Table.Th><Table.Th>Site</Table.Th><Table.Th w="24%">Search term</Table.Th>
                <Table.Th w="18%">Category</Table.Th><Table.Th w={130}>What happened</Table.Th>
              </Table.Tr>
            </Table.Thead>
            <Table.Tbody>
              {events.map((e) => (
                <Table.Tr key={e.id} data-action={e.action} style={e.action === 'block' ? BLOCKED_ROW_STYLE : undefined}>
                  <Table.Td fz="sm" style={{ whiteSpace: 'nowrap', fontVariantNumeric: 'tabular-nums' }}>{formatClock(e.time, timeZone)}</Table.Td>
                  <Table.Td><SiteCell e={e} /></Table.Td>
                  <Table.Td><SearchTermCell e={e} /></Table.Td>
                  <Table.Td><CategoryCell e={e} /></Table.Td>
                  <Table.Td><OutcomeCell e={e} timeZone={timeZone} /></Table.Td>
                </Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Table.ScrollContainer>
      </Paper>
    </section>
  );
}

export function PersonTimelinePage({ id }: { id: string }) {
  const { can } = useAuth();
  const { search } = useLocation();
  const show: Show = search.get('action') === 'block' ? 'block' : 'all';
  const filters = { person: id, action: show === 'block' ? 'block' : '' };
  const [loaded, setLoaded] = useState<ActivityAnswer | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [generation, setGeneration] = useState(0);
  const controller = useRef<AbortController | null>(null);

  async function load(before: string | null) {
    controller.current?.abort();
    const c = (controller.current = new AbortController());
    setBusy(true);
    setError(null);
    try {
      const page = await get<ActivityAnswer>('/api/activity', { ...filters, limit: PAGE_SIZE, before }, { signal: c.signal });
      setLoaded((prev) => ({ ...page, events: before && prev ? [...prev.events, ...page.events] : page.events }));
    } catch (e) {
      if (isAbort(e)) return;
      setError(messageOf(e));
    }
    if (controller.current === c) setBusy(false);
  }

  useEffect(() => {
    setLoaded(null);
    void load(null);
    return () => controller.current?.abort();
  }, [id, show, generation]);

  const timeZone = loaded?.timeZone ?? DEFAULT_TIME_ZONE;
  const person = loaded?.person;
  const days = loaded ? groupByDay(loaded.events, timeZone) : [];

  return (
    <Page title={person ? `${person.name}: internet activity` : 'Internet activity'}
      description={(
        <>
          {person && <Text span fw={600} c="dark">{person.username}{person.yearGroup ? ` · ${person.yearGroup}` : ''}. </Text>}
          Newest first, grouped by day. Times are school time ({timeZone.replace('_', ' ')}). Looking at this page is recorded in the audit log.
        </>
      )}
      actions={(
        <>
          {can('people.read') && person && <Button variant="default" component="a" {...linkProps(`/people/${id}`)}>Open their record</Button>}
          <Button variant="default" component="a" {...linkProps(`/activity?person=${id}`)}>Search all activity</Button>
        </>
      )}>
      <Group justify="space-between" wrap="wrap" gap="sm">
        <SegmentedControl aria-label="Which activity to show" value={show}
          onChange={(v) => navigate(`/activity/people/${id}${v === 'block' ? '?action=block' : ''}`, { replace: true })}
          data={[{ value: 'all', label: 'Everything' }, { value: 'block', label: 'Blocked only' }]} />
        {loaded && loaded.events.length > 0 && <DownloadCsvButton filters={filters} />}
      </Group>

      {error && <LoadError message={error} onRetry={() => (loaded ? load(loaded.next) : setGeneration((g) => g + 1))} />}
      {!loaded && !error && <Loading label="Looking up activity…" />}
      {loaded && loaded.events.length === 0 && (
        <EmptyState title={show === 'block' ? 'Nothing has been blocked for this person' : 'No internet activity has been recorded for this person'}>
          {show === 'block'
            ? 'None of their recorded activity was blocked. Choose “Everything” to see all of it.'
            : 'Osprey has no record of them using the internet at school, within the period activity is kept.'}
        </EmptyState>
      )}
      {loaded && loaded.events.length > 0 && (
        <Stack gap="lg">
          <Text fw={600} role="status" aria-live="polite">
            Showing the latest {plural(loaded.events.length, 'event')} over {plural(days.length, 'day')}{loaded.next ? '. There are older ones.' : '. That is everything recorded.'}
          </Text>
          {days.map((d) => <Day key={d.key} label={d.label} events={d.events} timeZone={timeZone} />)}
          {loaded.next && (
            <Group justify="center">
              <Button variant="default" loading={busy} onClick={() => load(loaded.next)}>Show older activity</Button>
            </Group>
          )}
        </Stack>
      )}
    </Page>
  );
}
