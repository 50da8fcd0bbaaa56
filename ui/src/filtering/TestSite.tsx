/** "Test a site": what the filter would do with a web address, for whom and when, and why — in plain sentences. */
import { useState, type ReactNode } from 'react';
import { Alert, Button, Group, List, Paper, Select, Stack, Text, TextInput, Title } from '@mantine/core';
import { ApiError, messageOf, post } from '../api.ts';
import { formatDateTime } from '../app/format.ts';
import { Link } from '../app/router.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { ActionBadge, targetLabel, VERDICT_LABELS } from './labels.tsx';
import type { Category, Policy, WhyAnswer } from './types.ts';
import type { WhyQuestionBody } from '../../../src/filtering/why-schemas.ts';

const VERDICT_LINES: Record<WhyAnswer['action'], string> = {
  allow: 'The site would open.',
  block: 'The site would not open.',
  warn: 'A warning page would be shown first.',
  monitor: 'The site would open, and the visit would be recorded for safeguarding staff.',
  safesearch: 'The search engine would open with SafeSearch locked on.',
};

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline">
      <Text fz="sm" c="dimmed" w={110} style={{ flexShrink: 0 }}>{label}</Text>
      <Text fz="sm" component="div" style={{ wordBreak: 'break-word' }}>{children}</Text>
    </Group>
  );
}

/** The address as typed, with https:// added when there is no scheme. */
function asUrl(text: string): string {
  const t = text.trim();
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(t) ? t : `https://${t}`;
}

function Result({ answer, policy, categories }: { answer: WhyAnswer; policy: Policy; categories: Map<string, Category> }) {
  const m = answer.match ?? {};
  const samePolicy = answer.policy.id === policy.id;
  const rule = samePolicy && m.ruleId
    ? [...policy.localBlock.map((e) => ({ ...e, list: 'Always block' })), ...policy.localAllow.map((e) => ({ ...e, list: 'Always allow' }))].find((e) => e.id === m.ruleId)
    : undefined;
  const schedule = samePolicy && m.scheduleId ? policy.schedules.find((s) => s.id === m.scheduleId) : undefined;
  return (
    <Paper withBorder radius="md" p="md" data-testid="why-result">
      <Stack gap="sm">
        <Group gap="sm" align="center">
          <ActionBadge action={answer.action} size="xl">{VERDICT_LABELS[answer.action]}</ActionBadge>
          <Text fz="sm">{VERDICT_LINES[answer.action]}</Text>
        </Group>
        {(answer.subject || answer.at) && (
          <Text fz="sm">Tested for {answer.subject ?? 'the person or group chosen'}{answer.at ? `, at ${formatDateTime(answer.at)}` : ''}.</Text>
        )}
        <Text fz="sm">
          Policy used: {samePolicy ? <Text span fw={650} fz="sm">{answer.policy.name} (this policy)</Text>
            : <Link to={`/filtering/policies/${answer.policy.id}`} fz="sm" fw={650}>{answer.policy.name}</Link>}
        </Text>
        {answer.explanation.length > 0 && (
          <div>
            <Title order={3} fz={15}>Why</Title>
            <List fz="sm" spacing={4} mt={4} data-testid="why-explanation">
              {answer.explanation.map((s, i) => <List.Item key={i}>{s}</List.Item>)}
            </List>
          </div>
        )}
        {(m.categoryId || m.entry || m.sourceId || m.ruleId || m.scheduleId || answer.safeSearchHost) && (
          <div>
            <Title order={3} fz={15} mb={4}>What matched</Title>
            <Stack gap={4}>
              {m.entry && <Fact label="Entry"><Text span ff="monospace" fz="sm">{m.entry}</Text></Fact>}
              {m.categoryId && <Fact label="Category">{categories.get(m.categoryId)?.name ?? m.categoryId}</Fact>}
              {m.sourceId && <Fact label="Block list">{m.sourceId}</Fact>}
              {m.ruleId && <Fact label="Rule">{rule ? `${rule.list}: ${rule.value}${rule.note ? ` (${rule.note})` : ''}` : m.ruleId}</Fact>}
              {m.scheduleId && <Fact label="Schedule">{schedule ? `${schedule.name} (${schedule.start}–${schedule.end})` : m.scheduleId}</Fact>}
              {answer.safeSearchHost && <Fact label="Sent to"><Text span ff="monospace" fz="sm">{answer.safeSearchHost}</Text></Fact>}
            </Stack>
          </div>
        )}
        {answer.circumvention && (
          <Alert color="orange" variant="light" p="xs">This looks like an attempt to get round the filter. Safeguarding staff would be alerted.</Alert>
        )}
      </Stack>
    </Paper>
  );
}

