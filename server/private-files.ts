import fs from 'node:fs';

/**
 * Owner-only modes for the data folder and the secrets in it (the database holds sealed mailbox tokens and
 * every ticket; secret.key opens the tokens). Modes are set explicitly, not left to the umask: a usual umask
 * of 022 would make them readable by every local account, and a file made by an older version keeps its mode.
 */
export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates `dir` if needed and makes it owner-only, whatever it was before. */
export function ensurePrivateDirectory(dir: string): void {
  fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates the directory for a file if missing, owner-only; an existing directory is left as it is. */
export function ensureParentDirectory(dir: string): void {
  if (fs.mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE }) !== undefined) fs.chmodSync(dir, PRIVATE_DIR_MODE);
}

/** Creates `file` empty if missing (so no one else can open it between creation and chmod) and makes it owner-only. */
export function ensurePrivateFile(file: string): void {
  fs.closeSync(fs.openSync(file, 'a', PRIVATE_FILE_MODE));
  fs.chmodSync(file, PRIVATE_FILE_MODE);
}

/** Makes `file` owner-only if it exists (files other programs create, such as SQLite's WAL and SHM). */
export function makePrivateIfExists(file: string): void {
  try {
    fs.chmodSync(file, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
}
