import { CombinedGraphQLErrors, ServerError } from '@apollo/client/errors';

/** What a support person reads for each of the API's error codes. */
const MESSAGES: Record<string, string> = {
  UNAUTHENTICATED: 'Your session has ended. Please sign in again.',
  FORBIDDEN: 'Your account may not do this. Ask the support team.',
  NOT_FOUND: 'It no longer exists: someone may have deleted it. Reload to see the current state.',
  CONFLICT: 'This clashes with what is already recorded.',
  TOO_MANY_REQUESTS: 'Too many attempts. Please wait a moment and try again.',
  SERVICE_UNAVAILABLE: 'Hangar is busy or restarting. Please try again in a few seconds.',
  TIMEOUT: 'This took too long. Narrow the search or try again.',
  INTERNAL_SERVER_ERROR: 'Something went wrong on the server. Please try again; if it keeps happening, tell the support team.',
};

/** One problem, worded for people, with the path of the input it is about when the server
 * named one (`extensions.field`, BAD_USER_INPUT only: `fieldOf` in fields.ts reads it). */
export interface Problem {
  code: string;
  message: string;
  field?: string;
}

/** The problems in an Apollo error: the server's own message for input errors, a worded one for the rest. */
export function problemsOf(error: unknown): Problem[] {
  if (CombinedGraphQLErrors.is(error)) {
    return error.errors.map((e) => {
      const code = String(e.extensions?.['code'] ?? 'INTERNAL_SERVER_ERROR');
      const path = e.extensions?.['field'];
      const field = typeof path === 'string' ? path : undefined;
      // Input errors and conflicts say what is wrong with the input: show them as they are.
      const own = code === 'BAD_USER_INPUT' || code === 'CONFLICT' || code === 'NOT_FOUND';
      return { code, message: own ? e.message : (MESSAGES[code] ?? e.message), field };
    });
  }
  if (ServerError.is(error)) {
    return [{ code: 'SERVICE_UNAVAILABLE', message: MESSAGES['SERVICE_UNAVAILABLE'] }];
  }
  return [{ code: 'NETWORK', message: 'Hangar cannot be reached. Check your connection and try again.' }];
}

export function messageOf(error: unknown): string {
  return problemsOf(error)
    .map((p) => p.message)
    .join(' ');
}
