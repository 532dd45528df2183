// Imports every domain type (for their side effects on the builder) and builds the schema.
import { lexicographicSortSchema } from "graphql";
import { builder } from "./builder.ts";
import "./scalars.ts";
import "./region.ts";
import "./agency.ts";
import "./citizen.ts";
import "./tax-record.ts";
import "./permit.ts";
import "./social-assistance.ts";
import "./financial-transaction.ts";
import "./archive-document.ts";
import "./service-record.ts";

/** The executable schema, fields sorted so the printed SDL is stable. */
export const schema = lexicographicSortSchema(builder.toSchema());

import "./audit.ts";
import "./security-alert.ts";
