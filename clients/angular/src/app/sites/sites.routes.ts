import { Routes } from '@angular/router';

/** Under `/sites` (signed in). */
export const SITE_ROUTES: Routes = [
  {
    path: '',
    title: 'Sites · Hangar',
    loadComponent: () => import('./sites.page').then((m) => m.SitesPage),
  },
];
