import { requireFake } from './fake';
import type { LayoutServerLoad } from './$types';

/** Every page under /dev/stripe is the fake's: 404 unless the fake gateway is the one in use. */
export const load: LayoutServerLoad = async () => {
	await requireFake();
};
