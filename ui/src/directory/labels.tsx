/** Words and small pieces shared by the directory pages. */
import { Badge, Group, UnstyledButton } from '@mantine/core';
import { GROUP_KINDS, ROLE_LABELS, ROLES, type Role } from '../../../src/directory/types.ts';
import { useAuth } from '../app/auth.tsx';
import { linkProps } from '../app/router.tsx';
import type { Group as GroupRow } from '../app/types.ts';

export const KIND_LABELS: Record<string, string> = {
  key_stage: 'Key stage', year: 'Year group', class: 'Class', staff_team: 'Staff team', custom: 'Custom',
};
export const KIND_LABELS_PLURAL: Record<string, string> = {
  key_stage: 'Key stages', year: 'Year groups', class: 'Classes', staff_team: 'Staff teams', custom: 'Custom groups',
};

/** The people list as the person last left it (search, filters, page), for "Back to the list". */
let lastListHref = '/people';
export const rememberListHref = (href: string) => { lastListHref = href; };
export const listHref = () => lastListHref;

export const roleLabel = (role: string) => ROLE_LABELS[role as Role] ?? role;

export const ROLE_OPTIONS = ROLES.map((r) => ({ value: r, label: ROLE_LABELS[r] }));

// Text in shade 9 on the palest shade (0) keeps the contrast above 4.5:1 (WCAG 1.4.3) for every colour here; Mantine's
// own light badge background (shade 1) is too dark for teal and only just enough for red. Teal's shade 9 is still
// only 4.7:1 on shade 0, so pupils' badges use a darker teal (6.3:1).
const TEXT_COLOURS: Partial<Record<string, string>> = { teal: '#06694b' };
const ROLE_COLOURS: Partial<Record<Role, string>> = {
  administrator: 'red', headteacher: 'grape', slt: 'grape', dsl: 'pink', deputy_dsl: 'pink', online_safety_lead: 'pink',
  network_manager: 'cyan', teacher: 'blue', support_staff: 'blue', governor: 'violet', online_safety_governor: 'violet', dpo: 'grape',
  pupil: 'teal', parent: 'indigo',
};

export function RoleBadges({ roles }: { roles: string[] }) {
  if (roles.length === 0) return <span>—</span>;
  return (
    <Group gap={4} wrap="wrap">
      {roles.map((r) => {
        const colour = ROLE_COLOURS[r as Role] ?? 'gray';
        return <Badge key={r} variant="light" color={colour} bg={`${colour}.0`} c={TEXT_COLOURS[colour] ?? `${colour}.9`} radius="sm" tt="none" fw={650} size="md"
          style={{ border: `1px solid var(--mantine-color-${colour}-3)` }}>{roleLabel(r)}</Badge>;
      })}
    </Group>
  );
}

/** Groups for a Select, grouped by kind in school order. */
export function groupOptions(groups: GroupRow[]) {
  return GROUP_KINDS.map((kind) => ({
    group: KIND_LABELS[kind],
    items: groups.filter((g) => g.kind === kind).map((g) => ({ value: g.id, label: `${g.name} (${g.memberCount})` })),
  })).filter((g) => g.items.length > 0);
}

/** The two views of "People & groups", as links that look like tabs. */
export function DirectoryTabs({ active }: { active: 'people' | 'groups' }) {
  const { can } = useAuth();
  if (!can('groups.read')) return null;
  const tab = (key: 'people' | 'groups', label: string, to: string) => (
    <UnstyledButton component="a" {...linkProps(to)} aria-current={active === key ? 'page' : undefined} px="md" py={8}
      fw={active === key ? 700 : 500} c={active === key ? 'osprey.8' : 'dark.5'}
      style={{ borderBottom: `3px solid ${active === key ? 'var(--mantine-color-osprey-7)' : 'transparent'}`, marginBottom: -1, borderRadius: '6px 6px 0 0' }}>
      {label}
    </UnstyledButton>
  );
  return (
    <Group component="nav" aria-label="People and groups" gap={0} style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
      {tab('people', 'People', '/people')}
      {tab('groups', 'Groups', '/groups')}
    </Group>
  );
}
