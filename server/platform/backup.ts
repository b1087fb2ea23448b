// What a backup copy is made into once SQLite's online backup has written it: a file without live credentials.
import type { Db } from './db.ts';

/** Deletes sessions and the stored session secret, then rewrites the file so no freed page still holds them. */
export function scrubCredentials(copy: Db): void {
  copy.exec("DELETE FROM sessions; DELETE FROM app_meta WHERE key = 'session_secret';");
  // One self-contained file, no WAL beside it; VACUUM rebuilds every page, leaving none of the deleted rows.
  copy.pragma('journal_mode = DELETE');
  copy.exec('VACUUM');
}

/** The copy's integrity check ("ok" when whole) and how many pledges it holds. */
export function checkCopy(copy: Db): { integrity: unknown; pledges: number } {
  return {
    integrity: copy.pragma('integrity_check', { simple: true }),
    pledges: copy.prepare('SELECT count(*) FROM pledges').pluck().get() as number,
  };
}
