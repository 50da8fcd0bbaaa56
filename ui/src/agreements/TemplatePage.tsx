/**
 * Edit one agreement (R6.1, R6.2): its name, who must sign it (roles, key stages, groups), whether a parent's
 * signature is enough, and the text in Markdown with a live preview exactly as signers will see it. Publishing makes
 * an immutable new version that everyone it is for signs again.
 */
import { useEffect, useState } from 'react';
import { Alert, Button, Checkbox, Grid, Group, MultiSelect, Paper, Stack, Switch, Table, Text, Textarea, TextInput, Title } from '@mantine/core';
import { messageOf, post, put } from '../api.ts';
import { useMe } from '../app/auth.tsx';
import { useFlash } from '../app/flash.tsx';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { useApi } from '../app/useApi.ts';
import { AgreementText } from './AgreementText.tsx';
import type { TemplateDetail, VersionInfo } from './types.ts';
import type { Static } from 'typebox';
import type { Group as GroupRow } from '../app/types.ts';
import type { PreviewAnswerSchema } from '../../../src/agreements/schemas.ts';

const ROLE_OPTIONS = [
  ['pupil', 'Pupils'], ['parent', 'Parents and carers'], ['teacher', 'Teachers'], ['support_staff', 'Support staff'], ['headteacher', 'Headteacher'],
  ['slt', 'Senior leaders'], ['online_safety_lead', 'Online Safety Lead'], ['dsl', 'Designated Safeguarding Lead'], ['deputy_dsl', 'Deputy DSL'],
  ['network_manager', 'Network manager / technician'], ['administrator', 'Osprey administrator'], ['governor', 'Governors'], ['online_safety_governor', 'Online Safety Governor'],
  ['dpo', 'Data Protection Officer'], ['volunteer', 'Volunteers'], ['community_user', 'Community users'], ['guest', 'Guests and visitors'],
].map(([value, label]) => ({ value, label }));
const KEY_STAGE_OPTIONS = ['EYFS', 'KS1', 'KS2', 'KS3', 'KS4', 'KS5'];

