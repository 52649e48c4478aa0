/**
 * `npm run conformance [-- --suite <name>[,<name>]]`: runs the project's conformance suites
 * (scripts/conformance/suites/) against a freshly started local cloud on free ports and prints a
 * score per suite with its failures. Exits 1 when any case fails, 2 on a bad argument.
 */
import { discoverSuites, formatScores, runConformance } from './conformance/runner.ts';
import { parseCliArgs } from './lib/cli-args.ts';

const { values } = parseCliArgs('conformance', {
  options: {
    suite: { type: 'string', multiple: true },
    list: { type: 'boolean', default: false },
  },
});

const suites = await discoverSuites();
if (values.list) {
  for (const suite of suites) console.log(`${suite.name}  ${suite.cases.length} cases  (${suite.services.join(', ')})`);
  process.exit(0);
}
const only = values.suite?.flatMap((names) => names.split(',')).filter((name) => name !== '');
const unknown = (only ?? []).filter((name) => !suites.some((suite) => suite.name === name));
if (unknown.length > 0) {
  console.error(`no conformance suite named ${unknown.join(', ')}; try --list`);
  process.exit(2);
}
const scores = await runConformance(suites, only && only.length > 0 ? { only } : {});
console.log(formatScores(scores));
process.exit(scores.every((score) => score.failures.length === 0) ? 0 : 1);
