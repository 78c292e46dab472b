import { Routes } from '@angular/router';

import { signedIn } from './auth/guards';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'drones' },
  {
    path: 'login',
    title: 'Sign in · Hangar',
    loadComponent: () => import('./pages/login.page').then((m) => m.LoginPage),
  },
  {
    path: 'drones',
    title: 'Drones · Hangar',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/drone-list.page').then((m) => m.DroneListPage),
  },
  { path: '**', redirectTo: 'drones' },
];
