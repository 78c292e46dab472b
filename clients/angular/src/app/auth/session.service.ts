import { Injectable, computed, signal } from '@angular/core';

import type { Session } from '../graphql/hangar-link';

/** Who is signed in, as the console shows it. */
export interface Viewer {
  id: string;
  username: string;
  role: 'SUPPORT' | 'MEMBER';
}

const STORAGE_KEY = 'hangar.session';

/**
 * The signed-in user's tokens and profile. The tokens object is the one the Apollo link reads
 * and refreshes in place; it is kept in localStorage so that a reload or a second tab stays
 * signed in (the refresh token rotates on every use, and signing out revokes it).
 */
@Injectable({ providedIn: 'root' })
export class SessionService {
  readonly tokens: Session = { accessToken: null, refreshToken: null };
  readonly viewer = signal<Viewer | null>(null);
  readonly signedIn = computed(() => this.viewer() !== null);
  /** Whether the subscription socket is up: changes by others arrive without a reload. */
  readonly live = signal(false);
  /** Only SUPPORT sees write controls; the server enforces every rule regardless. */
  readonly canWrite = computed(() => this.viewer()?.role === 'SUPPORT');

  constructor() {
    const saved = globalThis.localStorage?.getItem(STORAGE_KEY);
    if (saved) {
      try {
        const { tokens, viewer } = JSON.parse(saved) as { tokens: Session; viewer: Viewer };
        Object.assign(this.tokens, tokens);
        this.viewer.set(viewer);
      } catch {
        globalThis.localStorage?.removeItem(STORAGE_KEY);
      }
    }
  }

  start(tokens: Session, viewer: Viewer): void {
    Object.assign(this.tokens, tokens);
    this.viewer.set(viewer);
    this.save();
  }

  /** After the link refreshed the tokens. */
  save(): void {
    globalThis.localStorage?.setItem(
      STORAGE_KEY,
      JSON.stringify({ tokens: this.tokens, viewer: this.viewer() }),
    );
  }

  end(): void {
    this.tokens.accessToken = this.tokens.refreshToken = null;
    this.viewer.set(null);
    globalThis.localStorage?.removeItem(STORAGE_KEY);
  }
}
