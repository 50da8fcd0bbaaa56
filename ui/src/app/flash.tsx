/** A one-off message shown at the top of the next page ("Your password has been changed."), then forgotten. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { Alert } from '@mantine/core';
import { useLocation } from './router.tsx';

interface Flash { message: string; color: string; seenAt?: string }
interface FlashState { flash: Flash | null; show(message: string, color?: string): void; clear(): void }

const FlashContext = createContext<FlashState | null>(null);

export function FlashProvider({ children }: { children: ReactNode }) {
  const [flash, setFlash] = useState<Flash | null>(null);
  const show = useCallback((message: string, color = 'green') => setFlash({ message, color }), []);
  const clear = useCallback(() => setFlash(null), []);
  return <FlashContext.Provider value={{ flash, show, clear }}>{children}</FlashContext.Provider>;
}

export function useFlash() {
  const ctx = useContext(FlashContext);
  if (!ctx) throw new Error('useFlash outside FlashProvider');
  return ctx;
}

export function FlashOutlet() {
  const { flash, clear } = useFlash();
  const { href } = useLocation();
  const [seen, setSeen] = useState<{ flash: Flash; href: string } | null>(null);
  useEffect(() => {
    if (!flash) return;
    if (!seen || seen.flash !== flash) setSeen({ flash, href });
    else if (seen.href !== href) clear();
  }, [flash, href, seen, clear]);
  if (!flash) return null;
  return (
    <Alert color={flash.color} variant="light" withCloseButton closeButtonLabel="Close this message" onClose={clear} mb="md" role="status">
      {flash.message}
    </Alert>
  );
}
