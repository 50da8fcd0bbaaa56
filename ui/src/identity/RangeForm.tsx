/**
 * The form for adding or changing an address range or a named device, in a dialog. Names and addresses are checked
 * by the server (one set of rules for the API and the page); its message is shown next to the field it is about.
 */
import { useEffect, useRef, useState } from 'react';
import { Alert, Button, Group, Modal, MultiSelect, SegmentedControl, Stack, Text, Textarea, TextInput } from '@mantine/core';
import { ApiError, messageOf, post, put } from '../api.ts';
import type { Group as GroupRow } from '../app/types.ts';
import { groupOptions, ROLE_OPTIONS } from '../directory/labels.tsx';
import { addressOf } from './parts.tsx';
import type { AddressEntry, AddressInput, AddressKind } from './types.ts';

type Field = 'name' | 'cidr' | 'groups' | 'roles' | 'note';
type Errors = Partial<Record<Field | 'form', string>>;

const KINDS = [{ value: 'range', label: 'Range' }, { value: 'device', label: 'Device' }];

/** Which field a refusal from the server is about, from its code and its (plain-English) message. */
export function fieldOfError(e: ApiError): Field | 'form' {
  if (e.code === 'unknown_group') return 'groups';
  if (e.status === 409) return 'cidr';
  if (/is not a role/.test(e.message)) return 'roles';
  if (/a name people will recognise|body\/name/.test(e.message)) return 'name';
  if (/body\/note/.test(e.message)) return 'note';
  if (/body\/groupIds/.test(e.message)) return 'groups';
  if (e.status === 400 && /address|range|prefix|body\/cidr/i.test(e.message)) return 'cidr';
  return 'form';
}

interface Draft { kind: AddressKind; name: string; address: string; groups: string[]; roles: string[]; note: string }

function draftOf(entry: AddressEntry | null): Draft {
  if (!entry) return { kind: 'range', name: '', address: '', groups: [], roles: [], note: '' };
  return {
    kind: entry.kind, name: entry.name, address: addressOf(entry), note: entry.note,
    groups: entry.groupIds.filter((g) => !g.startsWith('role:')),
    roles: entry.groupIds.filter((g) => g.startsWith('role:')).map((g) => g.slice(5)),
  };
}

