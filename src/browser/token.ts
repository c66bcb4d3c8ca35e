// The token handoff: read #token=... from the address once, keep it in sessionStorage, and remove it from the address bar.

export const TOKEN_STORAGE_KEY = 'stylebridge.token';

/** Tokens are 64 lowercase hex characters (docs/protocol.md 1); anything else in the fragment is ignored. */
const TOKEN_IN_HASH = /(?:^#|&)token=([0-9a-f]{64})(?:&|$)/;

export interface TokenEnv {
  readonly location: { readonly hash: string; readonly pathname: string; readonly search: string };
  readonly storage: Pick<Storage, 'getItem' | 'setItem'>;
  readonly history: Pick<History, 'replaceState'>;
}

/** Takes the token from the fragment (and hides it), or returns the one kept for this tab. */
export function takeToken(env: TokenEnv): string | undefined {
  const m = TOKEN_IN_HASH.exec(env.location.hash);
  if (m?.[1]) {
    try { env.storage.setItem(TOKEN_STORAGE_KEY, m[1]); } catch { /* storage disabled: the token lives in memory only */ }
    env.history.replaceState(null, '', env.location.pathname + env.location.search);
    return m[1];
  }
  try { return env.storage.getItem(TOKEN_STORAGE_KEY) ?? undefined; } catch { return undefined; }
}
