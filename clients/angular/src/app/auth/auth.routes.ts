import { Routes } from '@angular/router';

/** Under `/login`: signing in (`?next=` is where to go after). */
export const AUTH_ROUTES: Routes = [
  {
    path: '',
    title: 'Sign in · Hangar',
    loadComponent: () => import('./login.page').then((m) => m.LoginPage),
  },
];
