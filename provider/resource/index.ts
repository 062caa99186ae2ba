/** The `Function` dynamic resource, its arguments, defaults and provider. */
export { Function, type DeepInput, type FunctionArgs, type FunctionOutputFields } from "./function";
export { FUNCTION_PROPERTIES, type ApplyBy, type PropertyRow } from "../api/function-properties";
export { functionProvider } from "./provider";
export { FUNCTION_DEFAULTS } from "./defaults";
export { OUTPUT_KEYS, type FunctionOutputs } from "./outputs";
export { STACK_CONFIG_KEYS } from "./stack-config";
export { AdoptRefusedError, DeletedOutsideError, InvalidInputError, NotCreatedError, NoVersionRoomError } from "./errors";
