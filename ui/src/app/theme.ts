/** Osprey's look: a calm blue-teal, generous spacing, clear focus rings, readable contrast. */
import { Alert, createTheme, type MantineColorsTuple } from '@mantine/core';

const osprey: MantineColorsTuple = [
  '#e9f4f7', '#d4e7ed', '#a8cfdb', '#78b4c6', '#519db4', '#3a8ea8', '#2b7f9a', '#1f6b85', '#165d75', '#0b4f66',
];

export const theme = createTheme({
  primaryColor: 'osprey',
  primaryShade: 7,
  colors: { osprey },
  fontFamily: 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif',
  headings: { fontWeight: '650' },
  defaultRadius: 'md',
  focusRing: 'auto',
  cursorType: 'pointer',
  components: {
    // Alert titles in the body text colour: the coloured background carries the tone, the text stays readable.
    Alert: Alert.extend({ styles: { title: { color: 'var(--mantine-color-text)' }, message: { color: 'var(--mantine-color-text)' } } }),
  },
});
