import { ApolloClient, ApolloLink, Observable, gql } from '@apollo/client';
import { describe, expect, it } from 'vitest';

import { Session, hangarCache, hangarLink } from './hangar-link';

const ME = gql`
  query Me {
    me {
      id
    }
  }
`;

/** An HTTP link stand-in: answers each request with the next scripted answer (or, given a
 * function, by the Authorization header it carried), and records those headers. */
function scriptedHttp(answers: object[] | ((authorization?: string) => object)) {
  const seen: (string | undefined)[] = [];
  const link = new ApolloLink(
    (operation) =>
      new Observable((observer) => {
        const authorization = operation.getContext()['headers']?.Authorization;
        seen.push(authorization);
        const answer = Array.isArray(answers) ? answers.shift() : answers(authorization);
        observer.next(answer ?? { errors: [{ message: 'no more answers' }] });
        observer.complete();
      }),
  );
  return { link, seen };
}

const unauthenticated = {
  errors: [{ message: 'the access token has expired', extensions: { code: 'UNAUTHENTICATED' } }],
};
const me = { data: { me: { __typename: 'User', id: '1' } } };

/** A refresh endpoint stand-in that counts its calls and hands out numbered tokens. */
function refresher(ok = true) {
  const calls: string[] = [];
  const fetchImpl = (async (_url: unknown, init?: RequestInit) => {
    const { variables } = JSON.parse(String(init?.body));
    calls.push(variables.t);
    const n = calls.length;
    const body = ok
      ? { data: { refreshToken: { accessToken: `access-${n}`, refreshToken: `refresh-${n}`, expiresIn: 900 } } }
      : { errors: [{ message: 'refresh token revoked', extensions: { code: 'UNAUTHENTICATED' } }] };
    return new Response(JSON.stringify(body));
  }) as typeof fetch;
  return { calls, fetchImpl };
}

function client(httpLink: ApolloLink, session: Session, fetchImpl: typeof fetch, ended: () => void = () => {}) {
  // No persisted-query hashing in these tests: APQ sits between the chain and HTTP, and the
  // scripted link answers whatever it is sent.
  return new ApolloClient({
    link: hangarLink({
      httpLink,
      graphqlUrl: 'http://hangar.test/graphql',
      wsUrl: 'ws://hangar.test/graphql/ws',
      session,
      fetchImpl,
      onSessionEnd: ended,
    }),
    cache: hangarCache(),
  });
}

describe('hangarLink over HTTP', () => {
  it('sends queries as persisted-query hashes, but uploads whole (no APQ round trip with the file)', async () => {
    const extensions: unknown[] = [];
    const link = new ApolloLink(
      (operation) =>
        new Observable((observer) => {
          extensions.push(operation.extensions['persistedQuery'] ?? null);
          observer.next(me);
          observer.complete();
        }),
    );
    const session = { accessToken: 'access-0', refreshToken: 'refresh-0' };
    const apollo = client(link, session, refresher().fetchImpl);
    await apollo.query({ query: ME });
    await apollo.mutate({ mutation: gql`mutation Up { me: logout(refreshToken: "x") }`, context: { useMultipart: true } });
    expect(extensions[0]).toMatchObject({ version: 1 });
    expect(extensions[1]).toBeNull();
  });

  it('sends the access token as a bearer header', async () => {
    const http = scriptedHttp([me]);
    const session = { accessToken: 'access-0', refreshToken: 'refresh-0' };
    await client(http.link, session, refresher().fetchImpl).query({ query: ME });
    expect(http.seen).toEqual(['Bearer access-0']);
  });

  it('refreshes once on UNAUTHENTICATED and retries with the new token', async () => {
    const http = scriptedHttp([unauthenticated, me]);
    const refresh = refresher();
    const session = { accessToken: 'access-0', refreshToken: 'refresh-0' };
    const result = await client(http.link, session, refresh.fetchImpl).query({ query: ME });
    expect(result.data).toEqual({ me: { __typename: 'User', id: '1' } });
    expect(refresh.calls).toEqual(['refresh-0']);
    expect(http.seen).toEqual(['Bearer access-0', 'Bearer access-1']);
    expect(session).toEqual({ accessToken: 'access-1', refreshToken: 'refresh-1' });
  });

  it('retries only once: a second UNAUTHENTICATED is the answer', async () => {
    const http = scriptedHttp([unauthenticated, unauthenticated, me]);
    const refresh = refresher();
    const session = { accessToken: 'access-0', refreshToken: 'refresh-0' };
    await expect(client(http.link, session, refresh.fetchImpl).query({ query: ME })).rejects.toThrow(
      /expired/,
    );
    expect(refresh.calls.length).toBe(1);
    expect(http.seen.length).toBe(2);
  });

  it('ends the session when the refresh token is refused', async () => {
    const http = scriptedHttp([unauthenticated]);
    let ended = 0;
    const session = { accessToken: 'access-0', refreshToken: 'refresh-0' };
    await expect(
      client(http.link, session, refresher(false).fetchImpl, () => (ended += 1)).query({ query: ME }),
    ).rejects.toThrow();
    expect(ended).toBe(1);
    expect(session).toEqual({ accessToken: null, refreshToken: null });
  });

  it('shares one refresh between requests that fail together', async () => {
    // As the server does: the old token is refused, the new one accepted.
    const both = { data: { me: { __typename: 'User', id: '1', username: 'admin' } } };
    const http = scriptedHttp((authorization) =>
      authorization === 'Bearer access-1' ? both : unauthenticated,
    );
    const refresh = refresher();
    const session = { accessToken: 'access-0', refreshToken: 'refresh-0' };
    const apollo = client(http.link, session, refresh.fetchImpl);
    const other = gql`
      query Other {
        me {
          id
          username
        }
      }
    `;
    const answers = await Promise.allSettled([
      apollo.query({ query: ME }),
      apollo.query({ query: other }),
    ]);
    expect(answers.map((a) => (a.status === 'rejected' ? String(a.reason) : a.status))).toEqual(['fulfilled', 'fulfilled']);
    expect(refresh.calls).toEqual(['refresh-0']);
    expect(http.seen.filter((h) => h === 'Bearer access-1').length).toBe(2);
  });
});

