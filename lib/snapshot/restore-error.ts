/**
 * Why a snapshot was not restored. Every code means "nothing was adopted and
 * nothing was signalled".
 * - `EINVALID`: the input is not a snapshot; `field` names the bad field.
 * - `EOWNPID`: the pid is the supervisor's own.
 * - `EBOOT`: taken in another boot (or on another OS), so its pid means nothing now.
 * - `EDEAD`: the process is gone (a zombie counts as gone).
 * - `EFOREIGN`: it exists but belongs to a user this supervisor may not signal.
 * - `EHIDDEN`: it exists, but /proc does not show it, so whether it is the
 *   recorded process cannot be told: it is neither adopted nor gone, and
 *   nothing may be spawned in its place.
 * - `EPIDREUSED`: the pid now belongs to a process with another start time.
 * - `ETOKEN`: the token given does not match the recorded hash.
 */
export interface RestoreError {
  readonly code: 'EINVALID' | 'EOWNPID' | 'EBOOT' | 'EDEAD' | 'EFOREIGN' | 'EHIDDEN' | 'EPIDREUSED' | 'ETOKEN';
  readonly message: string;
  readonly field?: string;
}

export const restoreError = (code: RestoreError['code'], message: string, field?: string): RestoreError =>
  field === undefined ? { code, message } : { code, message, field };
