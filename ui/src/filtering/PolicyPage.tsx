/**
 * One filtering policy: who it is for, what it does with each category, its schedules and its own lists. People with
 * filtering.manage change it here; every save asks why, goes into the filter change log, and is refused if someone
 * else saved first. Alongside: "Test a site" and the policy's recent changes.
 */
import { useCallback, useEffect, useMemo, useRef, useState, type ReactNode } from 'react';
import {
  Alert, Button, Grid, Group, List, Modal, MultiSelect, NumberInput, Paper, SegmentedControl, Stack, Switch, Text, Textarea, TextInput, Title,
} from '@mantine/core';
import { ApiError, messageOf, put } from '../api.ts';
import { useAuth } from '../app/auth.tsx';
import { formatDateTime } from '../app/format.ts';
import { ErrorNote, Loading, Page } from '../app/Page.tsx';
import { Link } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { groupOptions, ROLE_OPTIONS } from '../directory/labels.tsx';
import { CategoryMatrix } from './CategoryMatrix.tsx';
import { ChangeSummary, diffContext, useChanges } from './changes.tsx';
import {
  ACTION_COLOURS, ACTION_HELP, ACTION_LABELS, ACTIONS, ActionBadge, describeTargets, FilteringTabs, PrecedenceExplainer, useCategories, useGroups,
} from './labels.tsx';
import { LocalListEditor } from './LocalListEditor.tsx';
import { ScheduleEditor, scheduleProblems } from './ScheduleEditor.tsx';
import { TestSite } from './TestSite.tsx';
import type { Policy, PolicyAction, PolicyDocument } from './types.ts';

const SEGMENTS = ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] }));

function documentOf(p: Policy): PolicyDocument {
  return {
    name: p.name, description: p.description, priority: p.priority, defaultAction: p.defaultAction, safeSearch: p.safeSearch,
    categoryActions: p.categoryActions, schedules: p.schedules, localBlock: p.localBlock, localAllow: p.localAllow, targets: p.targets,
  };
}

/** JSON with object keys sorted, so two documents compare equal whatever order their keys were set in. */
function stable(v: unknown): string {
  return JSON.stringify(v, (_k, val: unknown) => (val && typeof val === 'object' && !Array.isArray(val)
    ? Object.fromEntries(Object.entries(val as Record<string, unknown>).sort(([a], [b]) => a.localeCompare(b)))
    : val));
}

function Section({ id, title, description, children }: { id: string; title: string; description?: ReactNode; children: ReactNode }) {
  return (
    <Stack gap="sm" component="section" aria-labelledby={id}>
      <div>
        <Title order={2} fz={20} id={id}>{title}</Title>
        {description && <Text fz="sm" c="dimmed" component="div" maw={760}>{description}</Text>}
      </div>
      {children}
    </Stack>
  );
}

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Group gap="xs" wrap="nowrap" align="baseline">
      <Text fz="sm" c="dimmed" w={170} style={{ flexShrink: 0 }}>{label}</Text>
      <Text fz="sm" component="div">{children}</Text>
    </Group>
  );
}

type SaveProblem = { kind: 'invalid'; message: string; problems: string[] } | { kind: 'conflict'; message: string } | { kind: 'other'; message: string };

