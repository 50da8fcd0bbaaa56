/**
 * Block lists: where the filter's categorised sites come from, whether each list is up to date, how many entries it
 * gave each category and which lines were skipped. Web lists can be added and fetched again here; lists kept on the
 * server are added with `osprey lists import` (the web page cannot make the server read its own files).
 */
import { useState } from 'react';
import {
  Alert, Anchor, Badge, Button, Code, Group, List, NumberInput, Paper, Select, SimpleGrid, Stack, Table, Text, Textarea, TextInput, Title,
} from '@mantine/core';
import { ApiError, messageOf, post } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { formatDateTime, plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import { ACTION_COLOURS, CATEGORY_GROUPS, FilteringTabs, useCategories } from './labels.tsx';
import type { Category, ImportResult, ListProblem, ListSource } from './types.ts';

const FORMAT_OPTIONS = [
  { value: 'auto', label: 'Work it out from the file' },
  { value: 'domains', label: 'One website per line' },
  { value: 'hosts', label: 'Hosts file (0.0.0.0 example.com)' },
  { value: 'adblock', label: 'Adblock list (||example.com^)' },
];

const FORMAT_LABELS: Record<string, string> = {
  auto: 'Worked out from the file', domains: 'One website per line', hosts: 'Hosts file', adblock: 'Adblock list', squidguard: 'squidGuard',
};

function StatusBadge({ source }: { source: ListSource }) {
  const ok = source.status === 'ok';
  const c = ok ? ACTION_COLOURS.allow : ACTION_COLOURS.block;
  return (
    <Stack gap={4} align="flex-start">
      <Badge variant="light" radius="sm" tt="none" fw={650} bg={c.bg} c={c.fg} style={{ border: `1px solid ${c.border}` }}>
        {ok ? 'Up to date' : source.status === 'error' ? 'Problem' : source.status}
      </Badge>
      {source.lastError && <Text fz="xs" c="red.9" maw={260} style={{ wordBreak: 'break-word' }}>{source.lastError}</Text>}
    </Stack>
  );
}

function EntryCounts({ entries, categories }: { entries: Record<string, number>; categories: Map<string, Category> }) {
  const [open, setOpen] = useState(false);
  const rows = Object.entries(entries).sort(([, a], [, b]) => b - a);
  if (rows.length === 0) return <Text fz="sm" c="dimmed">None</Text>;
  const shown = open ? rows : rows.slice(0, 6);
  return (
    <Stack gap={2}>
      {shown.map(([id, n]) => (
        <Text key={id} fz="sm">{categories.get(id)?.name ?? id}: <Text span fz="sm" fw={600} style={{ fontVariantNumeric: 'tabular-nums' }}>{n.toLocaleString('en-GB')}</Text></Text>
      ))}
      {rows.length > shown.length || open ? (
        <Anchor component="button" type="button" fz="xs" ta="left" onClick={() => setOpen(!open)}>
          {open ? 'Show fewer' : `Show all ${rows.length} categories`}
        </Anchor>
      ) : null}
    </Stack>
  );
}

function Skipped({ source }: { source: ListSource }) {
  const [open, setOpen] = useState(false);
  if (source.problemsCount === 0) return <Text fz="sm">None</Text>;
  return (
    <Stack gap={4} align="flex-start">
      <Anchor component="button" type="button" fz="sm" onClick={() => setOpen(!open)} aria-expanded={open}>
        {plural(source.problemsCount, 'line')} skipped{open ? '' : ' – show why'}
      </Anchor>
      {open && <ProblemList problems={source.problems} total={source.problemsCount} />}
    </Stack>
  );
}

function ProblemList({ problems, total }: { problems: ListProblem[]; total: number }) {
  return (
    <>
      <List fz="xs" spacing={2} maw={380}>
        {problems.map((p, i) => <List.Item key={i} style={{ wordBreak: 'break-word' }}><Text span ff="monospace" fz="xs">{p.file}:{p.line}</Text>: {p.reason}</List.Item>)}
      </List>
      {total > problems.length && <Text fz="xs" c="dimmed">The first {problems.length} of {total.toLocaleString('en-GB')} are shown.</Text>}
    </>
  );
}

function FetchNow({ source, onDone }: { source: ListSource; onDone(message: { color: string; text: string }): void }) {
  const [busy, setBusy] = useState(false);
  return (
    <Button size="xs" variant="light" loading={busy} aria-label={`Fetch now: ${source.name}`} onClick={async () => {
      setBusy(true);
      try {
        const r = await post<ImportResult>(`/api/filtering/sources/${source.id}/refresh`);
        onDone({ color: 'green', text: r.changed ? `${source.name} was fetched and has changed: the new entries are in use.` : `${source.name} was fetched. Nothing has changed since last time.` });
      } catch (e) {
        onDone({ color: 'red', text: messageOf(e) });
      }
      setBusy(false);
    }}>Fetch now</Button>
  );
}

function categoryOptions(categories: Category[]) {
  return CATEGORY_GROUPS.map((g) => ({
    group: g.label, items: categories.filter((c) => c.group === g.id).map((c) => ({ value: c.id, label: c.name })),
  })).filter((g) => g.items.length > 0);
}

function AddWebList({ categories, onAdded }: { categories: Category[]; onAdded(message: string): void }) {
  const [name, setName] = useState('');
  const [url, setUrl] = useState('');
  const [category, setCategory] = useState<string | null>(null);
  const [format, setFormat] = useState<string>('auto');
  const [hours, setHours] = useState<number | string>(24);
  const [reason, setReason] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<{ message: string; problems: ListProblem[] } | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit() {
    const e: Record<string, string> = {};
    if (!/^[A-Za-z0-9][A-Za-z0-9 ._-]{0,63}$/.test(name.trim())) e.name = 'Give the list a short name of letters, digits, spaces, dots or dashes.';
    if (!/^https?:\/\/\S+$/i.test(url.trim())) e.url = 'Enter the full web address of the list, starting with https://';
    if (!category) e.category = 'Choose the category the sites on this list belong to.';
    const h = Number(hours);
    if (!Number.isInteger(h) || h < 1 || h > 744) e.hours = 'Fetch it again every 1 to 744 hours (744 is a month).';
    if (reason.trim().length < 5) e.reason = 'Say why you are adding this list, in a few words. Governors review the change log.';
    setErrors(e);
    setFailure(null);
    if (Object.keys(e).length) return;
    setBusy(true);
    try {
      const r = await post<ImportResult>('/api/filtering/sources', {
        name: name.trim(), url: url.trim(), category, format, refreshHours: h, reason: reason.trim(),
      });
      const total = Object.values(r.entries).reduce((a, b) => a + b, 0);
      onAdded(`${name.trim()} was added with ${plural(total, 'entry', 'entries')}${r.problemsCount ? ` (${plural(r.problemsCount, 'line')} skipped)` : ''}.`);
      setName(''); setUrl(''); setCategory(null); setFormat('auto'); setHours(24); setReason('');
    } catch (err) {
      const problems = err instanceof ApiError ? (err.details as { problems?: unknown } | undefined)?.problems : undefined;
      setFailure({ message: messageOf(err), problems: Array.isArray(problems) ? problems.filter((p): p is ListProblem => typeof p === 'object' && p !== null && 'line' in p) : [] });
    }
    setBusy(false);
  }

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="add-web-list">
      <Title order={2} fz={20} id="add-web-list">Add a web list</Title>
      <Text fz="sm" c="dimmed" mb="sm">A list of websites published on the internet, all in one category. Osprey fetches it now and then again as often as you say.</Text>
      <form noValidate onSubmit={(ev) => { ev.preventDefault(); void submit(); }} aria-label="Add a web list">
        <Stack gap="sm">
          <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="sm">
            <TextInput label="Name" description="Short, e.g. “Gambling extra”" value={name} onChange={(e) => setName(e.currentTarget.value)} error={errors.name} maxLength={64} required />
            <TextInput label="Address of the list" description="Starts with https://" value={url} onChange={(e) => setUrl(e.currentTarget.value)} error={errors.url}
              type="url" spellCheck={false} autoCapitalize="none" autoComplete="off" required />
            <Select label="Category" description="The category every site on the list belongs to" data={categoryOptions(categories)} value={category}
              onChange={setCategory} error={errors.category} searchable nothingFoundMessage="No category with that name" placeholder="Choose a category"
              comboboxProps={{ withinPortal: true }} required />
            <Select label="Format" description="How the list is written" data={FORMAT_OPTIONS} value={format} onChange={(v) => setFormat(v ?? 'auto')} allowDeselect={false} />
            <NumberInput label="How often to fetch it, in hours" description="24 is once a day" value={hours} onChange={setHours} min={1} max={744}
              allowDecimal={false} allowNegative={false} error={errors.hours} required />
          </SimpleGrid>
          <Textarea label="Why are you adding this list?" description="Governors review the change log." value={reason} onChange={(e) => setReason(e.currentTarget.value)}
            error={errors.reason} autosize minRows={2} maxLength={1000} required />
          {failure && (
            <Alert color="red" variant="light" title="The list was not added" role="alert">
              <Text fz="sm">{failure.message}</Text>
              {failure.problems.length > 0 && <ProblemList problems={failure.problems} total={failure.problems.length} />}
            </Alert>
          )}
          <Group justify="flex-end"><Button type="submit" loading={busy}>Add and fetch the list</Button></Group>
        </Stack>
      </form>
    </Paper>
  );
}

