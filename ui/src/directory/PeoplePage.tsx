/** People & groups: search as you type, filter by group, role and status, page through the results. */
import { useEffect, useRef, useState } from 'react';
import { Badge, Button, Group, Loader, Pagination, Paper, Select, SimpleGrid, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { queryString } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { plural } from '../app/format.ts';
import { ErrorNote, Page } from '../app/Page.tsx';
import { linkProps, Link, navigate, useLocation } from '../app/router.tsx';
import type { Group as GroupRow, PersonSummary } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { DirectoryTabs, groupOptions, rememberListHref, ROLE_OPTIONS, RoleBadges } from './labels.tsx';

const PAGE_SIZE = 50;
const STATUS_OPTIONS = [
  { value: 'active', label: 'Current' },
  { value: 'leaver', label: 'Leavers' },
  { value: 'all', label: 'All' },
];

export function PeoplePage() {
  const { can } = useAuth();
  const { search, href } = useLocation();
  useEffect(() => { rememberListHref(href); }, [href]);
  const q = search.get('q') ?? '';
  const group = search.get('group') ?? '';
  const role = search.get('role') ?? '';
  const status = search.get('status') ?? 'active';
  const page = Math.max(1, Number(search.get('page') ?? '1') || 1);

  const update = (changes: Record<string, string | number | null>) => {
    const next = { q, group, role, status: status === 'active' ? '' : status, page: page === 1 ? '' : page, ...changes } as Record<string, string | number | null>;
    if (!('page' in changes)) next.page = '';
    if (next.status === 'active') next.status = '';
    navigate(`/people${queryString(next)}`, { replace: true });
  };

  // Search as you type, ~200 ms after the last key press.
  const [text, setText] = useState(q);
  const [debounced] = useDebouncedValue(text, 200);
  const pushed = useRef(q);
  useEffect(() => {
    if (debounced.trim() === q.trim()) return;
    pushed.current = debounced.trim();
    update({ q: debounced.trim() });
  }, [debounced]);
  useEffect(() => {
    // Back/forward (not typing) changed the query: show it in the box.
    if (q === pushed.current) return;
    pushed.current = q;
    setText(q);
  }, [q]);

  const groups = useApi<{ groups: GroupRow[] }>(can('groups.read') ? '/api/groups' : null);
  const people = useApi<{ total: number; people: PersonSummary[] }>('/api/people', {
    q, group, role, status, limit: PAGE_SIZE, offset: (page - 1) * PAGE_SIZE,
  });
  const total = people.data?.total ?? 0;
  const pages = Math.max(1, Math.ceil(total / PAGE_SIZE));
  const first = total === 0 ? 0 : (page - 1) * PAGE_SIZE + 1;
  const last = Math.min(total, page * PAGE_SIZE);
  const filtered = Boolean(q || group || role || status !== 'active');

  return (
    <Page title="People & groups" description="Everyone Osprey knows about at your school: staff, pupils, parents and carers, governors and visitors."
      actions={can('people.import') && <Button component="a" {...linkProps('/people/import')} variant="light">Import people</Button>}>
      <DirectoryTabs active="people" />
      <Paper withBorder p="md" radius="md">
        <SimpleGrid cols={{ base: 1, xs: 2, md: 4 }} spacing="sm">
          <TextInput label="Search" description="Name, username or e-mail" type="search" value={text}
            onChange={(e) => setText(e.currentTarget.value)} autoComplete="off" spellCheck={false}
            rightSection={people.loading ? <Loader size={16} aria-label="Searching" /> : null} />
          <Select label="Group" description="Key stage, year, class or team" placeholder="All groups" data={groupOptions(groups.data?.groups ?? [])}
            value={group || null} onChange={(v) => update({ group: v ?? '' })} searchable clearable nothingFoundMessage="No group with that name"
            disabled={!can('groups.read')} comboboxProps={{ withinPortal: true }} clearButtonProps={{ 'aria-label': 'Show all groups' }} />
          <Select label="Role" description="What they do at school" placeholder="All roles" data={ROLE_OPTIONS} value={role || null}
            onChange={(v) => update({ role: v ?? '' })} searchable clearable clearButtonProps={{ 'aria-label': 'Show all roles' }} />
          <Select label="Status" description="Current people or leavers" data={STATUS_OPTIONS} value={status}
            onChange={(v) => update({ status: v ?? 'active' })} allowDeselect={false} />
        </SimpleGrid>
      </Paper>

      <ErrorNote message={people.error} title="The list could not be loaded" />

      <Group justify="space-between" wrap="wrap">
        <Text fw={600} aria-live="polite" data-testid="people-total">
          {people.data ? (total === 0 ? 'No people found' : `${plural(total, 'person', 'people')}${pages > 1 ? ` – showing ${first}–${last}` : ''}`) : 'Loading…'}
        </Text>
        {filtered && <Button variant="subtle" size="compact-sm" onClick={() => { setText(''); navigate('/people', { replace: true }); }}>Clear the search and filters</Button>}
      </Group>

      {people.data && people.data.people.length > 0 && (
        <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
          <Table.ScrollContainer minWidth={640}>
            <Table highlightOnHover verticalSpacing="sm" horizontalSpacing="md" aria-label="People">
              <Table.Thead bg="gray.0">
                <Table.Tr>
                  <Table.Th>Name</Table.Th>
                  <Table.Th>Username</Table.Th>
                  <Table.Th>Roles</Table.Th>
                  <Table.Th>Year</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {people.data.people.map((p) => (
                  <Table.Tr key={p.id} className="osprey-row-link" onClick={(e) => { if (!(e.target as HTMLElement).closest('a')) navigate(`/people/${p.id}`); }}>
                    <Table.Td>
                      <Link to={`/people/${p.id}`} fw={600}>{p.givenName} {p.familyName}</Link>
                      {p.status !== 'active' && <Badge ml="xs" color="gray" variant="outline" size="sm">{p.status === 'leaver' ? 'Leaver' : 'Disabled'}</Badge>}
                    </Table.Td>
                    <Table.Td><Text ff="monospace" fz="sm">{p.username}</Text></Table.Td>
                    <Table.Td><RoleBadges roles={p.roles} /></Table.Td>
                    <Table.Td>{p.yearGroup ?? '—'}</Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        </Paper>
      )}
      {people.data && people.data.people.length === 0 && !people.error && (
        <Paper withBorder p="xl" radius="md" ta="center">
          <Text c="dimmed">{filtered ? 'Nobody matches this search. Check the spelling or clear the filters.' : 'There is nobody here yet.'}</Text>
          {!filtered && can('people.import') && <Button mt="md" component="a" {...linkProps('/people/import')}>Import people from a CSV file</Button>}
        </Paper>
      )}
      {pages > 1 && (
        <Group justify="center">
          <Pagination total={pages} value={page} onChange={(p) => update({ page: p === 1 ? '' : p })} aria-label="Pages of people"
            getControlProps={(c) => ({ 'aria-label': { first: 'First page', previous: 'Previous page', next: 'Next page', last: 'Last page' }[c] })}
            getItemProps={(p) => ({ 'aria-label': `Page ${p}` })} />
        </Group>
      )}
    </Page>
  );
}
