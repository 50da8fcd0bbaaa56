/**
 * The Activity filters. They apply when the form is sent, not on every key press: each search is recorded in the
 * audit log, and a DSL should be able to set three filters before anything is looked at.
 */
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { Button, Group, NativeSelect, Paper, SimpleGrid, Text, TextInput } from '@mantine/core';
import { CATEGORIES } from '../../../src/filtering/lists/taxonomy.ts';
import { useAuth } from '../app/auth.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { KIND_LABELS_PLURAL } from '../directory/labels.tsx';
import { CATEGORY_GROUPS, VERDICT_LABELS } from '../filtering/labels.tsx';
import type { Verdict } from '../filtering/types.ts';
import { personLabel, PersonPicker, type PickedPerson } from './PersonPicker.tsx';
import { isoToZoned, startOfDayIso, zonedToIso } from './time.ts';
import { FILTERS, type ActivityPerson, type Filters } from './types.ts';

const ACTION_OPTIONS = [
  { value: '', label: 'Anything' },
  ...(['block', 'warn', 'monitor', 'allow', 'safesearch'] as Verdict[]).map((a) => ({ value: a, label: VERDICT_LABELS[a] })),
  // the API's filter for requests made after choosing Continue on a warning page (src/activity/service.ts)
  { value: 'warn-continued', label: 'Warned, and went on' },
];

// Native drop-downs: long lists that every browser, screen reader and keyboard already know how to use.
const CATEGORY_OPTIONS = [
  { value: '', label: 'Any category' },
  { value: 'none', label: 'Sites in no category' },
  ...CATEGORY_GROUPS.map((g) => ({
    group: g.label,
    items: CATEGORIES.filter((c) => c.group === g.id).sort((a, b) => a.name.localeCompare(b.name, 'en-GB')).map((c) => ({ value: c.id, label: c.name })),
  })).filter((g) => g.items.length > 0),
];

const KIND_ORDER = ['year', 'class', 'key_stage', 'staff_team', 'custom'];
function groupOptions(groups: GroupRow[]) {
  return KIND_ORDER.map((kind) => ({
    group: KIND_LABELS_PLURAL[kind] ?? kind,
    items: groups.filter((g) => g.kind === kind).sort((a, b) => a.name.localeCompare(b.name, 'en-GB', { numeric: true })).map((g) => ({ value: g.id, label: g.name })),
  })).filter((g) => g.items.length > 0);
}

const isUuid = (s: string) => /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(s);

