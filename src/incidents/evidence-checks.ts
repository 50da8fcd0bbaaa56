/**
 * What a file is, judged by its content first and its name second: programs are refused as evidence (a screenshot
 * or a document is what an investigation needs; a program on the DSL's computer is a risk), and the media type used
 * when the file is downloaded again comes from the content, not from what the uploader's browser claimed.
 */

/** Program and script file name endings refused even when the content does not give them away. */
const EXECUTABLE_EXTENSIONS = new Set([
  'exe', 'com', 'scr', 'pif', 'cpl', 'msi', 'msp', 'msc', 'dll', 'sys', 'bat', 'cmd', 'ps1', 'psm1', 'vbs', 'vbe', 'js',
  'jse', 'mjs', 'wsf', 'wsh', 'hta', 'lnk', 'reg', 'jar', 'apk', 'app', 'dmg', 'pkg', 'deb', 'rpm', 'sh', 'bash', 'zsh',
  'csh', 'ksh', 'command', 'run', 'bin', 'elf', 'so', 'dylib', 'py', 'pyw', 'pl', 'rb', 'php', 'appimage', 'gadget',
  'scpt', 'action', 'workflow', 'xbe', 'xap', 'ipa', 'vb', 'ws', 'inf', 'iso', 'img',
]);

function startsWith(content: Buffer, bytes: number[]): boolean {
  return content.length >= bytes.length && bytes.every((b, i) => content[i] === b);
}

/** Why this file is a program, or null when it is not one. */
export function executableReason(content: Buffer, originalName: string): string | null {
  if (startsWith(content, [0x4d, 0x5a])) return 'it is a Windows program (it starts with the "MZ" program header)';
  if (startsWith(content, [0x7f, 0x45, 0x4c, 0x46])) return 'it is a Linux or Android program (ELF)';
  const machO = [[0xfe, 0xed, 0xfa, 0xce], [0xfe, 0xed, 0xfa, 0xcf], [0xce, 0xfa, 0xed, 0xfe], [0xcf, 0xfa, 0xed, 0xfe], [0xca, 0xfe, 0xba, 0xbe]];
  if (machO.some((m) => startsWith(content, m))) return 'it is a macOS program (Mach-O) or a Java class file';
  if (startsWith(content, [0x23, 0x21])) return 'it is a script (it starts with "#!")';
  const dot = originalName.lastIndexOf('.');
  const extension = dot >= 0 ? originalName.slice(dot + 1).toLowerCase().trim() : '';
  if (EXECUTABLE_EXTENSIONS.has(extension)) return `files ending ".${extension}" are programs or scripts`;
  return null;
}

const SIGNATURES: { type: string; bytes: number[]; at?: number }[] = [
  { type: 'image/png', bytes: [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a] },
  { type: 'image/jpeg', bytes: [0xff, 0xd8, 0xff] },
  { type: 'image/gif', bytes: [0x47, 0x49, 0x46, 0x38] },
  { type: 'application/pdf', bytes: [0x25, 0x50, 0x44, 0x46, 0x2d] },
  { type: 'image/bmp', bytes: [0x42, 0x4d] },
  { type: 'application/zip', bytes: [0x50, 0x4b, 0x03, 0x04] },
];

/** The media type the content shows, or the claimed one when it is plain and harmless, else application/octet-stream. */
export function mediaTypeOf(content: Buffer, claimed: string | undefined): string {
  for (const s of SIGNATURES) if (startsWith(content, s.bytes)) return s.type;
  if (content.length >= 12 && content.subarray(0, 4).toString('latin1') === 'RIFF' && content.subarray(8, 12).toString('latin1') === 'WEBP') return 'image/webp';
  const plain = (claimed ?? '').toLowerCase().split(';')[0]!.trim();
  if (plain === 'text/plain' || plain === 'text/csv') return plain;
  return 'application/octet-stream';
}

/** Types a browser may show inline when the DSL opens the evidence; anything else is downloaded as a file. */
export const VIEWABLE_TYPES = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp', 'application/pdf', 'text/plain']);
