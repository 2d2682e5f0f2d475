// Compiled with the generated types by tools/clients/check.sh (tsc --strict): what a
// TypeScript client relies on — named operations, the headers they declare, paged lists,
// problems with their required members. Fails to compile when the document drops any.
import type { components, operations } from "./generated/daiban";

type Problem = components["schemas"]["Problem"];
type Json<T> = T extends { content: { "application/json": infer Body } } ? Body : never;
type Headers<T> = T extends { parameters: { header?: infer H } } ? NonNullable<H> : never;

export const stale: Problem = {
  type: "https://daiban.dev/problems/precondition_failed",
  title: "办件已变化",
  status: 412,
  code: "precondition_failed",
  detail: "办件已变化，本次操作未执行；请刷新后重试",
};

export const queue: Pick<Json<operations["listTasks"]["responses"][200]>, "page" | "page_size" | "total"> = {
  page: 11,
  page_size: 20,
  total: 205,
};

export const version: operations["getCase"]["responses"][200]["headers"]["ETag"] = '"7"';
export const taskVersion: operations["getTask"]["responses"][200]["headers"]["ETag"] = '"7"';
export const ifMatch: Headers<operations["completeTask"]>["If-Match"] = version;
export const claimIfMatch: Headers<operations["claimTask"]>["If-Match"] = taskVersion;
export const key: Headers<operations["createCase"]>["Idempotency-Key"] = "3f2b8c1e";

export type StaleAnswer = operations["completeTask"]["responses"][412];
export type ConflictAnswer = operations["completeTask"]["responses"][409];
