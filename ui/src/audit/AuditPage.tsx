/** The audit log: who did what and when, newest first, with filters and a check that nothing has been altered. */
import { useEffect, useState } from 'react';
import { Alert, Anchor, Autocomplete, Button, Group, Paper, SimpleGrid, Stack, Table, Text, TextInput } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import { get, isAbort, messageOf, post } from '../api.ts';
import { formatDateTime, plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import type { AuditEntry, AuditVerification } from '../../../src/platform/auth/schemas.ts';

const PAGE = 100;

const ACTION_LABELS: Record<string, string> = {
  'auth.login': 'Logged in', 'auth.logout': 'Logged out', 'auth.login_failed': 'Log-in failed', 'auth.account_locked': 'Account locked',
  'auth.password_changed': 'Changed their password', 'auth.mfa_enrolled': 'Set up two-step verification',
  'account.temporary_password': 'Gave a temporary password', 'account.unlocked': 'Unlocked an account', 'account.mfa_reset': 'Reset two-step verification',
  'person.created': 'Added a person', 'person.updated': 'Changed a person', 'person.left': 'Marked a leaver', 'person.roles_changed': 'Changed roles',
  'person.viewed': 'Looked at a person', 'people.searched': 'Searched people', 'people.imported': 'Imported people',
  'group.created': 'Created a group', 'group.members_changed': 'Changed group members',
  'report.viewed': 'Looked at a report', 'audit.verified': 'Checked the audit log', 'setup.completed': 'Set up Osprey',
};
const ACTION_PREFIXES = ['auth.', 'account.', 'person.', 'people.', 'group.', 'report.', 'audit.', ...Object.keys(ACTION_LABELS)];

function Details({ details }: { details: Record<string, unknown> }) {
  const [open, setOpen] = useState(false);
  const entries = Object.entries(details ?? {}).filter(([, v]) => v !== null && v !== '' && !(Array.isArray(v) && v.length === 0));
  if (entries.length === 0) return <Text c="dimmed" fz="sm">—</Text>;
  const show = (v: unknown) => (typeof v === 'string' ? v : JSON.stringify(v));
  const long = entries.length > 3 || entries.some(([, v]) => show(v).length > 80);
  const shown = open ? entries : entries.slice(0, 3);
  return (
    <Stack gap={2}>
      {shown.map(([k, v]) => (
        <Text key={k} fz="xs" style={{ wordBreak: 'break-word' }} lineClamp={open ? undefined : 2}>
          <Text span fz="xs" fw={650}>{k}:</Text> <Text span fz="xs" ff="monospace">{show(v)}</Text>
        </Text>
      ))}
      {long && <Anchor component="button" type="button" fz="xs" ta="left" onClick={() => setOpen(!open)}>{open ? 'Show less' : 'Show all'}</Anchor>}
    </Stack>
  );
}

function RecordCell({ e }: { e: AuditEntry }) {
  if (!e.entityId) return <Text fz="sm">{e.entityType}</Text>;
  if (e.entityType === 'person' && /^[0-9a-f-]{36}$/i.test(e.entityId)) return <Link to={`/people/${e.entityId}`} fz="sm">person {e.entityId.slice(0, 8)}</Link>;
  return <Text fz="sm">{e.entityType} <Text span ff="monospace" fz="xs">{e.entityId.length > 12 ? `${e.entityId.slice(0, 8)}…` : e.entityId}</Text></Text>;
}

export function AuditPage() {
  const [action, setAction] = useState('');
  const [actor, setActor] = useState('');
  const [debouncedAction] = useDebouncedValue(action.trim(), 250);
  const [debouncedActor] = useDebouncedValue(actor.trim(), 250);
  const filters = { action: debouncedAction, actor: debouncedActor };
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [loadingOlder, setLoadingOlder] = useState(false);
  const [verification, setVerification] = useState<AuditVerification | null>(null);
  const [verifying, setVerifying] = useState(false);
  const [verifyError, setVerifyError] = useState<string | null>(null);

  useEffect(() => {
    const controller = new AbortController();
    setError(null);
    get<{ entries: AuditEntry[] }>('/api/audit', { action: filters.action, actor: filters.actor, limit: PAGE }, { signal: controller.signal })
      .then((r) => { setEntries(r.entries); setMore(r.entries.length === PAGE); })
      .catch((e) => { if (!isAbort(e)) setError(messageOf(e)); });
    return () => controller.abort();
  }, [filters.action, filters.actor]);

  async function loadOlder() {
    if (!entries?.length) return;
    setLoadingOlder(true);
    try {
      const r = await get<{ entries: AuditEntry[] }>('/api/audit', { action: filters.action, actor: filters.actor, limit: PAGE, before: entries[entries.length - 1].seq });
      setEntries([...entries, ...r.entries]);
      setMore(r.entries.length === PAGE);
    } catch (e) {
      setError(messageOf(e));
    }
    setLoadingOlder(false);
  }

  async function verify() {
    setVerifying(true);
    setVerifyError(null);
    setVerification(null);
    try {
      setVerification(await post<AuditVerification>('/api/audit/verify'));
    } catch (e) {
      setVerifyError(messageOf(e));
    }
    setVerifying(false);
  }

  return (
    <Page title="Audit log" description="Every log-in, change and look at personal information is recorded here, newest first. Entries cannot be changed or deleted. Times are UK time."
      actions={<Button variant="light" onClick={verify} loading={verifying}>Check the log has not been tampered with</Button>}>
      {verification && (verification.ok ? (
        <Alert color="green" variant="light" title="The audit log is intact" role="status" withCloseButton closeButtonLabel="Close" onClose={() => setVerification(null)}>
          All {plural(verification.checked, 'entry', 'entries')} were checked and none has been changed or removed.
        </Alert>
      ) : (
        <Alert color="red" title="The audit log has been altered" role="alert">
          Entry {verification.firstBroken?.seq} does not match: {verification.firstBroken?.reason}. {plural(verification.checked, 'entry', 'entries')} were checked.
          Tell your headteacher and data protection officer, and keep a backup of the database as it is now.
        </Alert>
      ))}
      <ErrorNote message={verifyError} title="The check could not be done" />

      <Paper withBorder p="md" radius="md">
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm" maw={720}>
          <Autocomplete label="What was done" description="Starts with, e.g. “auth.” or “person.roles”" placeholder="Everything" value={action}
            onChange={setAction} data={ACTION_PREFIXES} limit={12} spellCheck={false} autoCapitalize="none" />
          <TextInput label="Who did it" description="Their username, exactly" placeholder="Anyone" value={actor}
            onChange={(e) => setActor(e.currentTarget.value)} spellCheck={false} autoCapitalize="none" />
        </SimpleGrid>
      </Paper>

      <ErrorNote message={error} title="The audit log could not be loaded" />
      {!entries && !error && <Loading />}
      {entries && entries.length === 0 && <Paper withBorder p="xl" radius="md" ta="center"><Text c="dimmed">No entries match.</Text></Paper>}
      {entries && entries.length > 0 && (
        <Stack gap="sm">
          <Paper withBorder radius="md" style={{ overflow: 'hidden' }}>
            <Table.ScrollContainer minWidth={900}>
              <Table verticalSpacing="xs" striped aria-label="Audit log entries">
                <Table.Thead bg="gray.0">
                  <Table.Tr><Table.Th>When</Table.Th><Table.Th>Who</Table.Th><Table.Th>What</Table.Th><Table.Th>Record</Table.Th><Table.Th>From where</Table.Th><Table.Th>Details</Table.Th></Table.Tr>
                </Table.Thead>
                <Table.Tbody>
                  {entries.map((e) => (
                    <Table.Tr key={e.seq}>
                      <Table.Td style={{ whiteSpace: 'nowrap' }} fz="sm">{formatDateTime(e.at)}</Table.Td>
                      <Table.Td fz="sm" ff="monospace">{e.actorLabel}</Table.Td>
                      <Table.Td>
                        <Text fz="sm" fw={600}>{ACTION_LABELS[e.action] ?? e.action}</Text>
                        <Text fz="xs" c="dimmed" ff="monospace">{e.action}</Text>
                      </Table.Td>
                      <Table.Td><RecordCell e={e} /></Table.Td>
                      <Table.Td fz="sm" ff="monospace">{e.ip ?? '—'}</Table.Td>
                      <Table.Td maw={320}><Details details={e.details} /></Table.Td>
                    </Table.Tr>
                  ))}
                </Table.Tbody>
              </Table>
            </Table.ScrollContainer>
          </Paper>
          <Group justify="space-between">
            <Text fz="sm" c="dimmed">Showing {plural(entries.length, 'entry', 'entries')}.</Text>
            {more && <Button variant="default" onClick={loadOlder} loading={loadingOlder}>Load older entries</Button>}
          </Group>
        </Stack>
      )}
    </Page>
  );
}
