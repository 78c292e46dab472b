// app.config.ts: the console's providers. The README's "Connecting an Angular app" quotes this
// file (a CI check fails when the two differ).
import { ApplicationConfig, inject, provideBrowserGlobalErrorListeners } from '@angular/core';
import { provideHttpClient } from '@angular/common/http';
import { Router, provideRouter, withComponentInputBinding } from '@angular/router';
import { provideApollo } from 'apollo-angular';
import { HttpLink } from 'apollo-angular/http';
import extractFiles from 'extract-files/extractFiles.mjs';
import isExtractableFile from 'extract-files/isExtractableFile.mjs';

import { routes } from './app.routes';
import { SessionService } from './auth/session.service';
import { hangarCache, hangarLink } from './graphql/hangar-link';

export const appConfig: ApplicationConfig = {
  providers: [
    provideBrowserGlobalErrorListeners(),
    provideRouter(routes, withComponentInputBinding()),
    provideHttpClient(),
    provideApollo(() => {
      const router = inject(Router);
      const session = inject(SessionService);
      const graphqlUrl = new URL('/graphql', location.href).toString();
      return {
        link: hangarLink({
          httpLink: inject(HttpLink).create({
            uri: graphqlUrl,
            // Files in variables go as a multipart request (graphql-multipart-request-spec)
            // when an operation's context says `useMultipart: true`.
            extractFiles: (body) => extractFiles(body, isExtractableFile),
          }),
          graphqlUrl,
          wsUrl: graphqlUrl.replace(/^http/, 'ws') + '/ws',
          session: session.tokens,
          onTokens: () => session.save(),
          onSocket: (connected) => session.live.set(connected),
          onSessionEnd: () => {
            session.end();
            router.navigate(['/login']);
          },
        }),
        cache: hangarCache(),
      };
    }),
  ],
};
