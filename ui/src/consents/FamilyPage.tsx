/**
 * The parents' view (issue 6, item 7): a parent or carer sees each of their children and, for every use of the
 * child's photo, a big yes/no switch. Turning one off asks first; the change is recorded at once with the date.
 * Made for a phone: one column, large tap targets.
 */
import { useState } from 'react';
import { Accordion, Alert, Button, Group, Modal, Paper, Stack, Switch, Text, Title } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useMe } from '../app/auth.tsx';
import { useFlash } from '../app/flash.tsx';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import { PendingAgreementsCard } from '../agreements/PendingAgreementsCard.tsx';
import { HistoryTable } from './ConsentParts.tsx';
import type { ChildConsents, ConsentAnswer, FamilyAnswer } from './types.ts';

interface Pending { child: ChildConsents; answer: ConsentAnswer }

function ConsentRow({ child, answer, description, busy, onChange }: { child: ChildConsents; answer: ConsentAnswer; description: string; busy: boolean; onChange(given: boolean): void }) {
  return (
    <Paper withBorder radius="md" p="md">
      <Stack gap={6}>
        <Switch size="xl" checked={answer.allowed} disabled={!child.canChange || busy} onChange={(e) => onChange(e.currentTarget.checked)}
          onLabel="YES" offLabel={<Text span fz="inherit" fw={700} c="dark.7">NO</Text>} label={<Text fw={700} fz="lg">{answer.use.label}</Text>}
          description={description} styles={{ body: { alignItems: 'center', minHeight: 48 }, labelWrapper: { flex: 1 }, description: { fontSize: 'var(--mantine-font-size-sm)' } }} labelPosition="left" />
        <Text fz="sm" fw={answer.allowed ? 600 : 400}>{answer.summary}</Text>
      </Stack>
    </Paper>
  );
}

export function FamilyPage() {
  const me = useMe();
  const flash = useFlash();
  const family = useApi<FamilyAnswer>('/api/family/consents');
  const [pending, setPending] = useState<Pending | null>(null);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  async function decide(child: ChildConsents, answer: ConsentAnswer, given: boolean) {
    setBusy(true);
    setError(null);
    try {
      const next = await post<ConsentAnswer>(`/api/family/children/${child.pupil.id}/consents`, { use: answer.use.key, given });
      flash.show(`${child.pupil.name.split(' ')[0]}: ${next.summary}`, next.allowed ? 'green' : 'blue');
      family.reload();
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
      setPending(null);
    }
  }

  const descriptions = new Map((family.data?.uses ?? []).map((u) => [u.key, u.description]));
  return (
    <Page title="Your children" description={`Hello ${me.person.givenName}. Here you can say how ${me.school.name} may use photos and videos of your children. You can change your mind at any time.`}>
      <PendingAgreementsCard />
      <ErrorNote message={error ?? family.error} />
      {!family.data && !family.error && <Loading />}
      {family.data && family.data.children.length === 0 && (
        <Alert color="blue" variant="light" title="No children linked to your account">
          The school has not linked any children to your account yet. Please contact the school office.
        </Alert>
      )}
      {family.data?.children.map((child) => (
        <Stack key={child.pupil.id} gap="sm" component="section" aria-label={child.pupil.name}>
          <Title order={2} fz={24}>{child.pupil.name}{child.pupil.yearGroup ? <Text span c="dimmed" fz="md"> · {child.pupil.yearGroup}</Text> : null}</Title>
          {child.pupil.status === 'leaver' && <Alert color="gray" variant="light">{child.pupil.name.split(' ')[0]} has left the school, so the school no longer uses their photos and nothing here can be changed. The history is kept.</Alert>}
          {!child.canChange && child.pupil.status !== 'leaver' && (
            <Alert color="yellow" variant="light">The school's records say you cannot change these consents for {child.pupil.name.split(' ')[0]}. If this is wrong, please contact the school office.</Alert>
          )}
          <Text>May the school use {child.pupil.name.split(' ')[0]}'s photo or video…</Text>
          {child.consents.map((answer) => (
            <ConsentRow key={answer.use.key} child={child} answer={answer} busy={busy}
              description={descriptions.get(answer.use.key) ?? ''}
              onChange={(given) => (given ? void decide(child, answer, true) : setPending({ child, answer }))} />
          ))}
          <Accordion variant="separated" radius="md">
            <Accordion.Item value="history">
              <Accordion.Control>History of changes for {child.pupil.name.split(' ')[0]}</Accordion.Control>
              <Accordion.Panel><HistoryTable history={child.history} caption={`History for ${child.pupil.name}`} /></Accordion.Panel>
            </Accordion.Item>
          </Accordion>
        </Stack>
      ))}
      {family.data && family.data.children.length > 0 && <Text c="dimmed" fz="sm">The school never puts a pupil's full name beside their photo.</Text>}
      <Modal opened={pending !== null} onClose={() => setPending(null)} centered closeButtonProps={{ 'aria-label': 'Close' }}
        title={<Text fw={700} fz="lg">Withdraw consent?</Text>}>
        {pending && (
          <Stack gap="lg">
            <Text>The school will no longer use {pending.child.pupil.name.split(' ')[0]}'s photo or video for <b>{pending.answer.use.label.toLowerCase()}</b> from now on. You can give consent again later.</Text>
            <Group justify="flex-end" grow>
              <Button size="lg" variant="default" onClick={() => setPending(null)}>Keep it</Button>
              <Button size="lg" color="red.9" loading={busy} onClick={() => void decide(pending.child, pending.answer, false)}>Withdraw consent</Button>
            </Group>
          </Stack>
        )}
      </Modal>
    </Page>
  );
}
