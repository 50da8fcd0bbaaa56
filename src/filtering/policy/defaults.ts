/**
 * The policies Osprey ships (R2.1, R2.4): one per key-stage band, staff, guests and unidentified devices. A school
 * changes them from the Filtering page; every change is logged. Targets are key-stage group names (linked to the
 * school's groups when they exist) and roles ('role:<role>'). When a person matches several policies the one with
 * the highest priority applies; younger pupils' policies rank highest so that a pupil who also holds another role
 * (a sixth-former who volunteers) keeps the pupils' filtering.
 */
import type { PolicyAction } from '../engine/types.ts';
import type { StoredPolicy } from './store.ts';

type Actions = Record<string, PolicyAction>;
const all = (action: PolicyAction, ids: string[]): Actions => Object.fromEntries(ids.map((id) => [id, action]));

/** Harmful to children at any age (UKSIC "appropriate filtering" categories and close relatives). */
const HARMFUL = ['discrimination', 'hate-speech', 'drugs', 'extremism', 'gambling', 'pornography', 'piracy', 'self-harm', 'violence',
  'weapons', 'gore', 'mature', 'alcohol-tobacco', 'dating', 'cults', 'cheating'];
const SECURITY = ['malware', 'hacking', 'phishing', 'cryptomining', 'remote-access'];
const CIRCUMVENTION = ['proxies', 'vpns', 'dns-over-https'];

const PUPIL_BASE: Actions = {
  ...all('block', [...HARMFUL, ...SECURITY, ...CIRCUMVENTION]),
  ...all('block', ['social-networking', 'chat', 'webmail', 'file-sharing', 'media-downloads', 'online-games', 'url-shorteners', 'dynamic-dns']),
  misinformation: 'warn',
  'ai-chatbots': 'block',
  forums: 'monitor',
  shopping: 'block',
};

const LUNCHTIME_GAMES = { id: 'lunchtime-games', name: 'Lunchtime games', days: [1, 2, 3, 4, 5], start: '12:00', end: '13:00', categoryActions: { 'online-games': 'allow' as PolicyAction } };

export type DefaultPolicy = Omit<StoredPolicy, 'id' | 'version' | 'updatedAt'>;

export function defaultPolicies(): DefaultPolicy[] {
  const base = { schedules: [], localBlock: [], localAllow: [], safeSearch: true, unidentified: false };
  return [
    {
      ...base, key: 'eyfs-ks1', name: 'Early years and Key Stage 1', priority: 100, defaultAction: 'block',
      description: 'Leans towards an allow-list: learning, children\'s sites, search (with SafeSearch) and translation are open; everything else is blocked.',
      categoryActions: { ...PUPIL_BASE, ...all('allow', ['education', 'educational-games', 'children', 'search-engines', 'translation']) },
      targets: ['key_stage:EYFS', 'key_stage:KS1'],
    },
    {
      ...base, key: 'ks2', name: 'Key Stage 2', priority: 90, defaultAction: 'allow',
      description: 'Open for learning, with harmful, adult and distracting categories blocked and video sites watched.',
      categoryActions: { ...PUPIL_BASE, 'video-streaming': 'monitor', news: 'allow' },
      targets: ['key_stage:KS2'],
    },
    {
      ...base, key: 'ks3', name: 'Key Stage 3', priority: 80, defaultAction: 'allow',
      description: 'As Key Stage 2, with shopping allowed after a warning.',
      categoryActions: { ...PUPIL_BASE, shopping: 'warn', 'video-streaming': 'monitor' },
      targets: ['key_stage:KS3'],
    },
    {
      ...base, key: 'ks4-5', name: 'Key Stages 4 and 5', priority: 70, defaultAction: 'allow',
      description: 'For older students: social networks and AI chatbots after a warning, webmail watched, games at lunchtime on weekdays.',
      categoryActions: { ...PUPIL_BASE, 'social-networking': 'warn', 'ai-chatbots': 'warn', webmail: 'monitor', shopping: 'allow', chat: 'warn' },
      schedules: [LUNCHTIME_GAMES],
      targets: ['key_stage:KS4', 'key_stage:KS5'],
    },
    {
      ...base, key: 'guests', name: 'Guests, visitors and community users', priority: 50, defaultAction: 'allow',
      description: 'For people using the school\'s network who are not staff or pupils. Harmful and risky categories are blocked.',
      categoryActions: { ...all('block', [...HARMFUL, ...SECURITY, ...CIRCUMVENTION, 'file-sharing']), 'online-games': 'warn' },
      targets: ['role:guest', 'role:community_user', 'role:volunteer', 'role:parent'],
    },
    {
      ...base, key: 'staff', name: 'Staff and governors', priority: 40, defaultAction: 'allow',
      description: 'Open for teaching and research. Pornography, gambling, malware and ways round the filter are blocked; sensitive topics staff may need to research are watched instead.',
      categoryActions: {
        ...all('block', ['pornography', 'gambling', 'hate-speech', 'piracy', ...SECURITY, ...CIRCUMVENTION, 'cryptomining']),
        ...all('monitor', ['extremism', 'self-harm', 'drugs', 'violence', 'weapons', 'gore']),
        dating: 'warn',
      },
      targets: ['role:administrator', 'role:headteacher', 'role:slt', 'role:online_safety_lead', 'role:dsl', 'role:deputy_dsl',
        'role:network_manager', 'role:teacher', 'role:support_staff', 'role:dpo', 'role:governor', 'role:online_safety_governor'],
    },
    {
      ...base, key: 'unidentified', name: 'Unidentified devices', priority: 0, defaultAction: 'block', unidentified: true,
      description: 'For devices and people Osprey cannot identify: the most restrictive pupil profile (R2.1), until someone logs on.',
      categoryActions: { ...PUPIL_BASE, ...all('allow', ['education', 'educational-games', 'children', 'search-engines', 'translation']) },
      targets: [],
    },
  ];
}
