import { Routes } from '@angular/router';

import { signedIn, supportOnly } from './auth/guards';

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
  {
    path: 'drones/new',
    title: 'Register drones · Hangar',
    canActivate: [signedIn, supportOnly],
    loadComponent: () => import('./pages/register.page').then((m) => m.RegisterPage),
  },
  {
    path: 'drones/:id',
    title: 'Drone · Hangar',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/drone.page').then((m) => m.DronePage),
  },
  {
    path: 'sites',
    title: 'Sites · Hangar',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/sites.page').then((m) => m.SitesPage),
  },
  {
    path: 'dashboard',
    title: 'Dashboard · Hangar',
    canActivate: [signedIn],
    loadComponent: () => import('./pages/dashboard.page').then((m) => m.DashboardPage),
  },
  { path: '**', redirectTo: 'drones' },
];
