/** The password rules people see (R1.5). Pure, so the web interface checks new passwords with the same words. */
export const MIN_PASSWORD_LENGTH = 10;

const COMMON = new Set(['password', 'password1', 'password123', 'qwertyuiop', '1234567890', 'letmein123', 'welcome123', 'iloveyou12', 'football12', 'changeme12']);

/** Returns what is wrong with a new password, in words a person can act on, or undefined when it is fine. */
export function passwordProblem(password: string, username: string): string | undefined {
  if (password.length < MIN_PASSWORD_LENGTH) return `Choose a password of at least ${MIN_PASSWORD_LENGTH} characters. Three random words work well.`;
  if (password.length > 200) return 'Choose a password of at most 200 characters.';
  // Very short usernames ("jo") would rule out too many good passwords, so only longer ones are checked.
  if (username.trim().length >= 3 && password.toLowerCase().includes(username.trim().toLowerCase())) return 'Choose a password that does not contain your username.';
  if (COMMON.has(password.toLowerCase()) || /^(.)\1+$/.test(password)) return 'That password is too easy to guess. Choose another — three random words work well.';
  return undefined;
}
