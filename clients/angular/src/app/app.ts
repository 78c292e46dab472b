import { Component, inject } from '@angular/core';
import { Router, RouterLink, RouterLinkActive, RouterOutlet } from '@angular/router';
import { Apollo } from 'apollo-angular';

import { SessionService } from './auth/session.service';
import { graphql } from './graphql/generated';

const SIGN_OUT = graphql(`
  mutation SignOut($refreshToken: String!) {
    logout(refreshToken: $refreshToken)
  }
`);

/** The console's frame: navigation for the signed-in, and who they are. */
@Component({
  selector: 'app-root',
  imports: [RouterOutlet, RouterLink, RouterLinkActive],
  templateUrl: './app.html',
  styleUrl: './app.css',
})
export class App {
  protected readonly session = inject(SessionService);
  private readonly apollo = inject(Apollo);
  private readonly router = inject(Router);

  protected signOut(): void {
    const refreshToken = this.session.tokens.refreshToken;
    const done = () => {
      this.session.end();
      void this.apollo.client.clearStore();
      void this.router.navigate(['/login']);
    };
    if (!refreshToken) return done();
    // Revoke the refresh token server-side; sign out locally whatever the answer.
    this.apollo.mutate({ mutation: SIGN_OUT, variables: { refreshToken } }).subscribe({
      complete: done,
      error: done,
    });
  }
}
