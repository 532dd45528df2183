// `gerbang incident`: breach response for the data protection officer (src/monitoring/incident.ts).
import os from "node:os";
import { loadConfig } from "../config.ts";
import { openDatabase } from "../db/database.ts";
import {
  type IncidentScope,
  loadIncident,
  NOTIFY_WITHIN_HOURS,
  openIncident,
  recordReport,
  reportMarkdown,
  scopeFromAlert,
} from "../monitoring/incident.ts";
import { type Command, parse, UsageError } from "./args.ts";

const HELP = `
Usage: gerbang incident open --from-alert ID [--by NAME]
       gerbang incident open --from TIME --to TIME [--actor SUBJECT ...] [--by NAME]
       gerbang incident report ID [--format md|json] [--by NAME]

open     builds an incident from the access log, the audit trail and the security alerts: the citizens
         whose data was revealed in clear or changed, which fields, the principals involved, a timeline,
         and the notification deadline (${NOTIFY_WITHIN_HOURS} hours from now, UU 27/2022 art. 46). From an alert: its
         principal, from the start of its window until now. TIME is ISO 8601 (2026-12-01T08:00:00+07:00).
         Without --actor, everyone active in the range. Prints the incident id.
report   prints the notification draft for the data protection officer: what happened, which data, how
         many citizens, who, when, measures taken (md, the default), or the whole incident (json).

Both are written to the audit trail (INCIDENT_OPENED, INCIDENT_REPORT_DRAFTED) with actor cli:NAME
(--by, default the operating-system user). The database is DATABASE_URL or PGlite in DATA_DIR.`;

function time(value: string | undefined, name: string): Date {
  const at = value ? new Date(value) : undefined;
  if (!at || Number.isNaN(at.getTime()))
    throw new UsageError(`${name} must be an ISO 8601 time (2026-12-01T08:00:00Z).`);
  return at;
}

export const incident: Command = {
  help: HELP,
  async run(argv) {
    const { values, positionals } = parse(
      argv,
      {
        "from-alert": { type: "string" },
        from: { type: "string" },
        to: { type: "string" },
        actor: { type: "string", multiple: true },
        format: { type: "string" },
        by: { type: "string" },
      },
      HELP,
    );
    const [action, id] = positionals;
    const operator = values.by ?? os.userInfo().username;
    if (action !== "open" && action !== "report") throw new UsageError(HELP.trim());
    if (action === "report" && !id) throw new UsageError("incident report needs the incident's id.");
    const format = values.format ?? "md";
    if (format !== "md" && format !== "json") throw new UsageError("--format must be md or json.");
    if (action === "open" && !values["from-alert"] && !(values.from && values.to))
      throw new UsageError("incident open needs --from-alert ID, or --from and --to.");
    const config = loadConfig();
    const db = await openDatabase(config.database);
    try {
      if (action === "open") {
        const scope: IncidentScope = values["from-alert"]
          ? await scopeFromAlert(db, values["from-alert"])
          : { from: time(values.from, "--from"), to: time(values.to, "--to"), actors: values.actor ?? [] };
        const opened = await openIncident(db, config.auditKey, scope, operator);
        console.log(opened.id);
        console.error(
          `Incident opened: ${opened.findings.citizens.count} citizens, ${opened.findings.principals.length} principals; notify by ${opened.deadline.toISOString()}. Next: gerbang incident report ${opened.id}`,
        );
        return 0;
      }
      const found = await loadIncident(db, id as string);
      await recordReport(db, config.auditKey, found, operator, format);
      process.stdout.write(format === "json" ? `${JSON.stringify(found, null, 2)}\n` : reportMarkdown(found));
      return 0;
    } finally {
      await db.close();
    }
  },
};
