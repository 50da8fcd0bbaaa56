/** One person from the directory, chosen by typing part of their name (used for investigators and grants). */
import { useMemo, useState } from 'react';
import { Autocomplete } from '@mantine/core';
import { useDebouncedValue } from '@mantine/hooks';
import type { PersonSummary } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';

export function PersonSearch({ label, description, onChoose }: { label: string; description?: string; onChoose(p: { id: string; name: string }): void }) {
  const [text, setText] = useState('');
  const [debounced] = useDebouncedValue(text.trim(), 250);
  const found = useApi<{ people: PersonSummary[] }>(debounced.length >= 2 ? '/api/people' : null, { q: debounced, limit: 8 });
  const options = useMemo(() => new Map((found.data?.people ?? []).map((p) => [`${p.givenName} ${p.familyName} (${p.username})`, p])), [found.data]);
  return (
    <Autocomplete label={label} description={description} value={text} onChange={setText} data={[...options.keys()]} filter={({ options: all }) => all} autoComplete="off" w={340}
      onOptionSubmit={(l) => { const p = options.get(l); if (p) { onChoose({ id: p.id, name: `${p.givenName} ${p.familyName}` }); setText(''); } }} />
  );
}
