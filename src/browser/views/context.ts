// Gives every view the one Store (and the page's token for audio URLs) without threading props.
import { createContext } from 'preact';
import { useContext } from 'preact/hooks';
import type { Store } from '../store.js';

export interface AppContext {
  readonly store: Store;
  readonly token: () => string | undefined;
  /** Takes a pasted token or address and reconnects; false when it holds no token. */
  readonly useToken: (text: string) => boolean;
}

export const Ctx = createContext<AppContext | undefined>(undefined);

export function useApp(): AppContext {
  const c = useContext(Ctx);
  if (!c) throw new Error('useApp outside the app root');
  return c;
}
