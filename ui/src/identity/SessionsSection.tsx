/**
 * Who is logged on now through the web log-on page (/logon): each device's address is theirs until the time shown.
 * Staff can end a log-on, for example when a pupil has walked away from a shared laptop still logged on.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Group, Paper, Stack, Table, Text, VisuallyHidden } from '@mantine/core';
import { api, get, messageOf } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { ConfirmButton } from '../app/ConfirmButton.tsx';
import { plural } from '../app/format.ts';
import { ErrorNote, Loading } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import type { PersonDetail } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { schoolTime, Section } from './parts.tsx';
import type { LogonSession } from './types.ts';

/** Names are looked up one person at a time, so only for the first screenful of a very long list. */
const NAMES_FOR = 100;

/** "Oliver Hughes" for each person id, when this person may read the directory (the sessions carry usernames only). */
function usePeopleNames(ids: string[]): Map<string, string> {
  const { can } = useAuth();
  const readable = can('people.read');
  const [names, setNames] = useState<Map<string, string>>(new Map());
  const wanted = ids.slice(0, NAMES_FOR).filter((id) => !names.has(id));
  const key = wanted.join(',');
  useEffect(() => {
    if (!readable || !key) return;
    const controller = new AbortController();
    void Promise.all(key.split(',').map((id) => get<PersonDetail>(`/api/people/${id}`, undefined, { signal: controller.signal })
      .then((d) => [id, `${d.person.givenName} ${d.person.familyName}`] as const, () => [id, ''] as const)))
      .then((found) => { if (!controller.signal.aborted) setNames((m) => new Map([...m, ...found])); });
    return () => controller.abort();
  }, [key, readable]);
  return names;
}

export function SessionsSection() {
  const { can } = useAuth();
  const sessions = useApi<{ sessions: LogonSession[] }>('/api/identity/sessions');
  const [note, setNote] = useState<{ color: string; text: string } | null>(null);
  const rows = [...(sessions.data?.sessions ?? [])].sort((a, b) => a.ip.localeCompare(b.ip, 'en-GB', { numeric: true }));
  const names = usePeopleNames(rows.map((s) => s.personId));
  const who = (s: LogonSession) => names.get(s.personId) || s.username;

  async function end(s: LogonSession) {
    try {
      await api('DELETE', `/api/identity/sessions/${encodeURIComponent(s.ip)}`);
      setNote({ color: 'green', text: `${who(s)} is no longer logged on at ${s.ip}.` });
    } catch (e) {
      setNote({ color: 'red', text: messageOf(e) });
    }
    sessions.reload();
  }

  return (
    <Section id="sessions" title="Who is logged on now"
      description="People who logged on at the log-on page. Their device’s address is theirs until the time shown (school time), or until they log off."
      actions={<Button variant="default" loading={sessions.loading && Boolean(sessions.data)} onClick={() => { setNote(null); sessions.reload(); }}>Refresh</Button>}>
      {note && (
        <Alert color={note.color} variant="light" role={note.color === 'red' ? 'alert' : 'status'} withCloseButton closeButtonLabel="Close this message" onClose={() => setNote(null)}>
          {note.text}
        </Alert>
      )}
      <ErrorNote message={sessions.error} title="The list of people logged on could not be loaded" />
      {!sessions.data && !sessions.error && <Loading label="Loading who is logged on…" />}
      {sessions.data && rows.length === 0 && (
        <Paper withBorder p="lg" radius="md" ta="center">
          <Text c="dimmed">Nobody is logged on at the log-on page at the moment.</Text>
        </Paper>
      )}
      {rows.length > 0 && (
        <Stack gap={4}>
          <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
            <Table.ScrollContainer minWidth={640}>
              <Table verticalSpacing="sm" striped aria-label="People logged on now">
                <Table.Thead bg="gray.0">
                  <Table.Tr>
                    <Table.Th>Address</Table.Th><Table.Th>Person</Table.Th><Table.Th>Logged on</Table.Th><Table.Th>Until</Table.Th>
                    <Table.Th><VisuallyHidden>End the log-on</VisuallyHidden></Table.Th>
                  </Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {rows.map((s) => (
                    <Table.Tr key={s.ip} data-testid="logon-session">
                      <Table.Td><Text fz="sm" ff="monospace">{s.ip}</Text></Table.Td>
                      <Table.Td>
                        {names.get(s.personId) && can('people.read')
                          ? <Link to={`/people/${s.personId}`} fz="sm" fw={600}>{names.get(s.personId)}</Link>
                          : <Text fz="sm" fw={600}>{s.username}</Text>}
                        {names.get(s.personId) && <Text fz="xs" c="dimmed">{s.username}</Text>}
                      </Table.Td>
                      <Table.Td fz="sm">{schoolTime(s.startedAt)}</Table.Td>
                      <Table.Td fz="sm">{schoolTime(s.expiresAt)}</Table.Td>
                      <Table.Td>
                        <Group justify="flex-end">
                          {/* Shade 9 for the dialog's filled button: white on Mantine's usual red is below 4.5:1 (WCAG 1.4.3). */}
                          <ConfirmButton size="xs" variant="default" c="red.9" color="red.9" aria-label={`End ${who(s)}’s log-on`} title={`End ${who(s)}’s log-on?`} confirmLabel="End the log-on"
                            message={<Text>The device at <Text span ff="monospace">{s.ip}</Text> will no longer be filtered as {who(s)}. Until someone logs on there again, it is filtered by its address range, or as a device nobody can identify.</Text>}
                            onConfirm={() => end(s)}>End</ConfirmButton>
                        </Group>
                      </Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          <Text fz="xs" c="dimmed">{plural(rows.length, 'device')} logged on.</Text>
        </Stack>
      )}
    </Section>
  );
}