export function TemplatePage({ id }: { id: string }) {
  const me = useMe();
  const flash = useFlash();
  const canManage = me.permissions.includes('agreements.manage');
  const { data, error, reload } = useApi<TemplateDetail>(`/api/agreements/templates/${id}`);
  const groups = useApi<{ groups: GroupRow[] }>(me.permissions.includes('groups.read') ? '/api/groups' : null);
  const [draft, setDraft] = useState<TemplateDetail | null>(null);
  const [preview, setPreview] = useState<string>('');
  const [busy, setBusy] = useState(false);

  useEffect(() => { if (data) setDraft(data); }, [data]);
  // live preview, rendered by the server exactly as it will be signed (unsafe HTML removed)
  useEffect(() => {
    if (!draft || !canManage) return;
    const timer = setTimeout(() => {
      post<Static<typeof PreviewAnswerSchema>>('/api/agreements/preview', { markdown: draft.body }).then((r) => setPreview(r.html), () => undefined);
    }, 300);
    return () => clearTimeout(timer);
  }, [draft?.body, canManage]);

  if (error) return <Page title="Agreement"><ErrorNote message={error} /></Page>;
  if (!data || !draft) return <Loading />;

  const save = async () => {
    setBusy(true);
    try {
      await put(`/api/agreements/templates/${id}`, { name: draft.name, body: draft.body, audience: draft.audience, parentMaySign: draft.parentMaySign, active: draft.active });
      flash.show('Saved. Publish it when you are ready for people to sign it.', 'green');
      reload();
    } catch (e) {
      flash.show(messageOf(e), 'red');
    } finally {
      setBusy(false);
    }
  };
  const publish = async () => {
    if (!window.confirm('Publish this as a new version? Everyone it is for will be asked to sign it again.')) return;
    setBusy(true);
    try {
      await put(`/api/agreements/templates/${id}`, { name: draft.name, body: draft.body, audience: draft.audience, parentMaySign: draft.parentMaySign, active: draft.active });
      const v = await post<VersionInfo>(`/api/agreements/templates/${id}/publish`);
      flash.show(`Version ${v.number} published. People will be asked to sign it.`, 'green');
      reload();
    } catch (e) {
      flash.show(messageOf(e), 'red');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Page title={data.name} description={data.currentVersion ? `Version ${data.currentVersion.number} is in force, published ${formatDateTime(data.currentVersion.publishedAt)}.` : 'Not published yet: nobody is asked to sign it.'}
      actions={canManage && <><Button variant="default" onClick={save} loading={busy}>Save draft</Button><Button onClick={publish} loading={busy}>Publish new version</Button></>}>
      <Paper withBorder radius="lg" p="lg">
        <Stack gap="sm">
          <TextInput label="Name" value={draft.name} readOnly={!canManage} onChange={(e) => setDraft({ ...draft, name: e.currentTarget.value })} />
          <Title order={2} fz={18}>Who signs it</Title>
          <Text size="sm" c="dimmed">People must match every kind you choose (for example: role Pupils and key stage KS2). Leave a kind empty to not narrow by it.</Text>
          <MultiSelect label="Roles" data={ROLE_OPTIONS} value={draft.audience.roles} readOnly={!canManage} onChange={(roles) => setDraft({ ...draft, audience: { ...draft.audience, roles } })} searchable />
          <MultiSelect label="Key stages (pupils, from their year group)" data={KEY_STAGE_OPTIONS} value={draft.audience.keyStages} readOnly={!canManage} onChange={(keyStages) => setDraft({ ...draft, audience: { ...draft.audience, keyStages } })} />
          <MultiSelect label="Groups" data={(groups.data?.groups ?? []).map((g) => ({ value: g.id, label: `${g.name} (${g.kind.replace('_', ' ')})` }))} value={draft.audience.groupIds} readOnly={!canManage} onChange={(groupIds) => setDraft({ ...draft, audience: { ...draft.audience, groupIds } })} searchable />
          <Checkbox label="A parent's signature is enough (young children)" checked={draft.parentMaySign} disabled={!canManage} onChange={(e) => setDraft({ ...draft, parentMaySign: e.currentTarget.checked })} />
          <Switch label="This school uses this agreement" checked={draft.active} disabled={!canManage} onChange={(e) => setDraft({ ...draft, active: e.currentTarget.checked })} />
        </Stack>
      </Paper>
      <Grid>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Textarea label="Text (Markdown)" description="# for headings, - for bullet points, **bold**. HTML is shown as plain text." autosize minRows={18} maxRows={40}
            value={draft.body} readOnly={!canManage} onChange={(e) => setDraft({ ...draft, body: e.currentTarget.value })} styles={{ input: { fontFamily: 'monospace' } }} />
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 6 }}>
          <Text fw={600} size="sm" mb={4}>Preview: what people will read and sign</Text>
          <Paper withBorder radius="md" p="md" aria-live="polite"><AgreementText html={preview || '<p>…</p>'} /></Paper>
        </Grid.Col>
      </Grid>
      {data.versions.length > 0 && (
        <Stack gap="xs">
          <Title order={2} fz={18}>Published versions</Title>
          <Alert variant="light" color="blue">Published versions never change: each signature is of one version, and its text fingerprint proves which text was signed.</Alert>
          <Table>
            <Table.Thead><Table.Tr><Table.Th>Version</Table.Th><Table.Th>Published</Table.Th><Table.Th>Fingerprint (SHA-256)</Table.Th></Table.Tr></Table.Thead>
            <Table.Tbody>
              {data.versions.map((v) => (
                <Table.Tr key={v.id}><Table.Td>{v.number}</Table.Td><Table.Td>{formatDateTime(v.publishedAt)}</Table.Td><Table.Td><Text ff="monospace" fz="xs">{v.textSha256.slice(0, 16)}…</Text></Table.Td></Table.Tr>
              ))}
            </Table.Tbody>
          </Table>
        </Stack>
      )}
      <Group />
    </Page>
  );
}
