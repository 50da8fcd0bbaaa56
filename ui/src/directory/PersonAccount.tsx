/** Account actions on a person's page: temporary password, unlock, reset two-step, leaver/active. */
import { useState, type ReactNode } from 'react';
import { Alert, Badge, Code, CopyButton, Button, Group, Paper, Stack, Text, Title } from '@mantine/core';
import { messageOf, patch, post } from '../api.ts';
import { ConfirmButton } from '../app/ConfirmButton.tsx';
import { formatDateTime } from '../app/format.ts';
import type { PersonDetail } from '../app/types.ts';
import type { Static } from 'typebox';
import type { TemporaryPasswordAnswer } from '../../../src/directory/schemas.ts';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline">
      <Text fz="sm" c="dimmed" w={190} style={{ flexShrink: 0 }}>{label}</Text>
      <Text fz="sm" component="div">{children}</Text>
    </Group>
  );
}

export function AccountCard({ detail, onChanged }: { detail: PersonDetail; onChanged(): void }) {
  const { person, account } = detail;
  const [temporary, setTemporary] = useState<string | null>(null);
  const [note, setNote] = useState<{ color: string; text: string } | null>(null);
  if (!account) return null;
  const name = `${person.givenName} ${person.familyName}`;

  const act = (fn: () => Promise<void>) => async () => {
    setNote(null);
    try {
      await fn();
      onChanged();
    } catch (e) {
      setNote({ color: 'red', text: messageOf(e) });
    }
  };

  return (
    <Paper withBorder radius="md" p="lg">
      <Stack gap="sm">
        <Title order={2} fz={18}>Log-in account</Title>
        <Fact label="Can log in">{account.canLogIn ? 'Yes' : 'No – no password has been given yet'}</Fact>
        {account.canLogIn && <Fact label="Must change password">{account.mustChangePassword ? 'Yes, at next log-in' : 'No'}</Fact>}
        <Fact label="Locked">{account.locked ? <Badge color="red" variant="light">Locked after wrong passwords</Badge> : 'No'}</Fact>
        <Fact label="Last logged in">{account.lastLoginAt ? formatDateTime(account.lastLoginAt) : 'Never'}</Fact>
        <Fact label="Two-step verification">{account.mfaEnrolled ? 'Set up' : 'Not set up'}</Fact>
        {note && <Alert color={note.color} role="alert">{note.text}</Alert>}
        {temporary && (
          <Alert color="green" variant="light" title="Temporary password" role="status" withCloseButton closeButtonLabel="Hide the temporary password" onClose={() => setTemporary(null)}>
            <Stack gap="xs">
              <Text fz="sm">Give this to {person.givenName} in person. It is shown only once. They will choose their own password when they first log in.</Text>
              <Group gap="sm">
                <Code fz="lg" px="md" py={6} data-testid="temporary-password">{temporary}</Code>
                <CopyButton value={temporary}>{({ copied, copy }) => <Button size="xs" variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy'}</Button>}</CopyButton>
              </Group>
            </Stack>
          </Alert>
        )}
        <Group gap="sm" mt="xs">
          <ConfirmButton variant="light" disabled={person.status !== 'active'} title="Give a temporary password?" confirmLabel="Give a temporary password"
            message={<Text>{name} will get a new temporary password{account.canLogIn ? ' instead of their current one, and will be logged out everywhere' : ''}. They must choose their own password when they first log in.</Text>}
            onConfirm={act(async () => setTemporary((await post<Static<typeof TemporaryPasswordAnswer>>(`/api/people/${person.id}/account/temporary-password`)).temporaryPassword))}>
            Give a temporary password
          </ConfirmButton>
          {account.locked && (
            <Button variant="light" onClick={act(async () => { await post(`/api/people/${person.id}/account/unlock`); setNote({ color: 'green', text: `${name}'s account is unlocked. They can try again now.` }); })}>
              Unlock
            </Button>
          )}
          {account.mfaEnrolled && (
            <ConfirmButton variant="light" color="orange" title="Reset two-step verification?" confirmLabel="Reset two-step verification"
              message={<Text>Do this only when {name} has lost their phone or has a new one, and you are sure it is them asking. They will be logged out and asked to set up two-step verification again.</Text>}
              onConfirm={act(async () => { await post(`/api/people/${person.id}/account/reset-mfa`); setNote({ color: 'green', text: `Two-step verification has been reset for ${name}.` }); })}>
              Reset two-step verification
            </ConfirmButton>
          )}
        </Group>
        {person.status !== 'active' && <Text fz="sm" c="dimmed">Mark {person.givenName} as active before giving them a password.</Text>}
      </Stack>
    </Paper>
  );
}

export function StatusCard({ detail, onChanged }: { detail: PersonDetail; onChanged(): void }) {
  const { person } = detail;
  const [error, setError] = useState<string | null>(null);
  const name = `${person.givenName} ${person.familyName}`;
  const setStatus = (status: 'active' | 'leaver') => async () => {
    setError(null);
    try {
      await patch(`/api/people/${person.id}`, { status });
      onChanged();
    } catch (e) {
      setError(messageOf(e));
    }
  };
  return (
    <Paper withBorder radius="md" p="lg">
      <Stack gap="sm">
        <Title order={2} fz={18}>At the school</Title>
        <Text fz="sm">
          {person.status === 'active' ? `${name} is a current member of the school.` : `${name} has left the school${person.leftAt ? ` (${new Date(person.leftAt).toLocaleDateString('en-GB', { timeZone: 'Europe/London' })})` : ''}. They cannot log in.`}
        </Text>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <Group>
          {person.status === 'active' ? (
            <ConfirmButton variant="default" title="Mark as leaver?" confirmLabel="Mark as leaver"
              message={<Text>{name} will be logged out and will no longer be able to log in. Their records are kept. You can mark them as active again later.</Text>}
              onConfirm={setStatus('leaver')}>
              Mark as leaver
            </ConfirmButton>
          ) : (
            <Button variant="default" onClick={setStatus('active')}>Mark as active</Button>
          )}
        </Group>
      </Stack>
    </Paper>
  );
}

export { Fact };