export function ActivityFilters({ applied, person, timeZone, onApply, onClear }: {
  applied: Filters;
  /** The person the applied filter names, as the server found them (for the box's text). */
  person: ActivityPerson | null;
  timeZone: string;
  onApply(filters: Filters): void;
  onClear(): void;
}) {
  const { can } = useAuth();
  const groups = useApi<{ groups: GroupRow[] }>(can('groups.read') ? '/api/groups' : null);
  const [form, setForm] = useState<Filters>(applied);
  const [personText, setPersonText] = useState(applied.person);
  const [personChosen, setPersonChosen] = useState(false);
  const match = useRef<PickedPerson | null>(null);
  const appliedKey = JSON.stringify(applied);

  useEffect(() => {
    setForm(applied);
    setPersonText(applied.person);
    setPersonChosen(false);
  }, [appliedKey]);
  // Filtered by a person's id (a link, or a person chosen earlier): show their name rather than the id.
  useEffect(() => {
    if (person && applied.person && (applied.person === person.id || applied.person.toLowerCase() === person.username)) {
      setPersonText(personLabel(person));
      setForm((f) => ({ ...f, person: person.id }));
      setPersonChosen(true);
    }
  }, [person?.id, appliedKey]);

  const set = (key: keyof Filters) => (value: string | null) => setForm((f) => ({ ...f, [key]: value ?? '' }));
  const setRange = (from: string, to = '') => setForm((f) => ({ ...f, from, to }));
  const submit = (e: FormEvent) => {
    e.preventDefault();
    const next = Object.fromEntries(FILTERS.map((k) => [k, form[k].trim()])) as Filters;
    if (next.person && !isUuid(next.person) && match.current) next.person = match.current.id;
    onApply(next);
  };
  const anyApplied = FILTERS.some((k) => applied[k]);
  const now = new Date();

  return (
    <Paper withBorder p="md" radius="md" component="form" onSubmit={submit} aria-label="Filter activity">
      <SimpleGrid cols={{ base: 1, xs: 2, md: 3 }} spacing="sm" verticalSpacing="sm">
        <PersonPicker text={personText} chosen={personChosen}
          onType={(text) => { setPersonText(text); setPersonChosen(false); setForm((f) => ({ ...f, person: text })); }}
          onChoose={(p, label) => { setPersonText(label); setPersonChosen(true); setForm((f) => ({ ...f, person: p.id })); }}
          onMatch={(p) => { match.current = p; }} />
        <NativeSelect label="Group" description="Everyone in a class, year group or team" value={form.group} onChange={(e) => set('group')(e.currentTarget.value)}
          data={[{ value: '', label: 'Any group' }, ...groupOptions(groups.data?.groups ?? [])]} disabled={!can('groups.read')} />
        <TextInput label="Site" description="bbc.co.uk also finds news.bbc.co.uk" placeholder="Any site" value={form.host}
          onChange={(e) => set('host')(e.currentTarget.value)} autoComplete="off" spellCheck={false} autoCapitalize="none" />
        <NativeSelect label="What happened" description="Blocked, warned, monitored or allowed" value={form.action}
          onChange={(e) => set('action')(e.currentTarget.value)} data={ACTION_OPTIONS} />
        <NativeSelect label="Category" description="What the site is about" value={form.category}
          onChange={(e) => set('category')(e.currentTarget.value)} data={CATEGORY_OPTIONS} />
        <TextInput label="Device" description="The device’s name, such as LAPTOP-07" placeholder="Any device" value={form.device}
          onChange={(e) => set('device')(e.currentTarget.value)} autoComplete="off" spellCheck={false} />
        <TextInput label="IP address" description="10.0.3.45, or a whole network: 10.0.3.0/24" placeholder="Any address" value={form.ip}
          onChange={(e) => set('ip')(e.currentTarget.value)} autoComplete="off" spellCheck={false} />
        <TextInput label="From" description="Date and time, school time" type="datetime-local" value={isoToZoned(form.from, timeZone)}
          onChange={(e) => set('from')(zonedToIso(e.currentTarget.value, timeZone))} />
        <TextInput label="Until" description="Date and time, school time" type="datetime-local" value={isoToZoned(form.to, timeZone)}
          onChange={(e) => set('to')(zonedToIso(e.currentTarget.value, timeZone))} />
      </SimpleGrid>
      <Group mt="md" gap="xs" wrap="wrap" role="group" aria-labelledby="activity-quick-range">
        <Text id="activity-quick-range" fz="sm" fw={600} mr={4}>Time range:</Text>
        <Button size="compact-sm" variant="default" onClick={() => setRange(startOfDayIso(now, 0, timeZone))}>Today</Button>
        <Button size="compact-sm" variant="default" onClick={() => setRange(startOfDayIso(now, 1, timeZone), startOfDayIso(now, 0, timeZone))}>Yesterday</Button>
        <Button size="compact-sm" variant="default" onClick={() => setRange(startOfDayIso(now, 6, timeZone))}>Last 7 days</Button>
        <Button size="compact-sm" variant="default" onClick={() => setRange(startOfDayIso(now, 29, timeZone))}>Last 30 days</Button>
        <Button size="compact-sm" variant="default" onClick={() => setRange('')}>Any time</Button>
      </Group>
      <Group mt="md" gap="sm">
        <Button type="submit">Show activity</Button>
        {anyApplied && <Button variant="default" onClick={onClear}>Clear the filters</Button>}
      </Group>
    </Paper>
  );
}
