/**
 * Named points inside a step where a failure drill of the local cloud may kill the execution
 * environment, mid-step (`LambdaRuntime.crashAtFaultPoints`). Everywhere else (on AWS, in unit
 * tests, in the baseline) nothing is installed and a fault point does nothing.
 */
// On globalThis: the local Lambda worker installs the hook before it loads the bundled handler.
const registry = globalThis as { __orderPipelinesFaultPoint?: (name: string, orderId: string) => void };

/**
 * @example
 * faultPoint('reserve-inventory', orderId); // a drill may crash here, after charge-payment completed
 */
export function faultPoint(name: string, orderId: string): void {
  registry.__orderPipelinesFaultPoint?.(name, orderId);
}
