/**
 * "Person": type part of a name or username and choose from the directory's matches. What is typed but not chosen is
 * still sent as a username (accounts the directory no longer has still appear in activity under their username).
 */
import { useEffect, useMemo } from 'react';
import { Autocomplete } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { PersonSummary } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';

export interface PickedPerson { id: string; name: string; username: string }

/** "Oliver Hughes (ohughes02, Reception)": what the box shows once a person is chosen. */
export const personLabel = (p: { name: string; username: string; yearGroup?: string | null }) =>
  `${p.name} (${p.username}${p.yearGroup ? `, ${p.yearGroup}` : ''})`;

export function PersonPicker({ text, chosen, onType, onChoose, onMatch }: {
  text: string;
  /** Whether the text is a chosen person's label (then no search is made for it). */
  chosen: boolean;
  onType(text: string): void;
  onChoose(person: PickedPerson, label: string): void;
  /** The one person the typed text stands for (their exact username, or the only match), or null. */
  onMatch(person: PickedPerson | null): void;
}) {
  const [debounced] = useDebouncedValue(text.trim(), 250);
  // Searching the directory is itself audited, so only for two letters or more and not for a chosen person's label.
  const searching = !chosen && debounced.length >= 2;
  const found = useApi<{ people: PersonSummary[] }>(searching ? '/api/people' : null, { q: debounced, status: 'all', limit: 8 });
  const people = useMemo(() => (searching ? found.data?.people ?? [] : []), [searching, found.data]);
  const options = useMemo(() => new Map(people.map((p) => [personLabel({ name: `${p.givenName} ${p.familyName}`, username: p.username, yearGroup: p.yearGroup }), p])), [people]);

  useEffect(() => {
    if (!searching || found.loading) { onMatch(null); return; }
    const typed = debounced.toLowerCase();
    const exact = people.find((p) => p.username.toLowerCase() === typed);
    const only = exact ?? (people.length === 1 ? people[0] : undefined);
    onMatch(only ? { id: only.id, name: `${only.givenName} ${only.familyName}`, username: only.username } : null);
  }, [people, searching, found.loading]);

  return (
    <Autocomplete label="Person" description="Start typing their name or username" placeholder="Anyone"
      value={text} onChange={onType} data={[...options.keys()]} filter={({ options: all }) => all}
      onOptionSubmit={(label) => {
        const p = options.get(label);
        if (p) onChoose({ id: p.id, name: `${p.givenName} ${p.familyName}`, username: p.username }, label);
      }}
      clearable clearButtonProps={{ 'aria-label': 'Anyone' }} onClear={() => onType('')}
      autoComplete="off" spellCheck={false} autoCapitalize="none" />
  );
}