export function RangeForm({ entry, groups, groupsError, opened, onClose, onSaved }: {
  /** null to add a new one. */
  entry: AddressEntry | null;
  groups: GroupRow[];
  groupsError: string | null;
  opened: boolean;
  onClose(): void;
  onSaved(saved: AddressEntry, added: boolean): void;
}) {
  const [draft, setDraft] = useState<Draft>(() => draftOf(entry));
  const [errors, setErrors] = useState<Errors>({});
  const [busy, setBusy] = useState(false);
  const formRef = useRef<HTMLFormElement>(null);
  const [problemShown, setProblemShown] = useState(0);
  const device = draft.kind === 'device';

  const update = (patch: Partial<Draft>, clears: Field[]) => {
    setDraft((d) => ({ ...d, ...patch }));
    setErrors((e) => {
      const next = { ...e };
      for (const f of clears) delete next[f];
      delete next.form;
      return next;
    });
  };

  // Takes the keyboard (and a screen reader) to the first field with a message, once it is on the screen.
  useEffect(() => {
    if (problemShown) formRef.current?.querySelector<HTMLElement>('[aria-invalid="true"]')?.focus();
  }, [problemShown]);
  const focusFirstProblem = () => setProblemShown((n) => n + 1);

  async function submit() {
    const missing: Errors = {};
    if (!draft.name.trim()) missing.name = device ? 'Give the device its name, e.g. LIB-PC-03.' : 'Give the range a name people will recognise, such as “Library PCs”.';
    if (!draft.address.trim()) missing.cidr = device ? 'Type the device’s address, e.g. 10.0.5.23.' : 'Type the range of addresses, e.g. 10.0.5.0/24.';
    setErrors(missing);
    if (Object.keys(missing).length) return focusFirstProblem();
    const body: AddressInput = {
      kind: draft.kind, name: draft.name.trim(), cidr: draft.address.trim(), note: draft.note.trim(),
      groupIds: [...draft.groups, ...draft.roles.map((r) => `role:${r}`)],
    };
    setBusy(true);
    try {
      const saved = entry ? await put<AddressEntry>(`/api/identity/ranges/${entry.id}`, body) : await post<AddressEntry>('/api/identity/ranges', body);
      onSaved(saved, !entry);
    } catch (e) {
      setErrors(e instanceof ApiError ? { [fieldOfError(e)]: e.message } : { form: messageOf(e) });
      focusFirstProblem();
    }
    setBusy(false);
  }

  const title = entry ? `Change ${entry.name}` : 'Add a range or device';
  return (
    <Modal opened={opened} onClose={onClose} title={<Text fw={700} fz="lg">{title}</Text>} centered size="lg" closeButtonProps={{ 'aria-label': 'Close' }}>
      <form ref={formRef} noValidate aria-label={title} onSubmit={(e) => { e.preventDefault(); void submit(); }}>
        <Stack gap="md">
          <div>
            <Text fz="sm" fw={500} id="address-kind">What are you adding?</Text>
            <SegmentedControl mt={4} data={KINDS} value={draft.kind} aria-labelledby="address-kind" aria-describedby="address-kind-about" transitionDuration={0}
              onChange={(v) => update({ kind: v as AddressKind }, ['cidr', 'name'])} />
            <Text fz="xs" c="dimmed" mt={4} id="address-kind-about">
              {device
                ? 'One computer or tablet with a fixed address. Its name is shown in the activity log.'
                : 'A block of addresses, such as a room, a wing or the guest Wi-Fi.'}
            </Text>
          </div>
          <TextInput label="Name" required data-autofocus maxLength={100} value={draft.name} error={errors.name}
            description={device ? 'The device’s name, e.g. LIB-PC-03.' : 'What people call it, e.g. “Library PCs” or “Year 5 iPads”.'}
            onChange={(e) => update({ name: e.currentTarget.value }, ['name'])} />
          <TextInput label={device ? 'Address' : 'Address range'} required maxLength={60} value={draft.address} error={errors.cidr}
            spellCheck={false} autoCapitalize="none" autoComplete="off" styles={{ input: { fontFamily: 'var(--mantine-font-family-monospace)' } }}
            description={device
              ? 'The device’s own address, e.g. 10.0.5.23. Give it a fixed address (a DHCP reservation) so that it keeps it.'
              : 'Written as address/size, e.g. 10.0.5.0/24 for the 256 addresses 10.0.5.0 to 10.0.5.255.'}
            onChange={(e) => update({ address: e.currentTarget.value }, ['cidr'])} />
          <MultiSelect label="Groups" data={groupOptions(groups)} value={draft.groups} error={errors.groups ?? groupsError ?? undefined}
            description="Whoever browses from here, and has not logged on, is filtered with these groups’ policies."
            searchable clearable placeholder={draft.groups.length ? undefined : 'Choose groups'} nothingFoundMessage="No group with that name"
            comboboxProps={{ withinPortal: true }} clearButtonProps={{ 'aria-label': 'Remove all groups' }}
            onChange={(v) => update({ groups: v }, ['groups'])} />
          <MultiSelect label="Roles" data={ROLE_OPTIONS} value={draft.roles} error={errors.roles}
            description="Or filter them as everyone with a role, e.g. Guest for the visitors’ Wi-Fi."
            searchable clearable placeholder={draft.roles.length ? undefined : 'No roles'} nothingFoundMessage="No role with that name"
            comboboxProps={{ withinPortal: true }} clearButtonProps={{ 'aria-label': 'Remove all roles' }}
            onChange={(v) => update({ roles: v }, ['roles'])} />
          <Textarea label="Note" description="Anything the next person should know, e.g. the room, or who asked for it." value={draft.note} error={errors.note}
            maxLength={500} autosize minRows={2} onChange={(e) => update({ note: e.currentTarget.value }, ['note'])} />
          {errors.form && <Alert color="red" variant="light" title="Not saved" role="alert">{errors.form}</Alert>}
          <Group justify="flex-end">
            <Button variant="default" onClick={onClose}>Cancel</Button>
            <Button type="submit" loading={busy}>{entry ? 'Save changes' : device ? 'Add the device' : 'Add the range'}</Button>
          </Group>
        </Stack>
      </form>
    </Modal>
  );
}
