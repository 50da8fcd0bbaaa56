/** A policy's schedules: weekly windows (e.g. weekday lunchtimes) when some categories get a different action. */
import { Button, Checkbox, CloseButton, Group, Paper, SegmentedControl, Select, SimpleGrid, Stack, Text, TextInput, Title } from '@mantine/core';
import { ACTION_COLOURS, ACTION_LABELS, ACTIONS, ActionBadge, CATEGORY_GROUPS, describeDays, newId, WEEK } from './labels.tsx';
import type { Category, PolicyAction, Schedule } from './types.ts';

const SEGMENTS = ACTIONS.map((a) => ({ value: a, label: ACTION_LABELS[a] }));
const TIME = /^([01]\d|2[0-3]):[0-5]\d$/;

/** Problems a person can fix before saving; the server checks again. */
export function scheduleProblems(s: Schedule): string[] {
  const out: string[] = [];
  if (!s.name.trim()) out.push('Give the schedule a name.');
  if (s.days.length === 0) out.push('Choose at least one day.');
  if (!TIME.test(s.start) || !TIME.test(s.end)) out.push('Enter a start and an end time.');
  else if (s.start >= s.end) out.push('The end time must be after the start time.');
  if (Object.keys(s.categoryActions).length === 0) out.push('Choose at least one category to change.');
  return out;
}

function categoryOptions(categories: Category[], exclude: Set<string>) {
  return CATEGORY_GROUPS.filter((g) => g.id !== 'illegal').map((g) => ({
    group: g.label,
    items: categories.filter((c) => c.group === g.id && !c.illegal && !exclude.has(c.id)).map((c) => ({ value: c.id, label: c.name })),
  })).filter((g) => g.items.length > 0);
}

function ScheduleCard({ schedule, index, categories, byId, editable, onChange, onRemove }: {
  schedule: Schedule; index: number; categories: Category[]; byId: Map<string, Category>; editable: boolean;
  onChange(s: Schedule): void; onRemove(): void;
}) {
  const set = (patch: Partial<Schedule>) => onChange({ ...schedule, ...patch });
  const headingId = `schedule-${schedule.id}`;
  const title = schedule.name.trim() || `Schedule ${index + 1}`;
  const entries = Object.entries(schedule.categoryActions);
  const problems = editable ? scheduleProblems(schedule) : [];

  if (!editable) {
    return (
      <Paper withBorder radius="md" p="md" component="section" aria-labelledby={headingId}>
        <Title order={3} fz={16} id={headingId}>{title}</Title>
        <Text fz="sm" c="dimmed">{describeDays(schedule.days)}, {schedule.start} to {schedule.end}</Text>
        <Stack gap={4} mt="xs">
          {entries.map(([id, a]) => (
            <Group key={id} gap="xs"><Text fz="sm">{byId.get(id)?.name ?? id}:</Text><ActionBadge action={a} size="sm" /></Group>
          ))}
        </Stack>
      </Paper>
    );
  }

  return (
    <Paper withBorder radius="md" p="md" component="section" aria-labelledby={headingId} data-testid="schedule">
      <Group justify="space-between" mb="xs">
        <Title order={3} fz={16} id={headingId}>{title}</Title>
        <Button variant="subtle" color="red" size="compact-sm" onClick={onRemove} aria-label={`Remove schedule: ${title}`}>Remove schedule</Button>
      </Group>
      <Stack gap="sm">
        <SimpleGrid cols={{ base: 1, sm: 3 }} spacing="sm">
          <TextInput label="Schedule name" value={schedule.name} onChange={(e) => set({ name: e.currentTarget.value })} maxLength={100} required />
          <TextInput label="Starts at" type="time" value={schedule.start} onChange={(e) => set({ start: e.currentTarget.value })} required />
          <TextInput label="Ends at" type="time" value={schedule.end} onChange={(e) => set({ end: e.currentTarget.value })} required />
        </SimpleGrid>
        <Checkbox.Group label="Days" value={schedule.days.map(String)} onChange={(v) => set({ days: v.map(Number).sort() })}>
          <Group gap="md" mt={6}>
            {WEEK.map((d) => <Checkbox key={d.day} value={String(d.day)} label={d.short} aria-label={d.long} />)}
          </Group>
        </Checkbox.Group>
        <div>
          <Text fz="sm" fw={500}>During this time</Text>
          <Text fz="xs" c="dimmed">These categories use the action chosen here instead of the policy’s own.</Text>
          <Stack gap={6} mt={6}>
            {entries.map(([id, a]) => {
              const name = byId.get(id)?.name ?? id;
              const labelId = `${headingId}-${id}`;
              return (
                <Group key={id} gap="sm" wrap="wrap" justify="space-between" style={{ borderTop: '1px solid var(--mantine-color-gray-2)' }} pt={6}>
                  <Text fz="sm" fw={600} id={labelId} style={{ flex: '1 1 200px' }}>{name}</Text>
                  <Group gap="xs" wrap="nowrap">
                    <SegmentedControl data={SEGMENTS} value={a} size="xs" aria-labelledby={labelId} color={ACTION_COLOURS[a].fg} transitionDuration={0}
                      onChange={(v) => set({ categoryActions: { ...schedule.categoryActions, [id]: v as PolicyAction } })} />
                    <CloseButton aria-label={`Take ${name} out of this schedule`} onClick={() => {
                      const next = { ...schedule.categoryActions };
                      delete next[id];
                      set({ categoryActions: next });
                    }} />
                  </Group>
                </Group>
              );
            })}
          </Stack>
          <Select mt="xs" maw={360} label="Add a category to this schedule" placeholder="Choose a category" value={null} searchable
            data={categoryOptions(categories, new Set(Object.keys(schedule.categoryActions)))} nothingFoundMessage="No category with that name"
            onChange={(v) => { if (v) set({ categoryActions: { ...schedule.categoryActions, [v]: 'allow' } }); }} comboboxProps={{ withinPortal: true }} />
        </div>
        {problems.length > 0 && (
          <Text fz="sm" c="red.9" role="status">To save, fix this: {problems.join(' ')}</Text>
        )}
      </Stack>
    </Paper>
  );
}

export function ScheduleEditor({ schedules, categories, byId, editable, onChange }: {
  schedules: Schedule[]; categories: Category[]; byId: Map<string, Category>; editable: boolean; onChange(next: Schedule[]): void;
}) {
  return (
    <Stack gap="sm">
      {schedules.length === 0 && <Text fz="sm" c="dimmed">No schedules. The policy is the same at all times.</Text>}
      {schedules.map((s, i) => (
        <ScheduleCard key={s.id} schedule={s} index={i} categories={categories} byId={byId} editable={editable}
          onChange={(next) => onChange(schedules.map((x) => (x.id === s.id ? next : x)))}
          onRemove={() => onChange(schedules.filter((x) => x.id !== s.id))} />
      ))}
      {editable && (
        <Group>
          <Button variant="light" onClick={() => onChange([...schedules, {
            id: newId('schedule'), name: schedules.length === 0 ? 'Lunchtime' : `Schedule ${schedules.length + 1}`,
            days: [1, 2, 3, 4, 5], start: '12:00', end: '13:00', categoryActions: {},
          }])}>Add a schedule</Button>
        </Group>
      )}
    </Stack>
  );
}
