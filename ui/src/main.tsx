import '@mantine/core/styles.css';
import './app/styles.css';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { MantineProvider } from '@mantine/core';
import { App } from './app/App.tsx';
import { AuthProvider } from './app/auth.tsx';
import { FlashProvider } from './app/flash.tsx';
import { RouterProvider } from './app/router.tsx';
import { theme } from './app/theme.ts';

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <MantineProvider theme={theme} defaultColorScheme="light">
      <RouterProvider>
        <AuthProvider>
          <FlashProvider>
            <App />
          </FlashProvider>
        </AuthProvider>
      </RouterProvider>
    </MantineProvider>
  </StrictMode>,
);