export function ListsPage() {
  const { can } = useAuth();
  const manage = can('filtering.manage');
  const sources = useApi<{ sources: ListSource[] }>('/api/filtering/sources');
  const { categories, byId, error: categoriesError } = useCategories();
  const [note, setNote] = useState<{ color: string; text: string } | null>(null);
  const rows = sources.data?.sources ?? [];

  return (
    <Page title="Block lists" description="The lists that put websites into categories. Each policy then decides what to do with each category.">
      <FilteringTabs active="lists" />
      <Paper withBorder radius="md" p="md" bg="osprey.0" style={{ borderColor: 'var(--mantine-color-osprey-2)' }}>
        <Text fz="sm">
          Lists kept on the Osprey server (for example the UT1 category lists, or files from a list provider) are added by your technician
          on the server with <Code>osprey lists import</Code>, and updated the same way.{manage ? ' Lists published on the web can be added below.' : ''}
        </Text>
      </Paper>
      {note && <Alert color={note.color} variant="light" role={note.color === 'red' ? 'alert' : 'status'} withCloseButton closeButtonLabel="Close this message" onClose={() => setNote(null)}>{note.text}</Alert>}
      <ErrorNote message={sources.error ?? categoriesError} title="The lists could not be loaded" />
      {(!sources.data || !categories) && !sources.error && !categoriesError && <Loading />}
      {sources.data && categories && rows.length === 0 && (
        <Paper withBorder p="xl" radius="md" ta="center"><Text c="dimmed">There are no block lists yet, so only the policies’ own lists and the built-in rules are in use.</Text></Paper>
      )}
      {sources.data && categories && rows.length > 0 && (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={1000}>
            <Table verticalSpacing="sm" striped aria-label="Block lists">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Name</Table.Th><Table.Th>Where from</Table.Th><Table.Th>Status</Table.Th><Table.Th>Last updated</Table.Th>
                  <Table.Th>Entries per category</Table.Th><Table.Th>Lines skipped</Table.Th>
                  {manage && <Table.Th>Fetch</Table.Th>}
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {rows.map((s) => (
                  <Table.Tr key={s.id} style={{ verticalAlign: 'top' }} data-testid="list-source">
                    <Table.Td>
                      <Text fz="sm" fw={650}>{s.name}</Text>
                      <Text fz="xs" c="dimmed">{FORMAT_LABELS[s.format] ?? s.format}{s.vendor ? `, ${s.vendor}` : ''}</Text>
                    </Table.Td>
                    <Table.Td maw={260}>
                      <Text fz="xs" ff="monospace" style={{ wordBreak: 'break-all' }}>{s.location}</Text>
                      <Text fz="xs" c="dimmed">{s.kind === 'url' ? `Web list, fetched every ${plural(s.refreshHours ?? 24, 'hour')}` : 'File on the server'}</Text>
                    </Table.Td>
                    <Table.Td><StatusBadge source={s} /></Table.Td>
                    <Table.Td fz="sm">
                      {formatDateTime(s.lastUpdatedAt)}
                      {s.lastCheckedAt && s.lastCheckedAt !== s.lastUpdatedAt && <Text fz="xs" c="dimmed">Checked {formatDateTime(s.lastCheckedAt)}</Text>}
                    </Table.Td>
                    <Table.Td><EntryCounts entries={s.entries} categories={byId} /></Table.Td>
                    <Table.Td><Skipped source={s} /></Table.Td>
                    {manage && (
                      <Table.Td>
                        {s.kind === 'url' ? <FetchNow source={s} onDone={(m) => { setNote(m); sources.reload(); }} />
                          : <Text fz="xs" c="dimmed" maw={160}>Update on the server with <Code fz="xs">osprey lists import</Code></Text>}
                      </Table.Td>
                    )}
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {manage && categories && <AddWebList categories={categories} onAdded={(text) => { setNote({ color: 'green', text }); sources.reload(); }} />}
    </Page>
  );
}
