/**
 * The uses of a pupil's image that a parent gives or refuses consent for (R7.1), as data: the list on the seeds'
 * consent forms (S1 "Publishing Pupil's Images and Work", S3 "Use of digital images and sound"), plus social media.
 * Keys are stable (stored and typed on the command line); labels are what people read.
 */
export interface ConsentUse {
  key: string;
  label: string;
  /** One sentence a parent reads before deciding. */
  description: string;
  /** Other words people type for it on the command line (`--use newsletter`). */
  aliases: readonly string[];
}

export const CONSENT_USES: readonly ConsentUse[] = [
  { key: 'website', label: 'School website', description: 'Photos or videos on the school\'s public website or blog.', aliases: ['web', 'blog'] },
  { key: 'print', label: 'Printed publications', description: 'Newsletters, the prospectus and other printed material the school produces.', aliases: ['printed', 'newsletter', 'prospectus'] },
  { key: 'video', label: 'Video and webcam', description: 'Being recorded on video, or seen on a webcam or video call for a lesson or event.', aliases: ['webcam', 'video-call'] },
  { key: 'learning_platform', label: 'Learning platform', description: 'Photos or videos on the school\'s learning platform, seen only by pupils, parents and staff who log in.', aliases: ['learning-platform', 'vle', 'platform'] },
  { key: 'internal_display', label: 'Displays inside school', description: 'Photos in displays in corridors, classrooms and the school\'s shared areas.', aliases: ['internal-display', 'displays', 'display'] },
  { key: 'external_display', label: 'Displays outside school', description: 'Photos in displays or exhibitions outside school, for example promoting the school at an event.', aliases: ['external-display', 'exhibition', 'exhibitions'] },
  { key: 'press', label: 'Press and media', description: 'Photos or film sent to local or national newspapers, radio or television.', aliases: ['media', 'newspaper'] },
  { key: 'social_media', label: 'Social media', description: 'Photos or videos on the school\'s own social media accounts.', aliases: ['social-media', 'social'] },
];

export const CONSENT_USE_KEYS = CONSENT_USES.map((u) => u.key);

/** The use a person typed: a key, an alias or a label, in any case; undefined when nothing matches. */
export function findConsentUse(typed: string): ConsentUse | undefined {
  const t = typed.trim().toLowerCase().replace(/[\s_]+/g, '-');
  return CONSENT_USES.find((u) => u.key.replace(/_/g, '-') === t || u.aliases.includes(t) || u.label.toLowerCase().replace(/\s+/g, '-') === t);
}

/** S1, S3, S4: pupils' full names are never published with their photographs. */
export const FULL_NAME_REMINDER = 'Never put a pupil\'s full name beside their image.';
