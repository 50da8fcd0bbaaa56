/** A one-off message shown at the top of the next page ("Your password has been changed."), then forgotten. */
import { createContext, useCallback, useContext, useEffect, useState, type ReactNode } from 'react';
import { Alert } from '@mantine/core';
import { useLocation } from './router.tsx';

/** seenAt: the address where the message was first shown; moving to another address forgets it. */
interface Flash { message: string; color: string; seenAt?: string }
interface FlashState { flash: Flash | null; show(message: string, color?: string): void; clear(): void; markSeen(href: string): void }

const FlashContext = createContext<FlashState | null>(null);

export function FlashProvider({ children }: { children: ReactNode }) {
  const [flash, setFlash] = useState<Flash | null>(null);
  const show = useCallback((message: string, color = 'green') => setFlash({ message, color }), []);
  const clear = useCallback(() => setFlash(null), []);
  const markSeen = useCallback((href: string) => setFlash((f) => (f && !f.seenAt ? { ...f, seenAt: href } : f)), []);
  return <FlashContext.Provider value={{ flash, show, clear, markSeen }}>{children}</FlashContext.Provider>;
}

export function useFlash() {
  const ctx = useContext(FlashContext);
  if (!ctx) throw new Error('useFlash outside FlashProvider');
  return ctx;
}

export function FlashOutlet() {
  const { flash, clear, markSeen } = useFlash();
  const { href } = useLocation();
  useEffect(() => {
    if (!flash) return;
    if (!flash.seenAt) markSeen(href);
    else if (flash.seenAt !== href) clear();
  }, [flash, href, clear, markSeen]);
  if (!flash || (flash.seenAt && flash.seenAt !== href)) return null;
  return (
    <Alert color={flash.color} variant="light" withCloseButton closeButtonLabel="Close this message" onClose={clear} mb="md" role="status">
      {flash.message}
    </Alert>
  );
}
