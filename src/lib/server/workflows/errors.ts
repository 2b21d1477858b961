import { PermanentJobError } from '../queue/registry';

/** A step that cannot succeed by being tried again (the owner may not, a bad address …): it fails the run at once. */
export class StepRefused extends PermanentJobError {
	override name = 'StepRefused';
}
