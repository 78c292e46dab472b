import { inject } from '@angular/core';
import { CanActivateFn, Router } from '@angular/router';

import { SessionService } from './session.service';

/** Pages for the signed-in: others go to sign in, and come back after. */
export const signedIn: CanActivateFn = (_route, state) => {
  if (inject(SessionService).signedIn()) return true;
  return inject(Router).createUrlTree(['/login'], { queryParams: { next: state.url } });
};

/** Pages that only write (register a drone): a MEMBER is sent to the list. */
export const supportOnly: CanActivateFn = () =>
  inject(SessionService).canWrite() || inject(Router).createUrlTree(['/drones']);
