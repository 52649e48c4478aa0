/**
 * Wildcard filters ("Content filtering > Wildcard matching" in the EventBridge user guide): `*`
 * stands for any run of characters, `\*` and `\\` for a literal star and backslash; any other
 * escape and two stars in a row are invalid. EventBridge also rejects a rule whose wildcards are
 * too complex to match quickly; the measure is the one aws/event-ruler's MachineComplexityEvaluator
 * defines (how many wildcard-pattern prefixes one worst-case input can keep alive at once).
 */

/** A wildcard token: a literal UTF-8 byte, or STAR for "any run of bytes". */
const STAR = -1;

/** AWS rejects a rule when more than this many wildcard prefixes can be alive at once in one field. */
export const MAX_WILDCARD_COMPLEXITY = 10;

/** Caps the search over worst-case inputs, so validating a pathological pattern stays fast. */
const MAX_EXPLORED_STATE_SETS = 20_000;

export const TOO_COMPLEX_REASON =
  'Rule is too complex - try using fewer wildcard characters or fewer repeating character sequences after a ' +
  'wildcard character';

/**
 * The reason a wildcard value is invalid, or undefined when it is valid. Positions count UTF-8
 * bytes from the opening quote of the JSON string, as the reference matcher reports them.
 */
export function wildcardError(value: string): string | undefined {
  const bytes = Buffer.from(value, 'utf8');
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x2a && bytes[i + 1] === 0x2a) return `Consecutive wildcard characters at pos ${i + 1}`;
    if (bytes[i] === 0x5c) {
      if (bytes[i + 1] !== 0x2a && bytes[i + 1] !== 0x5c) return `Invalid escape character at pos ${i + 1}`;
      i++;
    }
  }
  return undefined;
}

/** Compiles a valid wildcard value into an anchored regular expression. */
export function wildcardRegExp(value: string): RegExp {
  let source = '';
  for (let i = 0; i < value.length; i++) {
    const char = value[i]!;
    if (char === '\\') source += escapeRegExp(value[++i]!);
    else source += char === '*' ? '.*' : escapeRegExp(char);
  }
  return new RegExp(`^${source}$`, 's');
}

function escapeRegExp(char: string): string {
  return char.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/**
 * The complexity of the wildcard patterns one field of a rule holds: the largest number of
 * pattern prefixes (states of their automaton) that a single input can keep alive at once. It
 * stops counting once it passes `limit`.
 *
 * Each pattern is read as event-ruler stores it, between JSON quotes; a state is "the first k
 * tokens consumed", and the state right after a star loops on any byte.
 * @example wildcardComplexity(['*']) // 2: after the opening quote, both `"` and `"*` are alive
 */
export function wildcardComplexity(patterns: string[], limit = MAX_WILDCARD_COMPLEXITY): number {
  const automata = [...new Set(patterns)].map((pattern) => tokenize(pattern));
  if (automata.length === 0) return 0;
  const alphabet = [...new Set(automata.flat().filter((token) => token !== STAR))];
  alphabet.push(otherByte(alphabet));
  const start = closure(
    automata,
    automata.map(() => [0]),
  );
  const seen = new Set<string>([key(start)]);
  const pending = [start];
  let maximum = 0;
  while (pending.length > 0 && seen.size <= MAX_EXPLORED_STATE_SETS) {
    const active = pending.pop()!;
    for (const byte of alphabet) {
      // Only states reached by input count: the empty prefix (state 0) is never re-entered.
      const next = closure(automata, step(automata, active, byte));
      const alive = next.reduce((sum, states) => sum + states.length, 0);
      if (alive === 0) continue;
      maximum = Math.max(maximum, alive);
      if (maximum > limit) return maximum;
      const id = key(next);
      if (!seen.has(id)) {
        seen.add(id);
        pending.push(next);
      }
    }
  }
  return maximum;
}

/** The pattern's bytes between JSON quotes, escapes resolved, stars as STAR. */
function tokenize(pattern: string): number[] {
  const bytes = Buffer.from(pattern, 'utf8');
  const tokens = [0x22];
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x5c) tokens.push(bytes[++i]!);
    else tokens.push(bytes[i] === 0x2a ? STAR : bytes[i]!);
  }
  tokens.push(0x22);
  return tokens;
}

/** A byte no pattern names, standing for every such byte. */
function otherByte(alphabet: number[]): number {
  for (let byte = 0; byte < 256; byte++) if (!alphabet.includes(byte)) return byte;
  return 0;
}

/** Per pattern, the states reached from `active` by one input byte (before closure). */
function step(automata: number[][], active: number[][], byte: number): number[][] {
  return automata.map((tokens, index) => {
    const next = new Set<number>();
    for (const state of active[index]!) {
      if (state > 0 && tokens[state - 1] === STAR) next.add(state);
      if (state < tokens.length && tokens[state] === byte) next.add(state + 1);
    }
    return [...next];
  });
}

/** Adds the star states reachable without input: a state followed by `*` also stands in the star. */
function closure(automata: number[][], states: number[][]): number[][] {
  return automata.map((tokens, index) => {
    const result = new Set(states[index]);
    for (const state of [...result].sort((a, b) => a - b)) {
      let current = state;
      while (current < tokens.length && tokens[current] === STAR) result.add(++current);
    }
    return [...result].sort((a, b) => a - b);
  });
}

function key(states: number[][]): string {
  return states.map((list) => list.join(',')).join('|');
}
