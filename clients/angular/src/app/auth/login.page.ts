import { Component, inject, input, signal } from '@angular/core';
import { FormsModule } from '@angular/forms';
import { Router } from '@angular/router';
import { Apollo } from 'apollo-angular';

import { SessionService } from './session.service';
import { graphql } from '../graphql/generated';
import { problemsOf } from '../shared/errors';
import { FormErrors } from '../shared/fields';

const SIGN_IN = graphql(`
  mutation SignIn($username: String!, $password: String!) {
    login(username: $username, password: $password) {
      accessToken
      refreshToken
      user {
        id
        username
        role
      }
    }
  }
`);

@Component({
  selector: 'app-login-page',
  imports: [FormsModule],
  template: `
    <form class="card login" (ngSubmit)="signIn()" aria-labelledby="sign-in-title">
      <h1 id="sign-in-title">Sign in to Hangar</h1>
      <label>
        Username
        <input
          name="username"
          [(ngModel)]="username"
          autocomplete="username"
          required
          autofocus
          [attr.aria-invalid]="!!errors.at('username')"
          [attr.aria-describedby]="errors.at('username') ? 'username-error' : null"
        />
      </label>
      @if (errors.at('username'); as message) {
        <span class="error" id="username-error">{{ message }}</span>
      }
      <label>
        Password
        <input
          name="password"
          type="password"
          [(ngModel)]="password"
          autocomplete="current-password"
          required
          [attr.aria-invalid]="!!errors.at('password')"
          [attr.aria-describedby]="errors.at('password') ? 'password-error' : null"
        />
      </label>
      @if (errors.at('password'); as message) {
        <span class="error" id="password-error">{{ message }}</span>
      }
      @if (errors.form(); as message) {
        <p class="error" role="alert">{{ message }}</p>
      }
      <button type="submit" [disabled]="busy() || !username || !password">
        {{ busy() ? 'Signing in…' : 'Sign in' }}
      </button>
    </form>
  `,
  styles: `
    .login {
      max-width: 22rem;
      margin: 4rem auto;
      display: flex;
      flex-direction: column;
      gap: 0.9rem;
    }
  `,
})
export class LoginPage {
  /** Where to go after signing in (the page that sent the user here). */
  readonly next = input<string>();
  protected username = '';
  protected password = '';
  protected readonly busy = signal(false);
  /** Errors beside the field `extensions.field` names; a refused sign-in in words, for the form. */
  protected readonly errors = new FormErrors(['username', 'password']);
  private readonly apollo = inject(Apollo);
  private readonly session = inject(SessionService);
  private readonly router = inject(Router);

  protected signIn(): void {
    this.busy.set(true);
    this.errors.clear();
    this.apollo
      .mutate({ mutation: SIGN_IN, variables: { username: this.username, password: this.password } })
      .subscribe({
        next: ({ data }) => {
          const login = data!.login;
          this.session.start(
            { accessToken: login.accessToken, refreshToken: login.refreshToken },
            login.user,
          );
          void this.router.navigateByUrl(this.next() || '/drones');
        },
        error: (error: unknown) => {
          this.busy.set(false);
          if (problemsOf(error).some((p) => p.code === 'UNAUTHENTICATED')) {
            this.errors.clear();
            this.errors.form.set('The username or password is wrong.');
          } else {
            this.errors.show(error);
          }
        },
      });
  }
}
