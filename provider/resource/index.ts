/** The `Function` dynamic resource, its arguments, defaults and provider. */
export { Function, type FunctionArgs } from "./function";
export { functionProvider } from "./provider";
export { FUNCTION_DEFAULTS } from "./defaults";
export { OUTPUT_KEYS, type FunctionOutputs } from "./outputs";
export { STACK_CONFIG_KEYS } from "./stack-config";
