/** One person: details, roles, groups, family links, and what the viewer may change. */
import { useEffect, useState } from 'react';
import { Alert, Badge, Button, Checkbox, Group, Paper, SimpleGrid, Stack, Text, Title } from '@mantine/core';
import { GROUP_KINDS, ROLES } from '../../../src/directory/types.ts';
import { messageOf, put } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { formatDate } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link, linkProps } from '../app/router.tsx';
import type { LinkedPerson, PersonDetail } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { KIND_LABELS, listHref, roleLabel, RoleBadges } from './labels.tsx';
import { AccountCard, Fact, StatusCard } from './PersonAccount.tsx';

const SOURCE_LABELS: Record<string, string> = { csv: 'CSV import', oneroster: 'OneRoster import', manual: 'Added by hand', setup: 'Osprey set-up', demo: 'Demo school', cli: 'Command line' };

function RolesCard({ detail, onChanged }: { detail: PersonDetail; onChanged(): void }) {
  const { can } = useAuth();
  const [roles, setRoles] = useState<string[]>(detail.person.roles);
  const [busy, setBusy] = useState(false);
  const [note, setNote] = useState<{ color: string; text: string } | null>(null);
  useEffect(() => { setRoles(detail.person.roles); }, [detail.person.roles]);
  const changed = [...roles].sort().join() !== [...detail.person.roles].sort().join();

  async function save() {
    setBusy(true);
    setNote(null);
    try {
      await put(`/api/people/${detail.person.id}/roles`, { roles });
      setNote({ color: 'green', text: 'The roles have been saved.' });
      onChanged();
    } catch (e) {
      setNote({ color: 'red', text: messageOf(e) });
    }
    setBusy(false);
  }

  return (
    <Paper withBorder radius="md" p="lg">
      <Stack gap="sm">
        <Title order={2} fz={18}>Roles</Title>
        {!can('roles.manage') ? <RoleBadges roles={detail.person.roles} /> : (
          <>
            <Checkbox.Group value={roles} onChange={setRoles} label="What this person does at school" description="Roles decide what they can see and do in Osprey.">
              <SimpleGrid cols={{ base: 1, xs: 2 }} spacing={8} mt="xs">
                {ROLES.map((r) => <Checkbox key={r} value={r} label={roleLabel(r)} />)}
              </SimpleGrid>
            </Checkbox.Group>
            {note && <Alert color={note.color} role={note.color === 'red' ? 'alert' : 'status'}>{note.text}</Alert>}
            <Group>
              <Button onClick={save} loading={busy} disabled={!changed}>Save roles</Button>
              {changed && <Button variant="subtle" onClick={() => setRoles(detail.person.roles)}>Undo changes</Button>}
            </Group>
          </>
        )}
      </Stack>
    </Paper>
  );
}

function PeopleLinks({ people }: { people: LinkedPerson[] }) {
  return (
    <Stack gap={4}>
      {people.map((p) => (
        <Text key={p.id} fz="sm"><Link to={`/people/${p.id}`}>{p.givenName} {p.familyName}</Link>{p.yearGroup ? ` · ${p.yearGroup}` : ''}</Text>
      ))}
    </Stack>
  );
}

export function PersonPage({ id }: { id: string }) {
  const { can } = useAuth();
  const detail = useApi<PersonDetail>(`/api/people/${id}`);
  const d = detail.data;
  if (!d) return detail.error ? <Page title="Person"><ErrorNote message={detail.error} /></Page> : <Loading />;
  const p = d.person;
  const name = `${p.givenName} ${p.familyName}`;

  return (
    <Page title={name}
      description={<Group gap="xs" component="span">{p.status !== 'active' && <Badge color="gray" variant="outline">{p.status === 'leaver' ? 'Leaver' : 'Disabled'}</Badge>}<span>{d.person.roles.map(roleLabel).join(', ') || 'No role'}{p.yearGroup ? ` · ${p.yearGroup}` : ''}</span></Group>}
      actions={<>
        {can('activity.read') && <Button variant="light" component="a" {...linkProps(`/activity/people/${p.id}`)}>Internet activity</Button>}
        <Button variant="default" component="a" {...linkProps(listHref())}>Back to the list</Button>
      </>}>
      <ErrorNote message={detail.error} />
      <SimpleGrid cols={{ base: 1, md: 2 }} spacing="lg">
        <Stack gap="lg">
          <Paper withBorder radius="md" p="lg">
            <Stack gap="sm">
              <Title order={2} fz={18}>Details</Title>
              <Fact label="Username"><Text span ff="monospace" fz="sm">{p.username}</Text></Fact>
              <Fact label="E-mail">
                {p.emailHidden
                  ? <Text span fz="sm" c="dimmed">Not shown to you: a family's or volunteer's own address is for the office, the safeguarding leads and the children's own teachers.</Text>
                  : p.email ?? '—'}
              </Fact>
              <Fact label="Year group">{p.yearGroup ?? '—'}</Fact>
              <Fact label="School information system ID">{p.externalId ?? '—'}</Fact>
              <Fact label="Came from">{SOURCE_LABELS[p.source] ?? p.source}</Fact>
              {p.leftAt && <Fact label="Left">{formatDate(p.leftAt)}</Fact>}
            </Stack>
          </Paper>
          <Paper withBorder radius="md" p="lg">
            <Stack gap="sm">
              <Title order={2} fz={18}>Groups</Title>
              {d.groups.length === 0 ? <Text fz="sm" c="dimmed">Not in any group.</Text> : (
                <Group gap="xs">
                  {[...d.groups].sort((a, b) => GROUP_KINDS.indexOf(a.kind as never) - GROUP_KINDS.indexOf(b.kind as never)).map((g) => (
                    <Button key={g.id} component="a" {...linkProps(`/people?group=${g.id}`)} variant="light" size="compact-sm" radius="xl" title={`Show everyone in ${g.name}`}>
                      {g.name}<Text span fz="xs" ml={6} fw={400}>· {KIND_LABELS[g.kind] ?? g.kind}</Text>
                    </Button>
                  ))}
                </Group>
              )}
            </Stack>
          </Paper>
          {(d.parents.length > 0 || d.children.length > 0) && (
            <Paper withBorder radius="md" p="lg">
              <Stack gap="sm">
                <Title order={2} fz={18}>Family</Title>
                {d.parents.length > 0 && <div><Text fw={600} fz="sm" mb={4}>Parents and carers</Text><PeopleLinks people={d.parents} /></div>}
                {d.children.length > 0 && <div><Text fw={600} fz="sm" mb={4}>Children at the school</Text><PeopleLinks people={d.children} /></div>}
              </Stack>
            </Paper>
          )}
        </Stack>
        <Stack gap="lg">
          <RolesCard detail={d} onChanged={detail.reload} />
          {d.account && <AccountCard detail={d} onChanged={detail.reload} />}
          {can('people.write') && <StatusCard detail={d} onChanged={detail.reload} />}
        </Stack>
      </SimpleGrid>
    </Page>
  );
}
