/**
 * Request-log operation names of the trigger, alias and dependency calls that change state: they count as
 * writes (`requests({ writesOnly: true })`) and can be targeted by `commitDrop` under their own names.
 */
export const COMPANION_WRITE_OPERATIONS = [
  "createTrigger", "updateTrigger", "deleteTrigger", "batchDeleteTriggers",
  "createAlias", "updateAlias", "deleteAlias",
  "createDependencyVersion", "deleteDependencyVersion",
] as const;
