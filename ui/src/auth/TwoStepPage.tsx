/** Set up two-step verification: scan the QR code, type the first code, keep the recovery codes. */
import { useState, type FormEvent } from 'react';
import { Alert, Button, Code, CopyButton, Group, Image, List, PasswordInput, Paper, SimpleGrid, Stack, Text, TextInput, Title, VisuallyHidden } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useAuth, useMe } from '../app/auth.tsx';
import { Page } from '../app/Page.tsx';
import { navigate } from '../app/router.tsx';
import type { Static } from 'typebox';
import type { MfaEnrolment, RecoveryCodesAnswer } from '../../../src/platform/auth/schemas.ts';

const svgDataUrl = (svg: string) => `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
const grouped = (secret: string) => secret.replace(/(.{4})/g, '$1 ').trim();

export function TwoStepPage() {
  const me = useMe();
  const { refresh } = useAuth();
  const [enrolment, setEnrolment] = useState<MfaEnrolment | null>(null);
  const [code, setCode] = useState('');
  const [password, setPassword] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function start(e: FormEvent) {
    e.preventDefault();
    if (!password) {
      setError('Type your password to start: it shows that it is really you setting this up.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      setEnrolment(await post<MfaEnrolment>('/api/auth/mfa/start', { password }));
      setPassword('');
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  }

  async function confirm(e: FormEvent) {
    e.preventDefault();
    if (!/^\d{6}$/.test(code.replace(/\s+/g, ''))) {
      setError('Type the 6-digit code your authenticator app shows for Osprey.');
      return;
    }
    setBusy(true);
    setError(null);
    try {
      const answer = await post<Static<typeof RecoveryCodesAnswer>>('/api/auth/mfa/confirm', { code: code.replace(/\s+/g, '') });
      setRecoveryCodes(answer.recoveryCodes);
      await refresh();
    } catch (err) {
      setError(messageOf(err));
    }
    setBusy(false);
  }

  if (recoveryCodes) {
    const text = recoveryCodes.join('\n');
    return (
      <Page title="Two-step verification is set up">
        <Paper withBorder p="xl" radius="lg" maw={640}>
          <Stack gap="md">
            <Alert color="green" variant="light" role="status">From now on, Osprey will ask for a code from your phone when you log in.</Alert>
            <Title order={2} fz={20}>Your recovery codes</Title>
            <Text>If you lose your phone, you can log in with one of these codes instead. Each code works once. <strong>This is the only time they are shown</strong> – print them or copy them somewhere safe, such as a password manager, and keep them away from your phone.</Text>
            <SimpleGrid cols={2} spacing="xs" component="ul" style={{ listStyle: 'none', padding: 0, margin: 0 }} aria-label="Recovery codes">
              {recoveryCodes.map((c) => <li key={c}><Code fz="lg" px="sm" py={4} style={{ display: 'inline-block' }}>{c}</Code></li>)}
            </SimpleGrid>
            <Group className="osprey-no-print">
              <Button onClick={() => window.print()}>Print the codes</Button>
              <CopyButton value={text}>
                {({ copied, copy }) => <Button variant="default" onClick={copy}>{copied ? 'Copied' : 'Copy the codes'}</Button>}
              </CopyButton>
              <Button variant="subtle" onClick={() => navigate('/')}>I have kept them safe – continue</Button>
            </Group>
          </Stack>
        </Paper>
      </Page>
    );
  }

  if (me.mfa.enrolled && !me.mfa.verified) {
    return (
      <Page title="Log in again with your code">
        <Paper withBorder p="xl" radius="lg" maw={640}>
          <Stack gap="sm">
            <Alert color="yellow" variant="light" role="status">Your role can now see safeguarding information, so this session needs a code from your authenticator app.</Alert>
            <Text>Log out, then log in again with your password and the 6-digit code your app shows.</Text>
          </Stack>
        </Paper>
      </Page>
    );
  }

  if (me.mfa.enrolled) {
    return (
      <Page title="Two-step verification">
        <Paper withBorder p="xl" radius="lg" maw={640}>
          <Stack gap="sm">
            <Alert color="green" variant="light">Two-step verification is set up for your account.</Alert>
            <Text>If you have a new phone or have lost yours, ask an Osprey administrator to reset your two-step verification, then set it up again here. Until then you can log in with one of your recovery codes.</Text>
          </Stack>
        </Paper>
      </Page>
    );
  }

  return (
    <Page title="Set up two-step verification"
      description={me.mfa.required
        ? 'Your role can see safeguarding information, so you need to set up two-step verification. After this, logging in needs your password and a code from your phone.'
        : 'Two-step verification protects your account: logging in needs your password and a code from your phone.'}>
      <Paper withBorder p="xl" radius="lg" maw={720}>
        <Stack gap="md">
          {error && <Alert color="red" role="alert">{error}</Alert>}
          {!enrolment ? (
            <>
              <Text>You need an authenticator app on your phone, such as Microsoft Authenticator or Google Authenticator (both free).</Text>
              <form onSubmit={start} noValidate>
                <Stack gap="sm" maw={360}>
                  <PasswordInput label="Your password" description="The password you logged in with" value={password}
                    onChange={(e) => setPassword(e.currentTarget.value)} autoComplete="current-password" required />
                  <Group><Button type="submit" loading={busy}>Start</Button></Group>
                </Stack>
              </form>
            </>
          ) : (
            <form onSubmit={confirm} noValidate>
              <Stack gap="md">
                <List type="ordered" spacing="xs">
                  <List.Item>Open the authenticator app and choose to add an account.</List.Item>
                  <List.Item>Scan this QR code with the app.</List.Item>
                  <List.Item>Type the 6-digit code the app shows for Osprey below.</List.Item>
                </List>
                <Group align="flex-start" gap="xl" wrap="wrap">
                  <Image src={svgDataUrl(enrolment.qrSvg)} alt="QR code to scan with your authenticator app" w={200} h={200} fit="contain" bg="white" p={4} style={{ border: '1px solid var(--mantine-color-gray-3)', borderRadius: 8 }} />
                  <Stack gap={4} maw={360}>
                    <Text fw={600}>Cannot scan the code?</Text>
                    <Text fz="sm">Choose “enter a setup key” in the app and type this key (the spaces do not matter):</Text>
                    <Code fz="md" p="sm" style={{ wordBreak: 'break-all' }}><VisuallyHidden>Setup key: </VisuallyHidden>{grouped(enrolment.secret)}</Code>
                    <Text fz="sm" c="dimmed">Account name: {me.person.username} · Type: time-based</Text>
                  </Stack>
                </Group>
                <TextInput label="Code from the app" value={code} onChange={(e) => setCode(e.currentTarget.value)} inputMode="numeric"
                  autoComplete="one-time-code" maxLength={9} w={220} required styles={{ input: { fontSize: 20, letterSpacing: 4, fontFamily: 'ui-monospace, monospace' } }} />
                <Group><Button type="submit" loading={busy}>Turn on two-step verification</Button></Group>
              </Stack>
            </form>
          )}
        </Stack>
      </Paper>
    </Page>
  );
}
