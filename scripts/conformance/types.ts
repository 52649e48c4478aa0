/**
 * The shape of a conformance suite: cases that hold the local cloud against AWS's documented
 * behaviour, run through the real AWS SDK v3 clients by `npm run conformance`. A suite lives in
 * `scripts/conformance/suites/<name>.ts` and exports `suite`.
 */

/** Where the local cloud answers: `endpoints[service]` is its URL (sqs, eventbridge, stepfunctions, …). */
export interface ConformanceContext {
  endpoints: Record<string, string>;
  region: string;
}

/** One behaviour: `run` resolves when the local cloud behaves as `source` documents, and throws on a mismatch. */
export interface ConformanceCase {
  name: string;
  /** Where the expected behaviour is documented (a page of AWS's documentation, a reference implementation). */
  source: string;
  run(ctx: ConformanceContext): Promise<void>;
}

export interface ConformanceSuite {
  name: string;
  /** The local cloud services the cases talk to; the runner starts those. */
  services: string[];
  cases: ConformanceCase[];
}
