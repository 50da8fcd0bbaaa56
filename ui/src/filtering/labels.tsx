/** Words, colours and small pieces shared by the filtering pages. */
import { useMemo } from 'react';
import { Badge, Group, List, Text, UnstyledButton } from '@mantine/core';
import { CATEGORIES as TAXONOMY, type CategoryGroup } from '../../../src/filtering/lists/taxonomy.ts';
import { useAuth } from '../app/auth.tsx';
import { linkProps } from '../app/router.tsx';
import type { Group as GroupRow } from '../app/types.ts';
import { useApi } from '../app/useApi.ts';
import { roleLabel } from '../directory/labels.tsx';
import type { Category, Policy, PolicyAction, Verdict } from './types.ts';

export const ACTIONS: readonly PolicyAction[] = ['allow', 'warn', 'monitor', 'block'];

/** The action as a button or setting: "Allow". */
export const ACTION_LABELS: Record<PolicyAction, string> = { allow: 'Allow', warn: 'Warn', monitor: 'Monitor', block: 'Block' };

/** What each action means, for people who have not used a web filter before. */
export const ACTION_HELP: Record<PolicyAction, string> = {
  allow: 'the site opens as normal',
  warn: 'a warning page is shown first; the person can choose to carry on',
  monitor: 'the site opens, and the visit is recorded for safeguarding staff',
  block: 'the site does not open',
};

/** The outcome of a test: "Blocked". */
export const VERDICT_LABELS: Record<Verdict, string> = { allow: 'Allowed', warn: 'Warned', monitor: 'Monitored', block: 'Blocked', safesearch: 'SafeSearch' };

/**
 * Each action's colour: `fg` is dark enough for white text on it and for text on `bg` (at least 4.5:1, WCAG 1.4.3);
 * `bg` and `border` are pale tints for badges.
 */
export const ACTION_COLOURS: Record<Verdict, { fg: string; bg: string; border: string }> = {
  allow: { fg: '#1d6b31', bg: '#ebf7ee', border: '#9bd3a9' },
  warn: { fg: '#9a3c06', bg: '#fff3e6', border: '#f5b77c' },
  monitor: { fg: '#1864ab', bg: '#e7f1fb', border: '#9cc3ea' },
  block: { fg: '#b02525', bg: '#fdecec', border: '#f0a5a5' },
  safesearch: { fg: '#086e4f', bg: '#e6f6f0', border: '#8fd4bd' },
};

export function ActionBadge({ action, children, size = 'md' }: { action: Verdict; children?: string; size?: 'sm' | 'md' | 'lg' | 'xl' }) {
  const c = ACTION_COLOURS[action];
  return (
    <Badge variant="light" size={size} radius="sm" tt="none" fw={650} bg={c.bg} c={c.fg} style={{ border: `1px solid ${c.border}` }}>
      {children ?? (action === 'safesearch' ? VERDICT_LABELS.safesearch : ACTION_LABELS[action])}
    </Badge>
  );
}

/** Category groups in the order they are shown, with a heading and a line to say what they are. */
export const CATEGORY_GROUPS: { id: CategoryGroup; label: string; text: string }[] = [
  { id: 'illegal', label: 'Illegal content', text: 'Blocked for everyone by law. No policy can allow these.' },
  { id: 'safeguarding', label: 'Safeguarding', text: 'The content the UK Safer Internet Centre expects schools to filter, and close relatives.' },
  { id: 'security', label: 'Online security', text: 'Harmful software, scams, tracking, and services often misused by them.' },
  { id: 'circumvention', label: 'Getting round the filter', text: 'Ways to hide browsing from the filter. Attempts are reported to safeguarding staff.' },
  { id: 'communication', label: 'Talking to other people', text: 'Social media, chat, email, forums and AI chatbots.' },
  { id: 'media-and-leisure', label: 'Media and leisure', text: 'Games, video, music, shopping and hobbies.' },
  { id: 'learning-and-information', label: 'Learning and information', text: 'Education, search, news and everyday services.' },
];

const TAXONOMY_GROUP = new Map(TAXONOMY.map((c) => [c.id, c.group]));

/** The filter's categories; each with its display group (taken from Osprey's taxonomy when the API does not send it). */
export function useCategories() {
  const loaded = useApi<{ categories: Array<Omit<Category, 'group'> & { group?: CategoryGroup }> }>('/api/filtering/categories');
  const categories = useMemo<Category[] | undefined>(() => loaded.data?.categories.map((c) => ({
    ...c, group: c.group ?? TAXONOMY_GROUP.get(c.id) ?? 'learning-and-information',
  })), [loaded.data]);
  const byId = useMemo(() => new Map((categories ?? []).map((c) => [c.id, c])), [categories]);
  return { categories, byId, error: loaded.error };
}

/** The school's groups, when this person may see them (names for policy targets). */
export function useGroups() {
  const { can } = useAuth();
  const loaded = useApi<{ groups: GroupRow[] }>(can('groups.read') ? '/api/groups' : null);
  const byId = useMemo(() => new Map((loaded.data?.groups ?? []).map((g) => [g.id, g])), [loaded.data]);
  return { groups: loaded.data?.groups, byId, readable: can('groups.read') };
}

