/**
 * What an incident can be about: the school policy's list of illegal and unsuitable activities ("Unsuitable /
 * inappropriate activities" in the e-safety policy), as data. Illegal ones always go down the flowchart's illegal
 * branch and are always restricted. `pupilSanction` / `staffSanction` name the sanctions-matrix row that usually fits
 * (src/incidents/sanctions-defaults.ts); the DSL can choose another during triage.
 */
export interface IncidentCategory {
  key: string;
  label: string;
  illegal: boolean;
  pupilSanction?: string;
  staffSanction?: string;
}

export const INCIDENT_CATEGORIES: readonly IncidentCategory[] = [
  // Illegal: report to the police; never view or copy the material.
  { key: 'child_abuse_images', label: 'Child sexual abuse images (making, producing or sharing indecent images of children)', illegal: true, pupilSanction: 'illegal_material', staffSanction: 'illegal_material' },
  { key: 'grooming', label: 'Grooming, incitement, arranging or helping sexual acts against children', illegal: true, pupilSanction: 'illegal_material', staffSanction: 'illegal_material' },
  { key: 'extreme_pornography', label: 'Possessing an extreme pornographic image', illegal: true, pupilSanction: 'illegal_material', staffSanction: 'illegal_material' },
  { key: 'criminally_racist', label: 'Criminally racist material, or stirring up religious hatred or hatred on grounds of sexual orientation', illegal: true, pupilSanction: 'illegal_material', staffSanction: 'illegal_material' },
  { key: 'terrorism_extremism', label: 'Promoting terrorism or violent extremism', illegal: true, pupilSanction: 'illegal_material', staffSanction: 'illegal_material' },
  // Unsuitable in a school context.
  { key: 'pornography', label: 'Pornography', illegal: false, pupilSanction: 'offensive_deliberate', staffSanction: 'offensive_deliberate' },
  { key: 'discrimination', label: 'Promoting any kind of discrimination', illegal: false, pupilSanction: 'disrepute', staffSanction: 'disrepute' },
  { key: 'threatening_behaviour', label: 'Threatening behaviour, including promoting physical violence or mental harm', illegal: false, pupilSanction: 'offensive_message', staffSanction: 'offensive_message' },
  { key: 'bullying', label: 'Bullying or harassment online (cyberbullying)', illegal: false, pupilSanction: 'offensive_message', staffSanction: 'offensive_message' },
  { key: 'offensive_disrepute', label: 'Offensive material, or bringing the school into disrepute', illegal: false, pupilSanction: 'disrepute', staffSanction: 'disrepute' },
  { key: 'private_business', label: 'Using school systems to run a private business', illegal: false, staffSanction: 'professional_standing' },
  { key: 'bypassing_filtering', label: 'Bypassing the filtering or other safeguards (proxy sites, VPNs)', illegal: false, pupilSanction: 'subvert_filtering', staffSanction: 'subvert_filtering' },
  { key: 'copyright', label: 'Infringing copyright', illegal: false, pupilSanction: 'copyright', staffSanction: 'copyright' },
  { key: 'confidential_information', label: 'Revealing or publicising confidential information (personal data, passwords, access codes)', illegal: false, pupilSanction: 'sharing_passwords', staffSanction: 'careless_personal_data' },
  { key: 'viruses', label: 'Creating or spreading computer viruses or other harmful files', illegal: false, pupilSanction: 'corrupting_data', staffSanction: 'corrupting_data' },
  { key: 'unauthorised_downloading', label: 'Unauthorised downloading or uploading of files (including large files that slow the network)', illegal: false, pupilSanction: 'downloading', staffSanction: 'downloading' },
  { key: 'online_gaming', label: 'Online gaming (not educational)', illegal: false, pupilSanction: 'non_educational_sites', staffSanction: 'personal_use' },
  { key: 'online_gambling', label: 'Online gambling', illegal: false, pupilSanction: 'non_educational_sites', staffSanction: 'personal_use' },
  { key: 'online_shopping', label: 'Online shopping', illegal: false, pupilSanction: 'non_educational_sites', staffSanction: 'personal_use' },
  { key: 'file_sharing', label: 'File sharing', illegal: false, pupilSanction: 'downloading', staffSanction: 'downloading' },
  { key: 'social_media', label: 'Misuse of social media or messaging apps', illegal: false, pupilSanction: 'social_media', staffSanction: 'personal_use' },
  { key: 'video_broadcasting', label: 'Misuse of video broadcasting (for example YouTube)', illegal: false, pupilSanction: 'non_educational_sites', staffSanction: 'personal_use' },
  { key: 'mobile_device', label: 'Unauthorised use of a mobile phone, camera or other device', illegal: false, pupilSanction: 'mobile_device', staffSanction: 'personal_use' },
  { key: 'account_misuse', label: 'Using another person\'s account, or sharing a username and password', illegal: false, pupilSanction: 'other_pupil_account', staffSanction: 'sharing_passwords' },
  { key: 'staff_pupil_contact', label: 'Staff contacting pupils through personal e-mail, social media or messaging', illegal: false, staffSanction: 'contact_with_pupils' },
  { key: 'self_harm_concern', label: 'Concern about a child\'s safety or wellbeing (for example self-harm)', illegal: false },
  { key: 'other', label: 'Something else', illegal: false },
];

const BY_KEY = new Map(INCIDENT_CATEGORIES.map((c) => [c.key, c]));
export function categoryOf(key: string): IncidentCategory | undefined { return BY_KEY.get(key); }
export const CATEGORY_KEYS = INCIDENT_CATEGORIES.map((c) => c.key);
