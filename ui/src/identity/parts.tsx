/** Words and small pieces shared by the sections of the Devices and log-on page. */
import { useState, type ReactNode } from 'react';
import { Button, Group, Stack, Text, TextInput, Title } from '@mantine/core';
import { dayKey, DEFAULT_TIME_ZONE } from '../activity/time.ts';
import type { AddressEntry } from './types.ts';

/**
 * Times here are the school's. The identity API does not send the school's time zone (the activity API does), so
 * this is Osprey's default, which is the UK's.
 */
export const SCHOOL_TIME_ZONE = DEFAULT_TIME_ZONE;

export function Section({ id, title, description, actions, children }: { id: string; title: string; description?: ReactNode; actions?: ReactNode; children: ReactNode }) {
  return (
    <Stack gap="sm" component="section" aria-labelledby={id}>
      <Group justify="space-between" align="flex-end" wrap="wrap" gap="sm">
        <div>
          <Title order={2} fz={20} id={id}>{title}</Title>
          {description && <Text fz="sm" c="dimmed" component="div" maw={760}>{description}</Text>}
        </div>
        {actions && <Group gap="sm">{actions}</Group>}
      </Group>
      {children}
    </Stack>
  );
}

/** A device's address as people write it ('10.0.5.23', not '10.0.5.23/32'); a range as it is. */
export function addressOf(entry: Pick<AddressEntry, 'cidr' | 'kind'>): string {
  return entry.kind === 'device' ? entry.cidr.replace(/\/(32|128)$/, '') : entry.cidr;
}

/** How many addresses a range holds, in words: "256 addresses". IPv6 ranges are too big to count usefully. */
export function rangeSize(cidr: string): string | null {
  const m = /^[\d.]+\/(\d{1,2})$/.exec(cidr);
  if (!m) return null;
  const n = 2 ** (32 - Number(m[1]));
  return n === 1 ? 'one address' : `${n.toLocaleString('en-GB')} addresses`;
}

const clock = new Intl.DateTimeFormat('en-GB', { timeZone: SCHOOL_TIME_ZONE, hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
const day = new Intl.DateTimeFormat('en-GB', { timeZone: SCHOOL_TIME_ZONE, weekday: 'short', day: 'numeric', month: 'short' });

/** "14:30 today", "09:00 tomorrow" or "09:00 on Mon 16 Nov", in school time. */
export function schoolTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const today = dayKey(now.toISOString(), SCHOOL_TIME_ZONE);
  const tomorrow = dayKey(new Date(now.getTime() + 86_400_000).toISOString(), SCHOOL_TIME_ZONE);
  const key = dayKey(iso, SCHOOL_TIME_ZONE);
  const when = key === today ? 'today' : key === tomorrow ? 'tomorrow' : `on ${day.format(at)}`;
  return `${clock.format(at)} ${when}`;
}

/** "480 minutes" → "8 hours"; "90" → "1 hour 30 minutes". */
export function durationWords(minutes: number): string {
  if (!Number.isFinite(minutes) || minutes <= 0) return '';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  const part = (n: number, one: string) => (n ? `${n} ${one}${n === 1 ? '' : 's'}` : '');
  return [part(days, 'day'), part(hours, 'hour'), part(mins, 'minute')].filter(Boolean).join(' ');
}

/**
 * Copies text. navigator.clipboard needs HTTPS, which a school's intranet server may not have, so the older
 * select-and-copy is tried as well.
 */
async function copyText(text: string, input: HTMLInputElement | null): Promise<boolean> {
  try {
    if (navigator.clipboard && window.isSecureContext) {
      await navigator.clipboard.writeText(text);
      return true;
    }
  } catch { /* fall through to the older way */ }
  if (!input) return false;
  input.focus();
  input.select();
  try {
    return document.execCommand('copy');
  } catch {
    return false;
  }
}

/** An address to copy: shown in a read-only box (select it by hand if copying is not allowed) with a Copy button. */
export function CopyableAddress({ label, value, description }: { label: string; value: string; description: ReactNode }) {
  const [input, setInput] = useState<HTMLInputElement | null>(null);
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  return (
    <Stack gap={4}>
      <Group gap="xs" align="flex-end" wrap="nowrap">
        <TextInput label={label} description={description} value={value} readOnly ref={setInput} style={{ flex: 1 }}
          styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }} onFocus={(e) => e.currentTarget.select()} />
        <Button variant="default" aria-label={`Copy the ${label.toLowerCase()}`} onClick={async () => {
          setState((await copyText(value, input)) ? 'copied' : 'failed');
          window.setTimeout(() => setState('idle'), 4000);
        }}>Copy</Button>
      </Group>
      <Text fz="xs" c={state === 'failed' ? 'red.9' : 'green.9'} role="status" mih={18}>
        {state === 'copied' ? 'Copied.' : state === 'failed' ? 'Your browser did not allow copying. The address is selected: press Ctrl+C to copy it.' : ''}
      </Text>
    </Stack>
  );
}