export function TestSite({ policy, groups, groupsReadable, categories }: {
  policy: Policy; groups: Map<string, GroupRow>; groupsReadable: boolean; categories: Map<string, Category>;
}) {
  const [url, setUrl] = useState('');
  const [username, setUsername] = useState('');
  const [target, setTarget] = useState<string | null>(policy.targets[0] ?? null);
  const [at, setAt] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [answer, setAnswer] = useState<WhyAnswer | null>(null);
  const targetOptions = policy.targets.map((t) => ({ value: t, label: targetLabel(t, groups, groupsReadable) }));

  async function test() {
    setError(null);
    setAnswer(null);
    if (!url.trim()) { setError('Enter the web address to test, e.g. youtube.com.'); return; }
    const body: WhyQuestionBody = { url: asUrl(url) };
    if (username.trim()) body.username = username.trim();
    else if (target) body.groupId = target;
    if (at) {
      const when = new Date(at);
      if (Number.isNaN(when.getTime())) { setError('Enter the date and time in full, or leave it empty for now.'); return; }
      body.at = when.toISOString();
    }
    setBusy(true);
    try {
      setAnswer(await post<WhyAnswer>('/api/filtering/why', body));
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 && e.message.startsWith('There is nothing at ')
        ? 'Testing a site is not available on this Osprey server yet.'
        : messageOf(e));
    }
    setBusy(false);
  }

  const who = username.trim() ? `${username.trim()}` : target ? `someone in ${targetLabel(target, groups, groupsReadable)}`
    : policy.unidentified ? 'a device Osprey cannot identify' : 'a device Osprey cannot identify (this policy is not given to anyone yet)';

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby="test-a-site">
      <Stack gap="sm">
        <div>
          <Title order={2} fz={20} id="test-a-site">Test a site</Title>
          <Text fz="sm" c="dimmed">See what the filter would do with a web address, and why. It uses the policies as they are saved.</Text>
        </div>
        <form noValidate onSubmit={(e) => { e.preventDefault(); void test(); }} aria-label="Test a site">
          <Stack gap="sm">
            <TextInput label="Web address" placeholder="youtube.com" value={url} onChange={(e) => setUrl(e.currentTarget.value)}
              spellCheck={false} autoCapitalize="none" autoComplete="off" required />
            <TextInput label="Username (optional)" description="Test for one person: their groups decide the policy." value={username}
              onChange={(e) => setUsername(e.currentTarget.value)} spellCheck={false} autoCapitalize="none" autoComplete="off" />
            {targetOptions.length > 0 && (
              <Select label="Or as someone in" description="A group or role this policy is for." data={targetOptions} value={target}
                onChange={setTarget} disabled={Boolean(username.trim())} clearable clearButtonProps={{ 'aria-label': 'Test as an unidentified device' }}
                placeholder="An unidentified device" comboboxProps={{ withinPortal: true }} />
            )}
            <TextInput label="Date and time (optional)" description="Leave empty for now. Schedules depend on it." type="datetime-local"
              value={at} onChange={(e) => setAt(e.currentTarget.value)} />
            <Group justify="space-between" wrap="wrap">
              <Text fz="xs" c="dimmed">Testing as {who}.</Text>
              <Button type="submit" loading={busy}>Test</Button>
            </Group>
          </Stack>
        </form>
        <div aria-live="polite">
          {error && <Alert color="red" variant="light" role="alert">{error}</Alert>}
          {answer && <Result answer={answer} policy={policy} categories={categories} />}
        </div>
      </Stack>
    </Paper>
  );
}
