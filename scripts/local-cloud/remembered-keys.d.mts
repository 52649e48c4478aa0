/** See remembered-keys.mjs: a JSON list of keys in a file, newest first, that passed a check before. */
export function readKeys(file: string): string[];
export function rememberKey(file: string, key: string, kept: number): void;