/** A WebSocket stand-in speaking graphql-transport-ws: it records each connection's init
 * payload, closes the first connection with 4403 (token expired) once subscribed, and answers
 * the next one. */
function scriptedSockets() {
  const inits: unknown[] = [];
  let connections = 0;
  class FakeSocket {
    static readonly CONNECTING = 0;
    static readonly OPEN = 1;
    static readonly CLOSING = 2;
    static readonly CLOSED = 3;
    readonly protocol = 'graphql-transport-ws';
    readyState = 0;
    onopen: (() => void) | null = null;
    onmessage: ((event: { data: string }) => void) | null = null;
    onclose: ((event: { code: number; reason: string }) => void) | null = null;
    onerror: (() => void) | null = null;
    private readonly n = ++connections;
    constructor() {
      setTimeout(() => {
        this.readyState = 1;
        this.onopen?.();
      });
    }
    send(raw: string): void {
      const message = JSON.parse(raw);
      if (message.type === 'connection_init') {
        inits.push(message.payload);
        this.reply({ type: 'connection_ack' });
      } else if (message.type === 'subscribe') {
        if (this.n === 1) {
          this.close(4403, 'Forbidden: the access token has expired');
        } else {
          this.reply({ type: 'next', id: message.id, payload: { data: { droneEvents: { __typename: 'DroneEvent', kind: 'CREATED', droneId: '7' } } } });
          this.reply({ type: 'complete', id: message.id });
        }
      }
    }
    close(code = 1000, reason = ''): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      setTimeout(() => this.onclose?.({ code, reason }));
    }
    private reply(message: object): void {
      setTimeout(() => this.onmessage?.({ data: JSON.stringify(message) }));
    }
  }
  return { FakeSocket, inits };
}

describe('hangarLink over graphql-ws', () => {
  it('reconnects after the server closes with 4403, with a freshly refreshed token', async () => {
    const sockets = scriptedSockets();
    const refresh = refresher();
    const session = { accessToken: 'access-0', refreshToken: 'refresh-0' };
    const states: boolean[] = [];
    const apollo = new ApolloClient({
      link: hangarLink({
        httpLink: scriptedHttp([]).link,
        graphqlUrl: 'http://hangar.test/graphql',
        wsUrl: 'ws://hangar.test/graphql/ws',
        session,
        fetchImpl: refresh.fetchImpl,
        webSocketImpl: sockets.FakeSocket,
        onSocket: (connected) => states.push(connected),
      }),
      cache: hangarCache(),
    });
    const event = await new Promise((resolve, reject) => {
      apollo
        .subscribe({ query: gql`subscription { droneEvents { kind droneId } }` })
        .subscribe({ next: (value) => resolve(value.data), error: reject });
    });
    expect(event).toEqual({ droneEvents: { __typename: 'DroneEvent', kind: 'CREATED', droneId: '7' } });
    expect(sockets.inits).toEqual([
      { Authorization: 'Bearer access-0' },
      { Authorization: 'Bearer access-1' },
    ]);
    expect(refresh.calls).toEqual(['refresh-0']);
    // Up, dropped by the 4403, up again: what the console's "live" mark shows.
    expect(states.slice(0, 3)).toEqual([true, false, true]);
  });
});
