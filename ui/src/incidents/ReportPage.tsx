/**
 * "Report a concern" (R5.1). Staff: who, what, when, where in a handful of fields (the rest can wait for the
 * safeguarding team). Pupils and parents: a simple page in plain words; a pupil can choose not to be named.
 */
import { useState } from 'react';
import { Alert, Button, Checkbox, Paper, SegmentedControl, Select, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { messageOf, post } from '../api.ts';
import { useMe } from '../app/auth.tsx';
import { Page } from '../app/Page.tsx';
import { linkProps } from '../app/router.tsx';
import { useApi } from '../app/useApi.ts';
import { PeoplePicker } from './PeoplePicker.tsx';
import { localInputValue, type InvolvedPerson, type Reference } from './types.ts';
import type { Static } from 'typebox';
import type { ReportedSchema } from '../../../src/incidents/schemas.ts';

const PUPIL_CHOICES = [
  { value: 'bullying', label: 'Someone is being unkind, bullying or leaving people out online' },
  { value: 'threatening_behaviour', label: 'Someone is threatening or frightening people' },
  { value: 'pornography', label: 'I saw rude or upsetting pictures or videos' },
  { value: 'grooming', label: 'Someone I do not know asked to meet me, or asked for pictures' },
  { value: 'self_harm_concern', label: 'I am worried about someone\'s safety (or my own)' },
  { value: 'other', label: 'Something else' },
];

export function ReportPage() {
  const me = useMe();
  const staff = me.person.roles.some((r) => !['pupil', 'parent', 'guest', 'community_user', 'volunteer', 'governor', 'online_safety_governor'].includes(r));
  const pupil = me.person.roles.includes('pupil');
  const ref = useApi<Reference>('/api/incidents/reference');
  const [when, setWhen] = useState(() => localInputValue(new Date()));
  const [what, setWhat] = useState('');
  const [category, setCategory] = useState<string | null>(staff ? null : 'other');
  const [where, setWhere] = useState('in_school');
  const [people, setPeople] = useState<InvolvedPerson[]>([]);
  const [names, setNames] = useState('');
  const [restricted, setRestricted] = useState(false);
  const [action, setAction] = useState('');
  const [anonymous, setAnonymous] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState<Static<typeof ReportedSchema> | null>(null);
  const illegal = ref.data?.categories.find((c) => c.key === category)?.illegal;

  async function submit() {
    setError(null);
    if (!what.trim()) return setError('Say what happened.');
    if (!category) return setError('Choose what kind of incident it is (or "Something else").');
    setBusy(true);
    try {
      const description = !staff && names.trim() ? `${what.trim()}\n\nPeople involved (as the reporter wrote): ${names.trim()}` : what.trim();
      const body = {
        occurredAt: new Date(when).toISOString(), description, category, location: where,
        ...(staff ? { people, classification: restricted ? 'restricted' : 'general', actionTaken: action.trim() } : {}),
        ...(pupil ? { anonymous } : {}),
      };
      setDone(await post<Static<typeof ReportedSchema>>('/api/incidents', body));
    } catch (e) {
      setError(messageOf(e));
    } finally {
      setBusy(false);
    }
  }

  if (done) {
    return (
      <Page title="Thank you">
        <Paper withBorder p="lg" maw={640}>
          <Stack gap="sm" align="flex-start">
            <Text role="status">Your report has been sent{staff ? ` as ${done.reference}` : ''}. {staff ? 'The Online Safety Lead and the safeguarding team will follow it up.' : 'A member of staff who keeps children safe will read it.'}</Text>
            {!staff && <Text>If you or someone else is in danger right now, tell a teacher straight away, or call 999.</Text>}
            <Button component="a" {...linkProps('/incidents')}>See what you have reported</Button>
          </Stack>
        </Paper>
      </Page>
    );
  }

  return (
    <Page title={staff ? 'Report a concern' : 'Tell us about something that worried you'}
      description={staff ? 'Who, what, when and where is enough: the safeguarding team will add the rest.' : 'What you write goes to the staff who keep children safe. You can tell a teacher too.'}>
      <Paper withBorder p="lg" maw={760} component="form" onSubmit={(e) => { e.preventDefault(); void submit(); }} aria-label="Report a concern">
        <Stack gap="md">
          <Textarea label={staff ? 'What happened' : 'What happened?'} required autosize minRows={4} value={what} onChange={(e) => setWhat(e.currentTarget.value)}
            description={staff ? 'What you saw or were told, in the words used if you can.' : 'Write as much or as little as you like.'} />
          <TextInput type="datetime-local" label={staff ? 'When' : 'When did it happen?'} required value={when} onChange={(e) => setWhen(e.currentTarget.value)}
            max={localInputValue(new Date())} />
          <Stack gap={4}>
            <Text fw={500} fz="sm" id="where-label">{staff ? 'Where' : 'Where did it happen?'}</Text>
            <SegmentedControl aria-labelledby="where-label" value={where} onChange={setWhere}
              data={[{ value: 'in_school', label: 'In school' }, { value: 'out_of_school', label: 'Out of school' }, { value: 'unknown', label: 'Not sure' }]} />
          </Stack>
          {staff ? (
            <Select label="What kind of incident" required searchable data={(ref.data?.categories ?? []).map((c) => ({ value: c.key, label: c.label }))}
              value={category} onChange={setCategory} placeholder="Choose, or type to search" nothingFoundMessage="Nothing matches: choose “Something else”" />
          ) : (
            <Select label="What was it about?" data={PUPIL_CHOICES} value={category} onChange={setCategory} allowDeselect={false} />
          )}
          {illegal && (
            <Alert color="red" title="Possibly illegal">Do not view, copy or forward the material. Keep the device as it is and tell the Designated Safeguarding Lead now. The report will be visible only to the safeguarding team.</Alert>
          )}
          {staff ? (
            <>
              <Stack gap={4}><Text fw={500} fz="sm">Who was involved</Text><PeoplePicker value={people} onChange={setPeople} canSearch={me.permissions.includes('people.read')} /></Stack>
              <Checkbox label="This is a safeguarding concern: only the Designated Safeguarding Lead and deputies should see it" checked={restricted || Boolean(illegal)} disabled={Boolean(illegal)} onChange={(e) => setRestricted(e.currentTarget.checked)} />
              <Textarea label="Action already taken (optional)" autosize minRows={2} value={action} onChange={(e) => setAction(e.currentTarget.value)} />
            </>
          ) : (
            <TextInput label="Who was involved? (optional)" value={names} onChange={(e) => setNames(e.currentTarget.value)} />
          )}
          {pupil && (
            <Checkbox label="Do not put my name on this report" description="Staff will not know it was you. You can still see your report here." checked={anonymous} onChange={(e) => setAnonymous(e.currentTarget.checked)} />
          )}
          {error && <Alert color="red" role="alert" title="The report was not sent">{error}</Alert>}
          <Button type="submit" loading={busy} w="fit-content">Send report</Button>
        </Stack>
      </Paper>
    </Page>
  );
}
