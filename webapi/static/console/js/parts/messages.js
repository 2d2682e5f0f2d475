// What a case is waiting for from outside (补正材料、容缺材料、评价、县级决定、公示异议、
// 听证申请): for each message the case waits for and the signed-in person may post, a
// small form drawn from the message's payload schema in the OpenAPI document (read once
// per tab), posted to POST /cases/{id}/messages/{name} with If-Match (the case version
// the page shows). The case page renders it: <WaitingMessages detail=${case} onDone=${fn} />;
// onDone(detail) gets the case as the answer shows it.

import * as api from "../api.js";
import { ErrorBox, html, notify, useEffect, useState } from "../ui.js";
import { ErrorSummary, SchemaFields, labelsOf, layout, useSchemaForm } from "./form.js";

let documentOnce = null;

// The message forms of the API document: name → {title, description, schema}.
export function messageForms() {
  if (!documentOnce) {
    documentOnce = api.get("/openapi.json").then((spec) => {
      const forms = {};
      const prefix = "/api/v1/cases/{case_id}/messages/";
      for (const [path, operations] of Object.entries(spec.paths || {})) {
        if (!path.startsWith(prefix) || path.endsWith("{name}")) continue;
        const post = operations.post || {};
        const body = (((post.requestBody || {}).content || {})["application/json"] || {}).schema || {};
        const ref = String(body.$ref || "").split("/").pop();
        const schema = (spec.components.schemas || {})[ref];
        if (schema) {
          forms[path.slice(prefix.length)] = { title: post.summary || ref, description: post.description || "", schema };
        }
      }
      return forms;
    });
    documentOnce.catch(() => {
      documentOnce = null; // a failed read is tried again next time
    });
  }
  return documentOnce;
}

// Whether the signed-in person may post message `name` to the case (the API decides; this
// only leaves out the forms it would refuse: read-only callers, the county's decision for
// anyone but an officer of the department the case was handed to).
function mayPost(detail, name) {
  if (detail.read_only || name === "rating") return false; // the resident's own (parts/ratings.js)
  if (name !== "county_decision") return true;
  const user = (api.session() || {}).user || {};
  return (user.roles || []).includes("county_officer") && user.org_unit === detail.department;
}

export function WaitingMessages({ detail, onDone }) {
  const waiting = (detail && detail.waiting_messages) || [];
  const [forms, setForms] = useState(null);
  const [failure, setFailure] = useState(null);
  useEffect(() => {
    if (!waiting.length) return;
    let live = true;
    messageForms().then(
      (found) => live && setForms(found),
      (error) => live && setFailure(error),
    );
    return () => {
      live = false;
    };
  }, [waiting.join(",")]);
  if (!waiting.length) return null;
  if (failure) return html`<${ErrorBox} error=${failure} retry=${() => { setFailure(null); messageForms().then(setForms, setFailure); }} />`;
  if (!forms) return html`<p class="state loading" role="status">正在读取消息表单…</p>`;
  return html`<section class="waiting-messages" aria-labelledby="waiting-title">
    <h2 id="waiting-title">办件在等待</h2>
    ${waiting.map((name) => {
      const form = forms[name];
      const title = form ? form.title : name;
      if (!form || !mayPost(detail, name)) {
        const by = name === "rating" ? "（由群众本人评价，见「好差评」）" : detail.read_only ? "（您只能查看）" : "（由承办部门回传）";
        return html`<p class="notice info" key=${name}>等待：${title}${by}</p>`;
      }
      return html`<${MessageForm} key=${name + detail.version} name=${name} form=${form} detail=${detail} onDone=${onDone} />`;
    })}
  </section>`;
}

function MessageForm({ name, form, detail, onDone }) {
  const prefix = "msg-" + name;
  const schema = form.schema;
  const { data, errors, summary, failure, busy, change, leave, submit } = useSchemaForm(
    schema,
    async (body) => {
      const { data: changed } = await api.request("POST", `/cases/${detail.id}/messages/${name}`, {
        body,
        headers: { "If-Match": `"${detail.version}"` },
      });
      notify(`已提交：${form.title}`);
      onDone && onDone(changed);
    },
  );
  const { shown, optional } = layout(schema, data);
  return html`<form class="card message-form" onSubmit=${submit} novalidate aria-labelledby=${prefix + "-title"}>
    <h3 id=${prefix + "-title"}>${form.title}</h3>
    ${schema.description ? html`<p class="hint">${schema.description}</p>` : null}
    <${ErrorSummary} errors=${summary} labels=${labelsOf(schema)} prefix=${prefix} focus=${true} />
    ${failure ? html`<${ErrorBox} error=${failure} />` : null}
    ${shown.length || optional.length ? html`<${SchemaFields} schema=${schema} data=${data} errors=${errors} prefix=${prefix}
      onChange=${change} onLeave=${leave} disabled=${busy} />` : null}
    <button type="submit" class="primary" disabled=${busy}>${busy ? "正在提交…" : "提交：" + form.title}</button>
  </form>`;
}
