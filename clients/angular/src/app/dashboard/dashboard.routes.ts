import { Routes } from '@angular/router';

/** Under `/dashboard` (signed in). */
export const DASHBOARD_ROUTES: Routes = [
  {
    path: '',
    title: 'Dashboard · Hangar',
    loadComponent: () => import('./dashboard.page').then((m) => m.DashboardPage),
  },
];
