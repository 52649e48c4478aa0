import { createHash } from 'node:crypto';
import { createRequire } from 'node:module';
import { readKeys, rememberKey } from '../remembered-keys.mjs';

/** How many passed definitions a file remembers (machines x recent edits). */
const KEPT = 200;

/**
 * Definitions asl-validator has passed, so the same text is not validated again: the validator
 * builds and compiles its JSON schema anew on every call, 0.2-0.45 s of CPU on two cores for this
 * project's order machine (measured: `new StateMachine(definition)`, first and second call in one
 * process), which CreateStateMachine paid on every deploy, and `sls offline start` on every start.
 * The key is the definition's text and the validator's version, so an edited definition, or
 * another asl-validator, is validated as before; a definition that failed is never remembered.
 *
 * With a file, what passed is remembered across processes (the local cloud's work directory);
 * without one, for the life of the process.
 */
export class ValidatedDefinitions {
  private readonly known: Set<string>;

  constructor(private readonly file?: string) {
    this.known = new Set(file ? readKeys(file) : []);
  }

  has(definition: string): boolean {
    return this.known.has(keyOf(definition));
  }

  add(definition: string): void {
    const key = keyOf(definition);
    if (this.known.has(key)) return;
    this.known.add(key);
    if (this.file) rememberKey(this.file, key, KEPT);
  }
}

let validatorVersion: string | undefined;

/** asl-validator's version, as aws-local-stepfunctions resolves it. */
function aslValidatorVersion(): string {
  if (validatorVersion === undefined) {
    try {
      const require = createRequire(import.meta.url);
      const fromInterpreter = createRequire(require.resolve('aws-local-stepfunctions'));
      validatorVersion = String((fromInterpreter('asl-validator/package.json') as { version?: string }).version);
    } catch {
      validatorVersion = 'unknown';
    }
  }
  return validatorVersion;
}

function keyOf(definition: string): string {
  return createHash('sha256').update(`asl-validator@${aslValidatorVersion()}\n${definition}`).digest('hex');
}
