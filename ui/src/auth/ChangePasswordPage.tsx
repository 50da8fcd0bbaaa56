/** Change your own password; forced after a temporary password or when the password has expired. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Group, Paper, PasswordInput, Stack, Text } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { useFlash } from '../app/flash.tsx';
import { Page } from '../app/Page.tsx';
import { navigate } from '../app/router.tsx';
import { newPasswordProblem, PasswordFields } from './PasswordFields.tsx';

export function ChangePasswordPage({ forced = false }: { forced?: boolean }) {
  const { refresh, me } = useAuth();
  const flash = useFlash();
  const [current, setCurrent] = useState('');
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ current?: string; password?: string; confirm?: string }>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found = { ...newPasswordProblem(password, confirm, me?.person.username), ...(current ? {} : { current: 'Enter the password you have now.' }) };
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    setError(null);
    try {
      await post('/api/auth/password', { currentPassword: current, newPassword: password });
      const me = await refresh();
      flash.show('Your password has been changed. Other devices where you were logged in have been logged out.');
      if (me?.mfa.required && !me.mfa.enrolled) navigate('/account/two-step');
      else navigate('/');
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <Page title={forced ? 'Choose a new password' : 'Change my password'}
      description={forced ? 'Before you carry on, choose a password that only you know. You will use it from now on.' : undefined}>
      <Paper withBorder p="xl" radius="lg" maw={520} component="form" onSubmit={submit} noValidate>
        <Stack gap="md">
          {error && <Alert color="red" role="alert">{error}</Alert>}
          <PasswordInput label={forced ? 'Temporary or current password' : 'Current password'} value={current}
            onChange={(e) => setCurrent(e.currentTarget.value)} error={errors.current} autoComplete="current-password" required
            visibilityToggleButtonProps={{ 'aria-label': 'Show or hide the password' }} />
          <PasswordFields password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} errors={errors} />
          <Group>
            <Button type="submit" loading={busy}>Change password</Button>
            {!forced && <Button variant="default" onClick={() => navigate('/')}>Cancel</Button>}
          </Group>
          {forced && <Text fz="sm" c="dimmed">You cannot use the rest of Osprey until you have chosen a new password.</Text>}
        </Stack>
      </Paper>
    </Page>
  );
}
