/**
 * The Online Safety Lead's overview (R6.1, R6.2, R6.5): this school year's campaign — signed and not signed for each
 * agreement — the agreements themselves (edit, publish), and the school-year and grace-period settings.
 */
import { useEffect, useState } from 'react';
import { Badge, Button, Group, NumberInput, Paper, Progress, SimpleGrid, Stack, Switch, Table, Text, TextInput, Title } from '@mantine/core';
import { messageOf, post, put } from '../api.ts';
import { useMe } from '../app/auth.tsx';
import { useFlash } from '../app/flash.tsx';
import { formatDate, plural } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link, linkProps } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import type { Campaign, Settings, TemplateSummary } from './types.ts';
import type { RemindersAnswer } from '../../../src/agreements/schemas.ts';

function SettingsForm({ settings, onSaved }: { settings: Settings; onSaved(): void }) {
  const flash = useFlash();
  const [s, setS] = useState(settings);
  const [busy, setBusy] = useState(false);
  useEffect(() => setS(settings), [settings]);
  const save = async () => {
    setBusy(true);
    try {
      await put('/api/agreements/settings', { yearStarts: s.yearStarts, gating: s.gating, joinerGraceDays: s.joinerGraceDays, versionGraceDays: s.versionGraceDays, yearGraceDays: s.yearGraceDays });
      flash.show('Settings saved. The filter uses them straight away.', 'green');
      onSaved();
    } catch (e) {
      flash.show(messageOf(e), 'red');
    } finally {
      setBusy(false);
    }
  };
  return (
    <Paper withBorder radius="lg" p="lg">
      <Title order={2} fz={20}>Settings</Title>
      <Stack gap="sm" mt="sm" maw={560}>
        <TextInput label="The school year starts on (month-day)" description="Everyone signs again from this day each year, e.g. 09-01 for 1 September." value={s.yearStarts} onChange={(e) => setS({ ...s, yearStarts: e.currentTarget.value })} />
        <Switch label="Hold back the internet until people sign" description="When on, someone who has not signed is sent to the sign page by the web filter." checked={s.gating} onChange={(e) => setS({ ...s, gating: e.currentTarget.checked })} />
        <NumberInput label="Days a new joiner may browse before signing" min={0} max={60} value={s.joinerGraceDays} onChange={(v) => setS({ ...s, joinerGraceDays: Number(v) || 0 })} />
        <NumberInput label="Days to re-sign after a new version is published" min={0} max={60} value={s.versionGraceDays} onChange={(v) => setS({ ...s, versionGraceDays: Number(v) || 0 })} />
        <NumberInput label="Days to re-sign after the new school year starts" min={0} max={60} value={s.yearGraceDays} onChange={(v) => setS({ ...s, yearGraceDays: Number(v) || 0 })} />
        <Group><Button onClick={save} loading={busy}>Save settings</Button></Group>
      </Stack>
    </Paper>
  );
}

export function AgreementsPage() {
  const me = useMe();
  const flash = useFlash();
  const canManage = me.permissions.includes('agreements.manage');
  const templates = useApi<{ templates: TemplateSummary[] }>('/api/agreements/templates');
  const campaign = useApi<Campaign>('/api/agreements/campaign');
  const settings = useApi<Settings>('/api/agreements/settings');
  const [sending, setSending] = useState(false);

  const remindAll = async () => {
    if (!window.confirm('E-mail a reminder to everyone who has not signed (parents for pupils)?')) return;
    setSending(true);
    try {
      const r = await post<RemindersAnswer>('/api/agreements/reminders', {});
      flash.show(`${plural(r.emails, 'reminder')} queued for ${plural(r.people, 'person', 'people')}.${r.unreachable.length ? ` ${plural(r.unreachable.length, 'person', 'people')} have no e-mail address on record.` : ''}`, 'green');
      campaign.reload();
    } catch (e) {
      flash.show(messageOf(e), 'red');
    } finally {
      setSending(false);
    }
  };

  return (
    <Page title="Acceptable Use Agreements" description="Everyone signs the agreement for their role before using the school internet, and again each school year or when the agreement changes."
      actions={<>
        <Button variant="default" component="a" {...linkProps('/agreements/coverage')}>Who has not signed</Button>
        {canManage && <Button onClick={remindAll} loading={sending}>Remind everyone not signed</Button>}
      </>}>
      <ErrorNote message={templates.error ?? campaign.error} />
      {campaign.data && (
        <Stack gap="sm">
          <Title order={2} fz={20}>School year {campaign.data.schoolYear.name} (from {formatDate(campaign.data.schoolYear.startedOn)})</Title>
          {campaign.data.audiences.length === 0 && <Text c="dimmed">No agreement has been published yet. Check the texts below, change them to suit your school, and publish them.</Text>}
          <SimpleGrid cols={{ base: 1, sm: 2, lg: 3 }}>
            {campaign.data.audiences.map((a) => (
              <Paper key={a.template.id} withBorder radius="lg" p="md">
                <Text fw={700}>{a.template.name}</Text>
                <Progress mt="xs" value={a.total ? (a.signed / a.total) * 100 : 0} aria-label={`${a.signed} of ${a.total} signed`} />
                <Text mt={6} size="sm"><strong>{a.signed}</strong> signed · <strong>{a.unsigned + a.grace}</strong> not signed{a.grace ? ` (${a.grace} in grace period)` : ''}</Text>
                <Link to={`/agreements/coverage?templateId=${a.template.id}&status=not_signed`}>See who</Link>
              </Paper>
            ))}
          </SimpleGrid>
        </Stack>
      )}
      <Stack gap="sm">
        <Title order={2} fz={20}>Agreements</Title>
        {!templates.data && <Loading />}
        {templates.data && (
          <Table.ScrollContainer minWidth={600}>
            <Table verticalSpacing="sm" highlightOnHover>
              <Table.Thead><Table.Tr><Table.Th>Agreement</Table.Th><Table.Th>Published</Table.Th><Table.Th>Status</Table.Th></Table.Tr></Table.Thead>
              <Table.Tbody>
                {templates.data.templates.map((t) => (
                  <Table.Tr key={t.id}>
                    <Table.Td><Link to={`/agreements/templates/${t.id}`}>{t.name}</Link></Table.Td>
                    <Table.Td>{t.currentVersion ? `Version ${t.currentVersion.number}, ${formatDate(t.currentVersion.publishedAt)}` : 'Not yet'}</Table.Td>
                    <Table.Td>
                      {!t.active && <Badge color="gray.7" variant="light">Not used</Badge>}
                      {t.active && t.hasUnpublishedChanges && <Badge color="orange.9" variant="light">{t.currentVersion ? 'Changes not published' : 'Draft'}</Badge>}
                      {t.active && !t.hasUnpublishedChanges && <Badge color="green.9" variant="light">Published</Badge>}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </Table.ScrollContainer>
        )}
      </Stack>
      {settings.data && (canManage ? <SettingsForm settings={settings.data} onSaved={() => { settings.reload(); campaign.reload(); }} /> : null)}
    </Page>
  );
}
