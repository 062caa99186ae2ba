/**
 * The `PUT …/code` body that points a function at an object in OBS (`code_type: obs`, `code_url`), as the
 * emulator imports it. It is a FunctionGraph API shape, defined with the others in ../api/schemas.ts (which the
 * client loads at call time); this module only re-exports it.
 */
export { UpdateFunctionCodeFromObsRequestSchema, type UpdateFunctionCodeFromObsRequest } from "../api/schemas";