export function PolicyPage({ id }: { id: string }) {
  const { can } = useAuth();
  const editable = can('filtering.manage');
  const loaded = useApi<Policy>(`/api/filtering/policies/${encodeURIComponent(id)}`);
  const { categories, byId: categoryById, error: categoriesError } = useCategories();
  const groups = useGroups();
  const [policy, setPolicy] = useState<Policy | null>(null);
  const [draft, setDraft] = useState<PolicyDocument | null>(null);
  const [problem, setProblem] = useState<SaveProblem | null>(null);
  const [savedNote, setSavedNote] = useState<string | null>(null);
  const [saveOpen, setSaveOpen] = useState(false);
  const [reason, setReason] = useState('');
  const [reasonError, setReasonError] = useState<string | null>(null);
  const [saving, setSaving] = useState(false);
  const problemRef = useRef<HTMLDivElement>(null);

  useEffect(() => {
    if (!loaded.data) return;
    setPolicy(loaded.data);
    setDraft(documentOf(loaded.data));
  }, [loaded.data]);

  const changeIds = useMemo(() => (policy ? [policy.id] : null), [policy?.id]);
  const changes = useChanges(changeIds, 10);

  const dirty = Boolean(policy && draft && stable(documentOf(policy)) !== stable(draft));
  useEffect(() => {
    if (!dirty) return;
    const warn = (e: BeforeUnloadEvent) => { e.preventDefault(); };
    window.addEventListener('beforeunload', warn);
    return () => window.removeEventListener('beforeunload', warn);
  }, [dirty]);
  useEffect(() => { if (problem) problemRef.current?.focus(); }, [problem]);

  const update = useCallback((patch: Partial<PolicyDocument>) => {
    setSavedNote(null);
    setDraft((d) => (d ? { ...d, ...patch } : d));
  }, []);
  const setCategory = useCallback((categoryId: string, action: PolicyAction) => {
    setSavedNote(null);
    setDraft((d) => (d ? { ...d, categoryActions: { ...d.categoryActions, [categoryId]: action } } : d));
  }, []);

  if (loaded.error && !policy) {
    return (
      <Page title="Filtering policy">
        <FilteringTabs active="policies" />
        <ErrorNote message={loaded.error} title="The policy could not be loaded" />
        <Link to="/filtering">Back to all policies</Link>
      </Page>
    );
  }
  if (!policy || !draft || !categories) return <><ErrorNote message={categoriesError} title="The categories could not be loaded" /><Loading /></>;

  const ctx = diffContext(categoryById, groups.byId, groups.readable);
  const groupTargets = draft.targets.filter((t) => !t.startsWith('role:'));
  const roleTargets = draft.targets.filter((t) => t.startsWith('role:')).map((t) => t.slice(5));
  const localProblems = draft.schedules.flatMap((s) => scheduleProblems(s).map((p) => `Schedule “${s.name || 'without a name'}”: ${p}`));
  if (!draft.name.trim()) localProblems.unshift('Give the policy a name.');

  function openSave() {
    setProblem(null);
    setReasonError(null);
    setSaveOpen(true);
  }

  async function save() {
    if (!policy || !draft) return;
    if (reason.trim().length < 5) {
      setReasonError('Say why you are making this change, in a few words. Governors review the change log.');
      return;
    }
    setSaving(true);
    try {
      const saved = await put<Policy>(`/api/filtering/policies/${policy.id}`, { document: draft, reason: reason.trim(), expectedVersion: policy.version });
      setPolicy(saved);
      setDraft(documentOf(saved));
      setSaveOpen(false);
      setReason('');
      setSavedNote('Your changes are saved and recorded in the filter change log.');
      changes.reload();
    } catch (e) {
      setSaveOpen(false);
      if (e instanceof ApiError && e.status === 409) {
        setProblem({ kind: 'conflict', message: e.message });
      } else if (e instanceof ApiError && e.status === 400) {
        const list = (e.details as { problems?: unknown } | undefined)?.problems;
        const problems = Array.isArray(list) ? list.map(String) : [];
        if (problems.length) setProblem({ kind: 'invalid', message: 'The policy has not been saved. Please fix these first:', problems });
        else { setSaveOpen(true); setReasonError(e.message); }
      } else {
        setProblem({ kind: 'other', message: messageOf(e) });
      }
    }
    setSaving(false);
  }

  const who = describeTargets({ targets: draft.targets, unidentified: policy.unidentified }, groups.byId, groups.readable);

  return (
    <Page title={policy.name} description={policy.description || undefined}
      actions={<Link to="/filtering" fw={600}>All policies</Link>}>
      <FilteringTabs active="policies" />

      {problem && (
        <div ref={problemRef} tabIndex={-1} style={{ outline: 'none' }}>
          {problem.kind === 'conflict' ? (
            <Alert color="orange" variant="light" title="Someone else changed this policy" role="alert">
              <Stack gap="xs" align="flex-start">
                <Text fz="sm">{problem.message}</Text>
                <Text fz="sm">Your changes are still on this page but have not been saved. Reloading shows the latest version and clears your changes.</Text>
                <Button onClick={() => { setProblem(null); loaded.reload(); changes.reload(); }}>Reload the policy</Button>
              </Stack>
            </Alert>
          ) : problem.kind === 'invalid' ? (
            <Alert color="red" variant="light" title={problem.message} role="alert" withCloseButton closeButtonLabel="Close" onClose={() => setProblem(null)}>
              <List fz="sm" spacing={2} data-testid="save-problems">{problem.problems.map((p, i) => <List.Item key={i}>{p}</List.Item>)}</List>
            </Alert>
          ) : (
            <Alert color="red" variant="light" title="The policy has not been saved" role="alert" withCloseButton closeButtonLabel="Close" onClose={() => setProblem(null)}>
              {problem.message}
            </Alert>
          )}
        </div>
      )}

      <Grid gap="xl">
        <Grid.Col span={{ base: 12, lg: 8 }}>
          <Stack gap="xl">
            <Section id="policy-settings" title="Who it is for and the basics">
              <Paper withBorder radius="md" p="md">
                {editable ? (
                  <Stack gap="md">
                    <TextInput label="Policy name" value={draft.name} maxLength={100} required onChange={(e) => update({ name: e.currentTarget.value })} />
                    <Textarea label="Description" description="A sentence or two saying who this is for and what it does." value={draft.description} maxLength={1000}
                      autosize minRows={2} onChange={(e) => update({ description: e.currentTarget.value })} />
                    {policy.unidentified && (
                      <Text fz="sm">This policy is also used for every device and person Osprey cannot identify, until someone logs on.</Text>
                    )}
                    <MultiSelect label="Groups" description={groups.readable ? 'Key stages, year groups, classes or teams this policy is for.' : 'You cannot see the school’s groups, so they cannot be changed here.'}
                      data={groupOptions(groups.groups ?? [])} value={groupTargets} searchable clearable disabled={!groups.readable}
                      placeholder={groupTargets.length ? undefined : 'No groups'} nothingFoundMessage="No group with that name" comboboxProps={{ withinPortal: true }}
                      clearButtonProps={{ 'aria-label': 'Remove all groups' }}
                      onChange={(v) => update({ targets: [...v, ...roleTargets.map((r) => `role:${r}`)] })} />
                    <MultiSelect label="Roles" description="Everyone with one of these roles, whatever their groups." data={ROLE_OPTIONS} value={roleTargets}
                      searchable clearable placeholder={roleTargets.length ? undefined : 'No roles'} nothingFoundMessage="No role with that name"
                      comboboxProps={{ withinPortal: true }} clearButtonProps={{ 'aria-label': 'Remove all roles' }}
                      onChange={(v) => update({ targets: [...groupTargets, ...v.map((r) => `role:${r}`)] })} />
                    <NumberInput label="Priority" description="When someone is in several groups, the policy with the highest priority applies (0 to 1000)."
                      value={draft.priority} min={0} max={1000} allowDecimal={false} allowNegative={false} maw={320} clampBehavior="strict"
                      onChange={(v) => update({ priority: typeof v === 'number' ? v : Number(v) || 0 })} />
                    <div>
                      <Text fz="sm" fw={500} id="default-action">Any other site (the default)</Text>
                      <Text fz="xs" c="dimmed" id="default-action-about">What happens to a site that is in no category this policy sets, and on none of its lists.</Text>
                      <SegmentedControl mt={6} data={SEGMENTS} value={draft.defaultAction} aria-labelledby="default-action" aria-describedby="default-action-about"
                        color={ACTION_COLOURS[draft.defaultAction].fg} transitionDuration={0} onChange={(v) => update({ defaultAction: v as PolicyAction })} />
                      <Text fz="xs" c="dimmed" mt={4}>{ACTION_LABELS[draft.defaultAction]}: {ACTION_HELP[draft.defaultAction]}.</Text>
                    </div>
                    <Switch label="SafeSearch" description="Google, Bing, DuckDuckGo and YouTube always show their safe results." checked={draft.safeSearch}
                      onChange={(e) => update({ safeSearch: e.currentTarget.checked })} />
                  </Stack>
                ) : (
                  <Stack gap={6}>
                    <Fact label="Who it is for">{who.length ? who.join(', ') : 'Nobody yet'}</Fact>
                    <Fact label="Priority">{policy.priority}</Fact>
                    <Fact label="Any other site"><ActionBadge action={policy.defaultAction} size="sm" /></Fact>
                    <Fact label="SafeSearch">{policy.safeSearch ? 'On' : 'Off'}</Fact>
                    <Text fz="xs" c="dimmed" mt="xs">Your role can see this policy but not change it. Ask your Online Safety Lead if something needs to change.</Text>
                  </Stack>
                )}
                <Text fz="xs" c="dimmed" mt="md">Last changed {formatDateTime(policy.updatedAt)} (version {policy.version}).</Text>
              </Paper>
            </Section>

            <Section id="policy-categories" title="Categories" description="What this policy does with sites in each category. Sites are put in categories by the block lists.">
              <CategoryMatrix categories={categories} actions={draft.categoryActions} defaultAction={draft.defaultAction} editable={editable} onChange={setCategory} />
            </Section>

            <Section id="policy-schedules" title="Schedules" description="Times of the week when some categories are treated differently, e.g. games allowed at lunchtime. Times are UK time.">
              <ScheduleEditor schedules={draft.schedules} categories={categories} byId={categoryById} editable={editable} onChange={(schedules) => update({ schedules })} />
            </Section>

            <Section id="policy-lists" title="This policy’s own lists" description="Sites this policy always blocks or always allows, whatever their category. Always block wins over Always allow; neither can unblock illegal content.">
              <LocalListEditor list="block" title="Always block" help="Blocked for everyone on this policy, even in a category it allows." entries={draft.localBlock}
                other={{ title: 'Always allow', entries: draft.localAllow }} editable={editable} onChange={(localBlock) => update({ localBlock })} />
              <LocalListEditor list="allow" title="Always allow" help="Allowed even when their category is blocked; useful when a list wrongly blocks a site you need." entries={draft.localAllow}
                other={{ title: 'Always block', entries: draft.localBlock }} editable={editable} onChange={(localAllow) => update({ localAllow })} />
            </Section>
          </Stack>
        </Grid.Col>

        <Grid.Col span={{ base: 12, lg: 4 }}>
          <Stack gap="lg">
            <TestSite policy={policy} groups={groups.byId} groupsReadable={groups.readable} categories={categoryById} />
            <Paper withBorder radius="md" p="md" component="section" aria-labelledby="policy-changes">
              <Title order={2} fz={20} id="policy-changes">Recent changes</Title>
              <ErrorNote message={changes.error} title="The changes could not be loaded" />
              {!changes.changes && !changes.error && <Loading />}
              {changes.changes?.length === 0 && <Text fz="sm" c="dimmed" mt="xs">No changes yet.</Text>}
              <Stack gap={0} mt="xs">
                {changes.changes?.map((c) => <ChangeSummary key={c.seq} change={c} ctx={ctx} />)}
              </Stack>
              {changes.more && <Button variant="default" size="xs" mt="xs" onClick={changes.loadOlder} loading={changes.loadingOlder}>Load older changes</Button>}
              <Link to="/filtering/changes" fz="sm" mt="sm" display="block">The whole filter change log</Link>
            </Paper>
            <Paper withBorder radius="md" p="md" bg="osprey.0" style={{ borderColor: 'var(--mantine-color-osprey-2)' }}>
              <PrecedenceExplainer />
            </Paper>
          </Stack>
        </Grid.Col>
      </Grid>

      {editable && (
        // Shown while there is something to save (or just saved); the status role announces what changed.
        <div role="status" aria-live="polite" className="osprey-no-print" style={{ position: 'sticky', bottom: 12, zIndex: 50 }}>
          {(dirty || savedNote) && (
            <Paper withBorder radius="md" px="md" py="xs" shadow="md" style={{ borderColor: 'var(--mantine-color-osprey-4)' }}>
              <Group justify="space-between" wrap="wrap" gap="xs">
                {dirty ? (
                  localProblems.length ? <Text fz="sm" c="red.9" fw={600} style={{ flex: '1 1 240px' }}>Fix before saving: {localProblems[0]}</Text>
                    : <Text fz="sm" fw={600} style={{ flex: '1 1 200px' }}>You have unsaved changes.</Text>
                ) : <Text fz="sm" c={ACTION_COLOURS.allow.fg} fw={600}>{savedNote}</Text>}
                {dirty && (
                  <Group gap="xs" wrap="nowrap">
                    <Button variant="default" size="sm" onClick={() => { setDraft(documentOf(policy)); setProblem(null); }}>Undo changes</Button>
                    <Button size="sm" disabled={localProblems.length > 0} onClick={openSave}>Save changes</Button>
                  </Group>
                )}
              </Group>
            </Paper>
          )}
        </div>
      )}

      <Modal opened={saveOpen} onClose={() => setSaveOpen(false)} title={<Text fw={700} fz="lg">Save the changes to {policy.name}</Text>} centered
        closeButtonProps={{ 'aria-label': 'Close' }} size="lg">
        <form noValidate onSubmit={(e) => { e.preventDefault(); void save(); }}>
          <Stack gap="md">
            <Textarea label="Why are you making this change?" description="Governors review the change log, so say what prompted it, e.g. “Year 9 need YouTube for the media project”."
              value={reason} onChange={(e) => { setReason(e.currentTarget.value); setReasonError(null); }} error={reasonError} autosize minRows={3} maxLength={1000}
              required data-autofocus />
            <Group justify="flex-end">
              <Button variant="default" onClick={() => setSaveOpen(false)}>Cancel</Button>
              <Button type="submit" loading={saving}>Save and record the reason</Button>
            </Group>
          </Stack>
        </form>
      </Modal>
    </Page>
  );
}
