import { setFlagsFromString } from 'node:v8';

/**
 * The V8 settings of the service process, set before anything else is loaded (docs/running.md, "Memory").
 *
 * Allocation-site pretenuring is off. Under load V8 took two allocation sites that run once per request for
 * long-lived and allocated their objects in the old generation. Dead there until the next full collection,
 * they kept the young objects they point to alive through every scavenge: about 1.5 MB was promoted per
 * scavenge, and the old generation filled with some 130 MB of garbage between full collections (resident
 * memory 280 to 360 MB under load, 165 to 195 MB without). What the service keeps for long (caches, pools,
 * connections) is small and gains nothing from being allocated old.
 *
 * The old generation may grow to twice what survived the last full collection before the next one starts
 * (V8 picks a factor between 1.1 and 4 by itself, and under load took 4). What the service keeps stays at
 * about 45 MB, so a full collection is cheap (a few ms, marked concurrently) and the garbage that the AMQP
 * requests promote is collected at some 90 MB of old generation instead of 150 MB.
 */
export const V8_FLAGS = ['--no-allocation-site-pretenuring', '--heap-growing-percent=100'];

for (const flag of V8_FLAGS) setFlagsFromString(flag);
