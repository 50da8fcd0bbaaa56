/** Log-in: username and password, then the two-step code when the account has it set up. */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Alert, Anchor, Button, Paper, PasswordInput, Stack, Text, TextInput, Title } from '@mantine/core';
import { ApiError, messageOf, post } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { usePageTitle } from '../app/Page.tsx';
import type { LoginAnswer } from '../app/types.ts';

export function LoginPage() {
  usePageTitle('Log in');
  const { setMe, signedOut } = useAuth();
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [step, setStep] = useState<'password' | 'code'>('password');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const codeRef = useRef<HTMLInputElement>(null);
  // The code field takes the focus once it is on the page, so a keyboard user types the code straight away.
  useEffect(() => { if (step === 'code') codeRef.current?.focus(); }, [step]);

  async function submit(e: FormEvent) {
    e.preventDefault();
    if (!username.trim() || !password) {
      setError('Enter your username and password.');
      return;
    }
    if (step === 'code' && !code.trim()) {
      setError('Enter the 6-digit code from your authenticator app, or one of your recovery codes.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await post<LoginAnswer>('/api/auth/login', { username: username.trim(), password, ...(step === 'code' ? { code: code.trim() } : {}) });
      if (answer.status === 'mfa_required') {
        setStep('code');
        setBusy(false);
        return;
      }
      setMe(answer.me); // the app then goes to the page the person was heading for
    } catch (err) {
      setError(messageOf(err));
      if (err instanceof ApiError && err.code === 'wrong_code') setCode('');
      setBusy(false);
    }
  }

  function startAgain() {
    setStep('password');
    setCode('');
    setPassword('');
    setError(null);
  }

  return (
    <Paper withBorder p="xl" radius="lg" component="form" onSubmit={submit} noValidate>
      <Stack gap="md">
        <Title order={1} fz={24}>{step === 'password' ? 'Log in to Osprey' : 'Two-step verification'}</Title>
        {signedOut === 'logout' && step === 'password' && !error && <Alert color="osprey" variant="light" role="status">You have logged out.</Alert>}
        {signedOut === 'expired' && step === 'password' && !error && <Alert color="yellow" variant="light" role="status">Your session has ended. Please log in again.</Alert>}
        {error && <Alert color="red" role="alert">{error}</Alert>}
        {step === 'password' ? (
          <>
            <TextInput label="Username" value={username} onChange={(e) => setUsername(e.currentTarget.value)} autoComplete="username"
              autoCapitalize="none" spellCheck={false} required data-autofocus autoFocus />
            <PasswordInput label="Password" value={password} onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password"
              required visibilityToggleButtonProps={{ 'aria-label': 'Show or hide the password' }} />
            <Button type="submit" loading={busy} size="md">Log in</Button>
            <Text fz="sm" c="dimmed">Forgotten your password? Ask an Osprey administrator or the network manager at your school to give you a temporary one.</Text>
          </>
        ) : (
          <>
            <Text>Open the authenticator app on your phone and type the 6-digit code it shows for Osprey.</Text>
            <TextInput ref={codeRef} label="Code" description="The 6-digit code, or one of your recovery codes if you do not have your phone"
              value={code} onChange={(e) => setCode(e.currentTarget.value)} autoComplete="one-time-code" autoCapitalize="none" spellCheck={false}
              maxLength={20} required styles={{ input: { fontSize: 20, letterSpacing: 3, fontFamily: 'ui-monospace, monospace' } }} />
            <Button type="submit" loading={busy} size="md">Continue</Button>
            <Anchor component="button" type="button" onClick={startAgain} fz="sm">Use a different account</Anchor>
          </>
        )}
      </Stack>
    </Paper>
  );
}
