/**
 * The app's modules, wired in: importing this registers each module's scheduled jobs with the
 * platform's scheduler (platform/scheduler.ts). The server's init hook, `npm run dev` and
 * `npm run db:serve` import it before they start the runtime. A new module with a job adds its
 * job file here (docs/adding-a-module.md).
 */
import './api/meter';
import './audit/seal-job';
import './billing/lifecycle-job';
import './usage/rollup-job';
import './bi/rollup-job';
import './bi/alerts/jobs';
import './bi/share-refresh';
import './webhook-delivery/wake-job';
import './notifications/jobs';
import './notifications/slack';
import './queue/worker-job';
import './storage/sweep-job';
import './secrets/seed-job';
import './webhooks/move-job';
import './integrations/jobs';
import './workflows/jobs';
import './governance/jobs';
import './domains/jobs';
import './privacy/jobs';
import './privacy/export';
import './rag/jobs';
