// The Apollo link chain and cache for Hangar, framework-neutral: app.config.ts wraps it in
// `provideApollo`, and clients/apollo/test/apollo.mjs runs this same file in Node (compiled by
// esbuild in clients/run.sh), so the browser and the CI test share one implementation.
//
//   auth header ─ token refresh on UNAUTHENTICATED ─┬─ subscriptions → graphql-ws (/graphql/ws)
//                                                   ├─ uploads → HTTP (multipart)
//                                                   └─ the rest → APQ (hashes over GET) → HTTP
import { ApolloLink, InMemoryCache } from '@apollo/client';
import { CombinedGraphQLErrors } from '@apollo/client/errors';
import { SetContextLink } from '@apollo/client/link/context';
import { ErrorLink } from '@apollo/client/link/error';
import { PersistedQueryLink } from '@apollo/client/link/persisted-queries';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { relayStylePagination } from '@apollo/client/utilities';
import { createClient } from 'graphql-ws';
import { from, switchMap } from 'rxjs';

const REFRESH = `mutation Refresh($t: String!) {
  refreshToken(refreshToken: $t) { accessToken refreshToken expiresIn }
}`;

/** The tokens of the signed-in user, read and replaced in place by the link. */
export interface Session {
  accessToken: string | null;
  refreshToken: string | null;
}

export interface HangarLinkOptions {
  /** HttpLink to `/graphql` (Angular: apollo-angular's `HttpLink.create`). */
  httpLink: ApolloLink;
  /** Absolute URL of `/graphql`, used to refresh tokens. */
  graphqlUrl: string;
  /** `ws(s)://…/graphql/ws`. */
  wsUrl: string;
  session: Session;
  /** Called after a refresh: persist the new tokens. */
  onTokens?: (session: Session) => void;
  /** Called when the refresh token is refused: send the user to sign in. */
  onSessionEnd?: () => void;
  /** The WebSocket class (Node: the `ws` package; browsers: omit). */
  webSocketImpl?: unknown;
  /** Told when the subscription socket is up (acknowledged) and when it drops: the
   * console's "live" mark. */
  onSocket?: (connected: boolean) => void;
  /** `fetch` for the refresh request (tests pass their own; default: the global one). */
  fetchImpl?: typeof fetch;
}

/** SHA-256 in hex with WebCrypto (browsers and Node >= 20), for Automatic Persisted Queries. */
export async function sha256(text: string): Promise<string> {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Lists are Relay connections: pages fetched with `after` merge into one list per filter/order. */
export function hangarCache(): InMemoryCache {
  const paged = () => relayStylePagination(['filter', 'orderBy']);
  return new InMemoryCache({
    typePolicies: {
      Query: { fields: { drones: paged(), cameras: paged(), users: paged(), sites: paged() } },
    },
  });
}

export function hangarLink(options: HangarLinkOptions): ApolloLink {
  const { httpLink, graphqlUrl, wsUrl, session, onTokens, onSessionEnd, onSocket, webSocketImpl } =
    options;
  const fetchImpl = options.fetchImpl ?? ((input, init) => globalThis.fetch(input, init));
  let refreshing: Promise<void> | null = null;
  const refresh = (): Promise<void> => {
    // One refresh at a time: concurrent failures wait for the same new token.
    refreshing ??= fetchImpl(graphqlUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: REFRESH, variables: { t: session.refreshToken } }),
    })
      .then((response) => response.json())
      .then(({ data, errors }) => {
        if (errors) {
          session.accessToken = session.refreshToken = null;
          onSessionEnd?.();
          throw new Error(errors[0].message);
        }
        session.accessToken = data.refreshToken.accessToken;
        session.refreshToken = data.refreshToken.refreshToken;
        onTokens?.(session);
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  };

  const auth = new SetContextLink((context) => ({
    // Which token this request carried: if it was refused after another request had already
    // refreshed, the retry needs no refresh of its own.
    sentToken: session.accessToken,
    headers: {
      ...context['headers'],
      ...(session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {}),
    },
  }));

  const renewOnExpiry = new ErrorLink(({ error, operation, forward }) => {
    const expired =
      CombinedGraphQLErrors.is(error) &&
      error.errors.some((e) => e.extensions?.['code'] === 'UNAUTHENTICATED');
    if (!expired || !session.refreshToken || operation.getContext()['retried']) return;
    operation.setContext({ retried: true });
    const renewed =
      operation.getContext()['sentToken'] === session.accessToken ? refresh() : Promise.resolve();
    return from(renewed).pipe(switchMap(() => forward(operation)));
  });

  // The server closes a socket with 4403 when its access token expires; the client then
  // reconnects, and connectionParams (run at every connect) refreshes the token first.
  let socketTokenExpired = false;
  const ws = new GraphQLWsLink(
    createClient({
      url: wsUrl,
      webSocketImpl,
      connectionParams: async () => {
        if (socketTokenExpired && session.refreshToken) {
          await refresh();
          socketTokenExpired = false;
        }
        return { Authorization: `Bearer ${session.accessToken}` };
      },
      on: {
        connected: () => onSocket?.(true),
        closed: (event) => {
          onSocket?.(false);
          if ((event as CloseEvent | undefined)?.code === 4403) socketTokenExpired = true;
        },
      },
      lazy: true,
    }),
  );

  const apq = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });

  // An upload (context `useMultipart`) goes straight to HTTP: through APQ its file would be
  // sent twice, once with the hash the server does not know yet and once with the text.
  const http = ApolloLink.split(
    (op) => op.getContext()['useMultipart'] === true,
    httpLink,
    apq.concat(httpLink),
  );

  return ApolloLink.from([
    renewOnExpiry,
    auth,
    ApolloLink.split((op) => op.operationType === 'subscription', ws, http),
  ]);
}
