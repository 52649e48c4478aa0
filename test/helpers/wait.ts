/**
 * Waits until `condition` holds, checking it again every few milliseconds: a wait on observable
 * state (a call made, a message arrived), never a fixed sleep. The cap only turns a condition
 * that never comes true into a failure that names it, instead of a hung test.
 */
export async function eventually(
  condition: () => boolean | Promise<boolean>,
  what: string,
  capMs = 60_000,
): Promise<void> {
  const cap = Date.now() + capMs;
  while (!(await condition())) {
    if (Date.now() > cap) throw new Error(`still waiting after ${capMs} ms for: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
