/** Pieces shared by the Activity list and a person's timeline: the site, the outcome, the CSV link, empty states. */
import type { ReactNode } from 'react';
import { Badge, Button, Paper, Stack, Text, Title } from '@mantine/core';
import { queryString, type Query } from '../api.ts';
import { ACTION_COLOURS, ActionBadge, VERDICT_LABELS } from '../filtering/labels.tsx';
import { formatClock } from './time.ts';
import type { ActivityEvent } from './types.ts';

/** A red bar down the left of a blocked row, so blocks stand out when scanning a long page (the badge says it too). */
export const BLOCKED_ROW_STYLE = { boxShadow: 'inset 4px 0 0 #b02525' } as const;

export function SiteCell({ e }: { e: ActivityEvent }) {
  return (
    <Stack gap={2} maw={440}>
      <Text fz="sm" fw={600} style={{ wordBreak: 'break-all' }}>{e.host}</Text>
      {e.url && <Text fz="xs" c="dimmed" ff="monospace" lineClamp={1} title={e.url} style={{ wordBreak: 'break-all' }}>{e.url}</Text>}
      {e.circumvention && <Text fz="xs" fw={650} c="red.9">Trying to get round the filter</Text>}
    </Stack>
  );
}

export function SearchTermCell({ e }: { e: ActivityEvent }) {
  if (!e.searchTerm) return <Text span fz="sm" c="dimmed">—</Text>;
  return <Text fz="sm" fw={600} style={{ wordBreak: 'break-word' }}>“{e.searchTerm}”</Text>;
}

export function CategoryCell({ e }: { e: ActivityEvent }) {
  return e.category ? <Text fz="sm">{e.category.name}</Text> : <Text span fz="sm" c="dimmed">No category</Text>;
}

/**
 * Blocked is filled in red (white on #b02525 is 6.3:1), so it stands out from the pale badges of everything else.
 * A row that stands for repeated attempts (the same device blocked from the same address within a minute, stored
 * as one) says how many and until when; a request made after choosing Continue on a warning page says so.
 */
export function OutcomeCell({ e, timeZone }: { e: ActivityEvent; timeZone: string }) {
  const badge = e.action === 'block'
    ? <Badge size="md" radius="sm" tt="none" fw={700} bg={ACTION_COLOURS.block.fg} c="white">{VERDICT_LABELS.block}</Badge>
    : <ActionBadge action={e.action} size="sm">{VERDICT_LABELS[e.action] ?? e.action}</ActionBadge>;
  if (e.acknowledged) {
    return (
      <Stack gap={2} align="flex-start">
        {badge}
        <Text fz="xs" fw={600}>Went on past the warning</Text>
      </Stack>
    );
  }
  if (e.count <= 1) return badge;
  return (
    <Stack gap={2} align="flex-start">
      {badge}
      <Text fz="xs" fw={600}>{e.count.toLocaleString('en-GB')} times{e.lastTime ? `, the last at ${formatClock(e.lastTime, timeZone)}` : ''}</Text>
    </Stack>
  );
}

/** "Download CSV": every event matching the filters, not only the page on screen (the server streams it). */
export function DownloadCsvButton({ filters }: { filters: Query }) {
  return (
    <Button component="a" href={`/api/activity.csv${queryString(filters)}`} download variant="light">
      Download CSV
    </Button>
  );
}

export function EmptyState({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Paper withBorder radius="md" p="xl" bg="white">
      <Stack gap={6} align="flex-start">
        <Title order={2} fz={18}>{title}</Title>
        <Text c="dimmed" maw={640} component="div">{children}</Text>
      </Stack>
    </Paper>
  );
}

/** The error from the server, in its own words, with a way to try again. */
export function LoadError({ message, onRetry }: { message: string; onRetry(): void }) {
  return (
    <Paper withBorder radius="md" p="lg" role="alert" style={{ borderColor: 'var(--mantine-color-red-3)' }} bg="red.0">
      <Stack gap="xs" align="flex-start">
        <Text fw={700} c="red.9">The activity could not be loaded</Text>
        <Text fz="sm">{message}</Text>
        <Button variant="default" size="xs" onClick={onRetry}>Try again</Button>
      </Stack>
    </Paper>
  );
}
