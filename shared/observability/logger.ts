import { Logger } from '@aws-lambda-powertools/logger';

/**
 * Structured JSON logs (Powertools). Every line of an order's processing carries its
 * `correlationId` and `orderId`, so one query finds the order across functions and variants.
 */
export const logger = new Logger({
  serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'order-pipelines',
  logLevel: (process.env.LOG_LEVEL as 'INFO' | undefined) ?? 'WARN',
});

/** Runs `work` with the order's keys appended to every log line, then removes them. */
export async function withOrderContext<T>(
  keys: { orderId?: string; correlationId?: string },
  work: () => Promise<T>,
): Promise<T> {
  logger.appendKeys(keys);
  try {
    return await work();
  } finally {
    logger.removeKeys(['orderId', 'correlationId']);
  }
}
