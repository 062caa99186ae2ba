/**
 * Shapes of FunctionGraph's OBS code source, shared by the provider and the emulator: the `PUT …/code` body
 * that points a function at an object (`code_type: obs`, `code_url`).
 */
import { z } from "zod";

/** `PUT /{urn}/code` with the package in OBS. */
export const UpdateFunctionCodeFromObsRequestSchema = z.object({
  code_type: z.literal("obs"),
  code_url: z.url({ protocol: /^https?$/, message: "code_url: expected the object's http(s) URL, https://<bucket>.obs.<region>.myhuaweicloud.com/<key>" }),
  code_filename: z.string().min(1).optional(),
  depend_version_list: z.array(z.string()).optional(),
});

/** The `PUT /{urn}/code` body for a package in OBS. */
export type UpdateFunctionCodeFromObsRequest = z.infer<typeof UpdateFunctionCodeFromObsRequestSchema>;
