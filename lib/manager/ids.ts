import { left, right, type Either } from 'fp-ts/lib/Either.js';

const SAFE_ID = /^[A-Za-z0-9._-]{1,128}$/;

/**
 * M6: an id names files in the data dir (`logs/<id>-stdout.log`,
 * `pids/<id>.pid`), so it must be a safe file name: 1–128 of
 * `[A-Za-z0-9._-]`, and not `.` or `..`.
 */
export const checkId = (id: string): Either<string, string> => {
  if (!SAFE_ID.test(id) || id === '.' || id === '..') {
    const shown = JSON.stringify(id.length > 40 ? `${id.slice(0, 37)}...` : id);
    return left(`invalid daemon id ${shown}: an id is 1–128 characters of A–Z, a–z, 0–9, '.', '_' and '-', and not '.' or '..'`);
  }
  return right(id);
};
