import { Routes } from '@angular/router';

import { supportOnly } from '../auth/guards';

/** Under `/drones` (signed in): the list, registering (SUPPORT), one drone's page. */
export const DRONE_ROUTES: Routes = [
  {
    path: '',
    title: 'Drones · Hangar',
    loadComponent: () => import('./drone-list.page').then((m) => m.DroneListPage),
  },
  {
    path: 'new',
    title: 'Register drones · Hangar',
    canActivate: [supportOnly],
    loadComponent: () => import('./register.page').then((m) => m.RegisterPage),
  },
  {
    path: ':id',
    title: 'Drone · Hangar',
    loadComponent: () => import('./drone.page').then((m) => m.DronePage),
  },
];
