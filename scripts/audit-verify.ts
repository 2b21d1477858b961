/**
 * npm run audit:verify -- <archive.ndjson.gz> — checks an archive of the audit log offline
 * (src/lib/server/audit/archive.ts): every row's digest and every link of each chain from its
 * opening checkpoint to its closing one, and, when `<month>.manifest.json` lies beside it, the
 * file's sha256 against the manifest's. Exits 0 when it verifies, 1 with the first problem.
 */
import { existsSync, readFileSync } from 'node:fs';
import { z } from 'zod';
import { verifyArchive } from '../src/lib/server/audit/archive';

const file = process.argv[2];
if (!file || !existsSync(file)) {
	console.error(
		`Usage: npm run audit:verify -- <archive.ndjson.gz> (${file ? `${file} does not exist` : 'no file given'})`
	);
	process.exit(1);
}
const check = verifyArchive(readFileSync(file));
const manifestFile = file.replace(/\.ndjson\.gz$/, '.manifest.json');
let problem = check.problem;
if (!problem && manifestFile !== file && existsSync(manifestFile)) {
	const manifest = z
		.object({ sha256: z.string() })
		.parse(JSON.parse(readFileSync(manifestFile, 'utf8')));
	if (manifest.sha256 !== check.sha256)
		problem = `sha256 ${check.sha256} is not the manifest's ${manifest.sha256}`;
}
if (problem) {
	console.error(`${file}: does not verify: ${problem}`);
	process.exit(1);
}
console.log(
	`${file}: verifies — month ${check.month}, ${check.rows} rows on ${check.chains} chains, sha256 ${check.sha256}`
);
