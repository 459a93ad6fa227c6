// Who is logged in, in which account, and how: a password session (cookie + CSRF token, plan of issue 19) or a
// pasted admin token / API key (kept in sessionStorage only, gone when the tab closes).
import { createContext, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { ApiError, request, setCredentials } from './api/client';

export interface Membership {
  readonly id: string;
  readonly name: string;
  readonly role: 'admin' | 'member';
}

export type Session =
  | {
      readonly kind: 'token';
      readonly token: string;
      /** `admin`: the admin token (operator); `owner`: an account's API key. */
      readonly scope: 'admin' | 'owner';
      readonly accountId: string | null;
    }
  | {
      readonly kind: 'user';
      readonly user: { id: string; email: string; name: string; operator: boolean };
      readonly accounts: readonly Membership[];
      readonly csrfToken: string;
      readonly accountId: string | null;
    };

interface LoginAnswer {
  user: { id: string; email: string; name: string; operator: boolean };
  accounts: Membership[];
  csrfToken: string;
}

interface AuthContextValue {
  readonly session: Session | null;
  /** False until the stored session or token has been checked. */
  readonly ready: boolean;
  loginWithPassword(email: string, password: string): Promise<void>;
  loginWithToken(token: string): Promise<void>;
  /** After accepting an invitation, the answer is a login. */
  adoptLogin(answer: LoginAnswer): void;
  switchAccount(accountId: string): void;
  logout(): Promise<void>;
}

const AuthContext = createContext<AuthContextValue | null>(null);
const tokenKey = 'joinery.token';
const accountKey = 'joinery.account';

function userSession(answer: LoginAnswer): Session {
  const stored = sessionStorage.getItem(accountKey);
  const accountId = answer.accounts.find((a) => a.id === stored)?.id ?? answer.accounts[0]?.id ?? null;
  return { kind: 'user', ...answer, accountId };
}

function apply(session: Session | null): void {
  if (session === null) setCredentials(null);
  else if (session.kind === 'token') setCredentials({ kind: 'token', token: session.token });
  else setCredentials({ kind: 'session', csrfToken: session.csrfToken, accountId: session.accountId });
}

async function tokenSession(token: string): Promise<Session> {
  setCredentials({ kind: 'token', token });
  const who = await request<{ accountId: string | null; scope: 'admin' | 'owner' }>('GET', '/api/v1/whoami');
  return { kind: 'token', token, scope: who.scope, accountId: who.accountId };
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const [session, setSession] = useState<Session | null>(null);
  const [ready, setReady] = useState(false);

  const set = useCallback((next: Session | null) => {
    apply(next);
    setSession(next);
  }, []);

  useEffect(() => {
    void (async () => {
      const token = sessionStorage.getItem(tokenKey);
      try {
        if (token !== null) set(await tokenSession(token));
        else set(userSession(await request<LoginAnswer>('GET', '/api/v1/auth/session')));
      } catch {
        if (token !== null) sessionStorage.removeItem(tokenKey);
        set(null);
      } finally {
        setReady(true);
      }
    })();
  }, [set]);

  const value = useMemo<AuthContextValue>(
    () => ({
      session,
      ready,
      async loginWithPassword(email, password) {
        set(null);
        set(userSession(await request<LoginAnswer>('POST', '/api/v1/auth/login', { email, password })));
      },
      async loginWithToken(token) {
        try {
          const next = await tokenSession(token.trim());
          sessionStorage.setItem(tokenKey, token.trim());
          set(next);
        } catch (err) {
          set(null);
          throw err;
        }
      },
      adoptLogin(answer) {
        set(userSession(answer));
      },
      switchAccount(accountId) {
        if (session?.kind !== 'user') return;
        sessionStorage.setItem(accountKey, accountId);
        set({ ...session, accountId });
      },
      async logout() {
        sessionStorage.removeItem(tokenKey);
        if (session?.kind === 'user') {
          try {
            await request('POST', '/api/v1/auth/logout');
          } catch (err) {
            if (!(err instanceof ApiError)) throw err;
          }
        }
        set(null);
      },
    }),
    [session, ready, set],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthContextValue {
  const value = useContext(AuthContext);
  if (value === null) throw new Error('useAuth outside AuthProvider');
  return value;
}

/** What the caller may see: operator pages, account pages, and changes (members are read-only). */
export function rolesOf(session: Session | null): {
  operator: boolean;
  inAccount: boolean;
  canChange: boolean;
} {
  if (session === null) return { operator: false, inAccount: false, canChange: false };
  if (session.kind === 'token')
    return { operator: session.scope === 'admin', inAccount: session.accountId !== null, canChange: true };
  const role = session.accounts.find((a) => a.id === session.accountId)?.role;
  return {
    operator: session.user.operator,
    inAccount: session.accountId !== null,
    canChange: role === 'admin',
  };
}

/** `rolesOf` the current session. */
export function useRoles(): ReturnType<typeof rolesOf> {
  return rolesOf(useAuth().session);
}
