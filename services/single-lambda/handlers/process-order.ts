import { withOrderContext } from '#observability/logger';
import { runOrder, type RunOrderEvent } from '../lib/order-run.ts';
import { orderRunConfig } from '../lib/wiring.ts';

/** Invoked asynchronously by the API: the whole order, validate to confirm, in this one invocation. */
const config = orderRunConfig();

export const handler = async (event: RunOrderEvent): Promise<void> => {
  await withOrderContext(event, () => runOrder(config, event));
};
