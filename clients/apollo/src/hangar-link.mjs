// The Apollo link chain and cache for Hangar, framework-neutral: the Angular app wraps it in
// `provideApollo` (README, "Connecting an Angular app"), and test/apollo.mjs runs it in Node.
//
//   auth header ─ token refresh on UNAUTHENTICATED ─┬─ subscriptions → graphql-ws (/graphql/ws)
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

/** SHA-256 in hex with WebCrypto (browsers and Node >= 20), for Automatic Persisted Queries. */
export async function sha256(text) {
  const digest = await globalThis.crypto.subtle.digest('SHA-256', new TextEncoder().encode(text));
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** Lists are Relay connections: pages fetched with `after` merge into one list per filter/order. */
export function hangarCache() {
  const paged = () => relayStylePagination(['filter', 'orderBy']);
  return new InMemoryCache({
    typePolicies: {
      Query: { fields: { drones: paged(), cameras: paged(), users: paged() } },
    },
  });
}

/**
 * @param {object} options
 * @param {ApolloLink} options.httpLink    HttpLink to `/graphql` (Angular: apollo-angular's HttpLink.create)
 * @param {string} options.graphqlUrl      absolute URL of `/graphql`, used to refresh tokens
 * @param {string} options.wsUrl           `ws(s)://…/graphql/ws`
 * @param {{accessToken: ?string, refreshToken: ?string}} options.session  read and updated in place
 * @param {Function} [options.onSessionEnd] called when the refresh token is refused: send the user to login
 * @param {Function} [options.webSocketImpl] WebSocket class (Node: the `ws` package; browsers: omit)
 */
export function hangarLink({ httpLink, graphqlUrl, wsUrl, session, onSessionEnd, webSocketImpl }) {
  let refreshing = null;
  const refresh = () => {
    // One refresh at a time: concurrent failures wait for the same new token.
    refreshing ??= fetch(graphqlUrl, {
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
      })
      .finally(() => {
        refreshing = null;
      });
    return refreshing;
  };

  const auth = new SetContextLink((context) => ({
    headers: {
      ...context.headers,
      ...(session.accessToken ? { Authorization: `Bearer ${session.accessToken}` } : {}),
    },
  }));

  const renewOnExpiry = new ErrorLink(({ error, operation, forward }) => {
    const expired =
      CombinedGraphQLErrors.is(error) &&
      error.errors.some((e) => e.extensions?.code === 'UNAUTHENTICATED');
    if (!expired || !session.refreshToken || operation.getContext().retried) return;
    operation.setContext({ retried: true });
    return from(refresh()).pipe(switchMap(() => forward(operation)));
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
        closed: (event) => {
          if (event?.code === 4403) socketTokenExpired = true;
        },
      },
      lazy: true,
    }),
  );

  const apq = new PersistedQueryLink({ sha256, useGETForHashedQueries: true });

  return ApolloLink.from([
    renewOnExpiry,
    auth,
    ApolloLink.split((op) => op.operationType === 'subscription', ws, apq.concat(httpLink)),
  ]);
}