/** "Year 7", "Teacher" — or a plain stand-in when the group is unknown or cannot be seen. */
export function targetLabel(target: string, groups: Map<string, GroupRow>, readable = true): string {
  if (target.startsWith('role:')) return roleLabel(target.slice(5));
  const g = groups.get(target);
  if (g) return g.name;
  return readable ? 'A group that no longer exists' : 'A group';
}

/** Who a policy is for, in words. */
export function describeTargets(policy: Pick<Policy, 'targets' | 'unidentified'>, groups: Map<string, GroupRow>, readable: boolean): string[] {
  const names = policy.targets.map((t) => targetLabel(t, groups, readable));
  if (policy.unidentified) names.unshift('Devices and people Osprey cannot identify');
  return names;
}

/** The one rule for what wins, shown wherever policies are explained. */
export function PrecedenceExplainer() {
  return (
    <div>
      <Text fw={650}>How Osprey decides what to do with a site</Text>
      <List type="ordered" fz="sm" spacing={2} mt={4}>
        <List.Item>Illegal content is always blocked, for everyone.</List.Item>
        <List.Item>Then approved exceptions (time-limited permissions).</List.Item>
        <List.Item>Then the policy’s own “Always block” list.</List.Item>
        <List.Item>Then its “Always allow” list.</List.Item>
        <List.Item>Then what the policy does with the site’s category (a schedule can change this at set times).</List.Item>
        <List.Item>Otherwise, the policy’s default.</List.Item>
      </List>
      <Text fz="sm" mt="xs">
        <Text span fw={650} fz="sm">Which policy applies: </Text>
        when someone is in several groups, the policy with the highest priority applies. Devices and people Osprey cannot
        identify get the “unidentified devices” policy.
      </Text>
    </div>
  );
}

/** The three views of Filtering, as links that look like tabs. */
type FilteringTab = 'policies' | 'lists' | 'changes' | 'status';

export function FilteringTabs({ active }: { active: FilteringTab }) {
  const tab = (key: FilteringTab, label: string, to: string) => (
    <UnstyledButton key={key} component="a" {...linkProps(to)} aria-current={active === key ? 'page' : undefined} px="md" py={8}
      fw={active === key ? 700 : 500} c={active === key ? 'osprey.8' : 'dark.5'}
      style={{ borderBottom: `3px solid ${active === key ? 'var(--mantine-color-osprey-7)' : 'transparent'}`, marginBottom: -1, borderRadius: '6px 6px 0 0' }}>
      {label}
    </UnstyledButton>
  );
  return (
    <Group component="nav" aria-label="Filtering" gap={0} style={{ borderBottom: '1px solid var(--mantine-color-gray-3)' }}>
      {tab('policies', 'Policies', '/filtering')}
      {tab('lists', 'Block lists', '/filtering/lists')}
      {tab('changes', 'Change log', '/filtering/changes')}
      {tab('status', 'System status', '/filtering/status')}
    </Group>
  );
}

/** Days in UK order (Monday first), with the API's numbers (0 = Sunday). */
export const WEEK: { day: number; short: string; long: string }[] = [
  { day: 1, short: 'Mon', long: 'Monday' }, { day: 2, short: 'Tue', long: 'Tuesday' }, { day: 3, short: 'Wed', long: 'Wednesday' },
  { day: 4, short: 'Thu', long: 'Thursday' }, { day: 5, short: 'Fri', long: 'Friday' }, { day: 6, short: 'Sat', long: 'Saturday' },
  { day: 0, short: 'Sun', long: 'Sunday' },
];

/** "Monday to Friday", "Monday, Wednesday", "Every day". */
export function describeDays(days: number[]): string {
  const set = new Set(days);
  const order = WEEK.filter((d) => set.has(d.day));
  if (order.length === 0) return 'No days';
  if (order.length === 7) return 'Every day';
  const idx = order.map((d) => WEEK.findIndex((w) => w.day === d.day));
  const consecutive = idx.every((v, i) => i === 0 || v === idx[i - 1] + 1);
  if (consecutive && order.length >= 3) return `${order[0].long} to ${order[order.length - 1].long}`;
  return order.map((d) => d.long).join(', ');
}

export const KIND_LABELS: Record<string, string> = { domain: 'Website', url: 'Web address', regex: 'Pattern' };

/** A short unique id for a new rule or schedule (crypto.randomUUID needs HTTPS, which an intranet may not have). */
export function newId(prefix: string): string {
  const random = typeof crypto !== 'undefined' && 'getRandomValues' in crypto
    ? Array.from(crypto.getRandomValues(new Uint8Array(6)), (b) => b.toString(16).padStart(2, '0')).join('')
    : Math.random().toString(16).slice(2, 14);
  return `${prefix}-${Date.now().toString(36)}-${random}`;
}
