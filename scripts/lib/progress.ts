/** A progress bar per variant on a terminal; plain lines (every 25%) in CI or a pipe. */
export function createProgress(stream: NodeJS.WriteStream = process.stderr): {
  update(label: string, done: number, total: number): void;
  note(message: string): void;
} {
  const tty = Boolean(stream.isTTY) && !process.env.CI;
  const lastQuarter = new Map<string, number>();
  let open = false;
  const endLine = () => {
    if (open) stream.write('\n');
    open = false;
  };
  return {
    update(label, done, total) {
      if (tty) {
        const width = 30;
        const filled = total === 0 ? width : Math.round((done / total) * width);
        stream.write(`\r  ${label.padEnd(18)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total}`);
        open = true;
        if (done === total) endLine();
        return;
      }
      const quarter = total === 0 ? 4 : Math.floor((done / total) * 4);
      if (quarter > (lastQuarter.get(label) ?? -1)) {
        lastQuarter.set(label, quarter);
        stream.write(`  ${label}: ${done}/${total} orders terminal\n`);
      }
    },
    note(message) {
      endLine();
      stream.write(`${message}\n`);
    },
  };
}
