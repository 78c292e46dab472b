// One lazy route file per feature folder: each feature owns its pages, routes and documents.
import { Routes } from '@angular/router';

import { signedIn } from './auth/guards';

export const routes: Routes = [
  { path: '', pathMatch: 'full', redirectTo: 'drones' },
  { path: 'login', loadChildren: () => import('./auth/auth.routes').then((m) => m.AUTH_ROUTES) },
  {
    path: 'drones',
    canActivate: [signedIn],
    loadChildren: () => import('./drones/drones.routes').then((m) => m.DRONE_ROUTES),
  },
  {
    path: 'sites',
    canActivate: [signedIn],
    loadChildren: () => import('./sites/sites.routes').then((m) => m.SITE_ROUTES),
  },
  {
    path: 'dashboard',
    canActivate: [signedIn],
    loadChildren: () => import('./dashboard/dashboard.routes').then((m) => m.DASHBOARD_ROUTES),
  },
  { path: '**', redirectTo: 'drones' },
];
