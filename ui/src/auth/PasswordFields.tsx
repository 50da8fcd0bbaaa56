/** New password + confirmation, with the rule explained the same way everywhere. */
import { PasswordInput, Stack, Text } from '@mantine/core';
import { MIN_PASSWORD_LENGTH, passwordProblem } from '../../../src/platform/auth/password-rules.ts';

export const PASSWORD_RULE = `At least ${MIN_PASSWORD_LENGTH} characters. Three random words work well, for example “otter-violet-harbour”. Do not use your username.`;

/** What is wrong with a new password, in the same words as the server, or null when it looks fine. */
export function newPasswordProblem(password: string, confirm: string, username = ''): { password?: string; confirm?: string } {
  const out: { password?: string; confirm?: string } = {};
  const problem = passwordProblem(password, username);
  if (problem) out.password = problem;
  if (confirm !== password) out.confirm = 'The two passwords are not the same. Type the new password again.';
  return out;
}

export function PasswordFields({ password, confirm, onPassword, onConfirm, errors, label = 'New password' }: {
  password: string; confirm: string; onPassword(v: string): void; onConfirm(v: string): void;
  errors: { password?: string; confirm?: string }; label?: string;
}) {
  return (
    <Stack gap="sm">
      <PasswordInput label={label} description={PASSWORD_RULE} value={password} onChange={(e) => onPassword(e.currentTarget.value)}
        error={errors.password} autoComplete="new-password" required visibilityToggleButtonProps={{ 'aria-label': 'Show or hide the password' }} />
      <PasswordInput label={`Type the ${label.toLowerCase()} again`} value={confirm} onChange={(e) => onConfirm(e.currentTarget.value)}
        error={errors.confirm} autoComplete="new-password" required visibilityToggleButtonProps={{ 'aria-label': 'Show or hide the password' }} />
      <Text fz="xs" c="dimmed">Keep it to yourself: nobody from the school or Osprey will ever ask for it.</Text>
    </Stack>
  );
}
