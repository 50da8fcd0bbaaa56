/**
 * What happens to devices nobody can identify (no log-on, no address range): one of three choices, explained for a
 * network manager deciding between them, and how long a web log-on lasts. Beside it, the two addresses to give out:
 * the log-on page and the proxy settings (PAC) file.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Grid, Group, NumberInput, Paper, Radio, Stack, Text, Title } from '@mantine/core';
import { messageOf, put } from '../api.ts';
import { ErrorNote, Loading } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { CopyableAddress, durationWords, Section } from './parts.tsx';
import type { IdentitySettings, UnidentifiedMode } from './types.ts';

export const CHOICES: { value: UnidentifiedMode; label: string; help: string; short: string }[] = [
  {
    value: 'fallback', label: 'Filter them with the unidentified-devices policy',
    help: 'Nobody is asked to log on. The device is filtered with the policy for unidentified devices (usually the strictest) and its activity is recorded against its address only.',
    short: 'filtered with the unidentified-devices policy',
  },
  {
    value: 'logon', label: 'Send them to the log-on page',
    help: 'The first ordinary web page opened on the device is replaced by Osprey’s log-on page. Once someone logs on with their school username and password, the device is filtered as them until they log off or the log-on runs out. Secure (https) sites cannot be sent to the log-on page and simply fail until then, so tell people to open the log-on page first.',
    short: 'sent to the log-on page',
  },
  {
    value: 'proxy-auth', label: 'Ask for a username and password',
    help: 'The browser asks for a school username and password before it shows anything, and Osprey checks them. This only works for browsers set to use Osprey’s proxy (for example with the PAC file), and some apps cannot answer the question.',
    short: 'asked for a username and password',
  },
];

const MIN_MINUTES = 5;
const MAX_MINUTES = 10080;

function SettingsForm({ saved, onSaved }: { saved: IdentitySettings; onSaved(s: IdentitySettings): void }) {
  const [mode, setMode] = useState<UnidentifiedMode>(saved.unidentified);
  const [minutes, setMinutes] = useState<number | string>(saved.logonMinutes);
  const [minutesError, setMinutesError] = useState<string | null>(null);
  const [result, setResult] = useState<{ ok: boolean; text: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const dirty = mode !== saved.unidentified || Number(minutes) !== saved.logonMinutes;

  async function save() {
    const m = Number(minutes);
    if (!Number.isInteger(m) || m < MIN_MINUTES || m > MAX_MINUTES) {
      setMinutesError(`Give a whole number of minutes from ${MIN_MINUTES} to ${MAX_MINUTES.toLocaleString('en-GB')} (a week).`);
      return;
    }
    setBusy(true);
    try {
      const next = await put<IdentitySettings>('/api/identity/settings', { unidentified: mode, logonMinutes: m });
      onSaved(next);
      const choice = CHOICES.find((c) => c.value === next.unidentified)!;
      setResult({ ok: true, text: `Saved. Devices nobody can identify are now ${choice.short}; a web log-on lasts ${durationWords(next.logonMinutes)}.` });
    } catch (e) {
      setResult({ ok: false, text: messageOf(e) });
    }
    setBusy(false);
  }

  const words = durationWords(Number(minutes));
  return (
    <form noValidate aria-label="Devices nobody can identify" onSubmit={(e) => { e.preventDefault(); void save(); }}>
      <Stack gap="md">
        <Radio.Group label="What happens to them" value={mode} onChange={(v) => { setMode(v as UnidentifiedMode); setResult(null); }}>
          <Stack gap="sm" mt="xs">
            {CHOICES.map((c) => (
              <Radio key={c.value} value={c.value} label={c.label} description={c.help} styles={{ label: { fontWeight: 600 }, description: { maxWidth: 620 } }} />
            ))}
          </Stack>
        </Radio.Group>
        <Text fz="sm">
          The policy for unidentified devices is on the <Link to="/filtering">Filtering</Link> page.
        </Text>
        <NumberInput label="How long a web log-on lasts, in minutes" maw={360} value={minutes} min={MIN_MINUTES} max={MAX_MINUTES}
          allowDecimal={false} allowNegative={false} error={minutesError}
          description={`${words ? `That is ${words}. ` : ''}After this, the person has to log on again. 480 minutes is a school day.`}
          onChange={(v) => { setMinutes(v); setMinutesError(null); setResult(null); }} />
        {result && (
          <Alert color={result.ok ? 'green' : 'red'} variant="light" role={result.ok ? 'status' : 'alert'} title={result.ok ? undefined : 'Not saved'}>
            {result.text}
          </Alert>
        )}
        <Group>
          <Button type="submit" loading={busy} disabled={!dirty && !busy}>Save</Button>
          {!dirty && !result && <Text fz="sm" c="dimmed">No changes to save.</Text>}
        </Group>
      </Stack>
    </form>
  );
}

export function UnidentifiedSection() {
  const settings = useApi<IdentitySettings>('/api/identity/settings');
  const [saved, setSaved] = useState<IdentitySettings | null>(null);
  useEffect(() => { if (settings.data) setSaved(settings.data); }, [settings.data]);
  const origin = window.location.origin;

  return (
    <Section id="unidentified" title="Devices nobody can identify"
      description="Devices that are not in an address range or device above, where nobody has logged on: visitors’ phones, a laptop brought from home, a new machine.">
      <Grid gap="lg">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Paper withBorder radius="md" p="md">
            <ErrorNote message={settings.error} title="The settings could not be loaded" />
            {!saved && !settings.error && <Loading label="Loading the settings…" />}
            {saved && <SettingsForm saved={saved} onSaved={setSaved} />}
          </Paper>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder radius="md" p="md" bg="osprey.0" style={{ borderColor: 'var(--mantine-color-osprey-2)' }} component="section" aria-labelledby="addresses">
            <Title order={3} fz={17} id="addresses">Addresses for your network</Title>
            <Text fz="sm" c="dimmed" mb="sm">Copy these into your group policy, device management or posters.</Text>
            <Stack gap="xs">
              <CopyableAddress label="Log-on page address" value={`${origin}/logon`}
                description="Where people log on. Make it the browsers’ home page, or put it on a poster by shared computers." />
              <CopyableAddress label="Proxy settings file (PAC) address" value={`${origin}/proxy.pac`}
                description="Set browsers to use this automatic proxy configuration file. The same file is at /wpad.dat for automatic discovery." />
            </Stack>
          </Paper>
        </Grid.Col>
      </Grid>
    </Section>
  );
}
