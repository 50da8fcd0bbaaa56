/** First run: create the school and its first administrator with the one-time link Osprey printed at start. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Paper, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useFlash } from '../app/flash.tsx';
import { Loading, usePageTitle } from '../app/Page.tsx';
import { Link, navigate, useLocation } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { newPasswordProblem, PasswordFields } from './PasswordFields.tsx';
import type { Static } from 'typebox';
import type { SetupStatusAnswer } from '../../../src/platform/auth/schemas.ts';

export function SetupPage() {
  usePageTitle('Set up Osprey');
  const { search } = useLocation();
  const token = search.get('token') ?? '';
  const status = useApi<Static<typeof SetupStatusAnswer>>('/api/setup/status');
  const flash = useFlash();
  const [form, setForm] = useState({ schoolName: '', givenName: '', familyName: '', username: '', email: '' });
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<Record<string, string | undefined>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (status.error) return <Alert color="red" role="alert" title="Osprey could not be reached">{status.error}</Alert>;
  if (!status.data) return <Loading />;
  if (!status.data.needed) {
    return (
      <Paper withBorder p="xl" radius="lg">
        <Stack>
          <Title order={1} fz={24}>Osprey is already set up</Title>
          <Text>The first administrator has already been created, so this set-up page is no longer needed.</Text>
          <Link to="/login" fw={600}>Go to the log-in page</Link>
        </Stack>
      </Paper>
    );
  }
  if (!token) {
    return (
      <Alert color="yellow" title="Open the set-up link" role="alert">
        To set up Osprey, open the one-time link that Osprey printed when it started (it ends with “setup?token=…”).
      </Alert>
    );
  }

  const field = (key: keyof typeof form) => ({
    value: form[key],
    onChange: (e: { currentTarget: HTMLInputElement }) => { const v = e.currentTarget.value; setForm((f) => ({ ...f, [key]: v })); },
    error: errors[key],
  });

  async function submit(e: FormEvent) {
    e.preventDefault();
    const found: Record<string, string | undefined> = { ...newPasswordProblem(password, confirm, form.username) };
    if (!form.schoolName.trim()) found.schoolName = 'Enter the name of your school.';
    if (!form.givenName.trim()) found.givenName = 'Enter your first name.';
    if (!form.familyName.trim()) found.familyName = 'Enter your last name.';
    if (!/^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$/.test(form.username.trim())) found.username = 'Choose a username of at least 2 characters: letters, digits, dots or dashes.';
    setErrors(found);
    if (Object.values(found).some(Boolean)) return;
    setBusy(true);
    setError(null);
    try {
      await post('/api/setup', {
        token, schoolName: form.schoolName.trim(), givenName: form.givenName.trim(), familyName: form.familyName.trim(),
        username: form.username.trim(), ...(form.email.trim() ? { email: form.email.trim() } : {}), password,
      });
      flash.show('Osprey is set up. Log in with the username and password you have just chosen.');
      navigate('/login');
    } catch (err) {
      setError(messageOf(err));
      setBusy(false);
    }
  }

  return (
    <Paper withBorder p="xl" radius="lg" component="form" onSubmit={submit} noValidate>
      <Stack gap="md">
        <div>
          <Title order={1} fz={24}>Welcome to Osprey</Title>
          <Text c="dimmed" mt={4}>Set up your school and your own administrator account. You can add everyone else afterwards.</Text>
        </div>
        {error && <Alert color="red" role="alert">{error}</Alert>}
        <TextInput label="School name" placeholder="e.g. Oakfield Primary School" required autoComplete="organization" {...field('schoolName')} />
        <SimpleGrid cols={{ base: 1, xs: 2 }} spacing="sm">
          <TextInput label="First name" required autoComplete="given-name" {...field('givenName')} />
          <TextInput label="Last name" required autoComplete="family-name" {...field('familyName')} />
        </SimpleGrid>
        <TextInput label="Username" description="What you will type to log in, e.g. j.smith" required autoComplete="username" autoCapitalize="none" spellCheck={false} {...field('username')} />
        <TextInput label="E-mail address (optional)" type="email" autoComplete="email" {...field('email')} />
        <PasswordFields label="Password" password={password} confirm={confirm} onPassword={setPassword} onConfirm={setConfirm} errors={errors} />
        <Button type="submit" loading={busy} size="md">Set up Osprey</Button>
      </Stack>
    </Paper>
  );
}
