// One issue of the ledger (GET /ledger/{id}) with all its entries, and the actions the API
// says this person may take now (answer, transfer, resolve, reopen); #/ledger/new is the
// village agent's form to record a resident's issue (转录台账, POST /ledger).
import * as api from "../api.js";
import {
  Empty,
  ErrorBox,
  Field,
  Loaded,
  Page,
  dateTime,
  html,
  navigate,
  notify,
  useEffect,
  useLoad,
  useRef,
  useState,
} from "../ui.js";
import { CATEGORIES, SOURCES, STATUS_TONE, loadDepartments } from "./ledger.js";

export default function Issue({ user, params }) {
  if (params.id === "new") return html`<${Record} user=${user} />`;
  return html`<${Detail} user=${user} id=${params.id} />`;
}

// ------------------------------------------------------------------ one issue

const ACTIONS = {
  answer: { label: "答复群众", done: "已答复群众", hint: "把处理结果告知反映人（转反映群众），之后等待群众确认。" },
  transfer: { label: "转办", done: "已转办", hint: "" },
  resolve: { label: "办结", done: "问题已办结", hint: "问题已经解决。" },
  reopen: { label: "重新办理", done: "问题已重新办理", hint: "群众对答复或办结不满意：问题回到本层级重新办理。请写明群众不满意的原因。" },
};

function transferLabel(issue) {
  return issue.level === "village" ? "转乡镇办理" : "转县级部门办理";
}

function Detail({ id }) {
  const state = useLoad(() => api.get(`/ledger/${encodeURIComponent(id)}`), [id]);
  const [updated, setUpdated] = useState(null);
  const issue = updated || state.data;
  return html`<${Page} title=${issue ? `问题 ${issue.number}` : "问题详情"}
    actions=${html`<a class="button" href="#/ledger">返回台账</a>`}><div class="sv">
    <${Loaded} state=${state} loadingText="正在读取问题…">
      ${() => issue && html`<${IssueView} issue=${issue} onChanged=${setUpdated}
        reload=${() => {
          setUpdated(null);
          state.reload();
        }} />`}
    <//>
  </div><//>`;
}

function IssueView({ issue, onChanged, reload }) {
  const [acting, setActing] = useState(null);
  return html`
    <section class="card issue-facts" aria-labelledby="issue-facts-title">
      <h2 id="issue-facts-title" class="visually-hidden">问题情况</h2>
      <p class="issue-status">
        <span class=${"tag big " + (STATUS_TONE[issue.status] || "")} id="issue-status" data-status=${issue.status}>${issue.status_name}</span>
        <span class="issue-level" id="issue-level">当前在${issue.level_name}${issue.department_name ? `（${issue.department_name}）` : ""}办理</span>
      </p>
      <dl class="facts">
        <dt>台账编号</dt><dd>${issue.number}</dd>
        <dt>村（社区）</dt><dd>${issue.village_name || issue.village}（${issue.township_name || issue.township}）</dd>
        <dt>反映人</dt><dd>${issue.resident_name}</dd>
        <dt>联系电话</dt><dd id="issue-phone">${issue.resident_phone || "未留"}</dd>
        <dt>问题类别</dt><dd>${issue.category_name}</dd>
        <dt>问题来源</dt><dd>${issue.source_name}</dd>
        <dt>反映的问题</dt><dd class="issue-content">${issue.content}</dd>
        <dt>登记时间</dt><dd>${dateTime(issue.recorded_at)}</dd>
        <dt>最近办理</dt><dd>${dateTime(issue.updated_at)}</dd>
      </dl>
    </section>
    <section class="card" aria-labelledby="issue-actions-title">
      <h2 id="issue-actions-title">办理</h2>
      ${issue.actions.length
        ? html`<div class="issue-actions" role="group" aria-label="可做的办理">
            ${issue.actions.map((action) => html`<button type="button" data-action=${action}
              class=${acting === action ? "primary" : ""} aria-expanded=${acting === action}
              aria-controls="issue-action-form" onClick=${() => setActing(acting === action ? null : action)}>
              ${action === "transfer" ? transferLabel(issue) : ACTIONS[action].label}</button>`)}
          </div>
          ${acting && issue.actions.includes(acting)
            ? html`<${ActionForm} key=${acting + issue.updated_at} issue=${issue} action=${acting}
                onDone=${(next) => {
                  setActing(null);
                  onChanged(next);
                }}
                onCancel=${() => setActing(null)} reload=${reload} />`
            : null}`
        : html`<p class="notice info" id="issue-read-only">${issue.read_only
            ? `您只能查看这个问题：它现在由${issue.level_name}${issue.department_name ? `（${issue.department_name}）` : ""}办理。`
            : "这个问题已解决，现在没有可做的办理。群众不满意时，由当前办理单位重新办理。"}</p>`}
    </section>
    <section class="card" aria-labelledby="issue-entries-title">
      <h2 id="issue-entries-title">办理记录</h2>
      <ol class="entries" id="issue-entries">
        ${issue.entries.map((entry) => html`<li class="entry" data-type=${entry.type}>
          <p class="entry-head">
            <strong>${entry.type_name}</strong>
            <span>${entry.type === "transfer" ? `转至${entry.level_name}${entry.department_name ? `（${entry.department_name}）` : ""}` : entry.level_name}</span>
            <span>${entry.actor_name || entry.actor}</span>
            <time datetime=${entry.at}>${dateTime(entry.at)}</time>
          </p>
          ${entry.note ? html`<p class="entry-note">${entry.note}</p>` : null}
        </li>`)}
      </ol>
    </section>`;
}

function ActionForm({ issue, action, onDone, onCancel, reload }) {
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const needsDepartment = action === "transfer" && issue.level === "township";
  const departments = useLoad(() => (needsDepartment ? loadDepartments() : Promise.resolve([])), [needsDepartment]);
  const noteRef = useRef(null);
  useEffect(() => {
    noteRef.current && noteRef.current.focus();
  }, []);
  const title = action === "transfer" ? transferLabel(issue) : ACTIONS[action].label;
  const hint = action === "transfer"
    ? issue.level === "village"
      ? "村上不能解决的，转乡镇办理。请写明转办原因。"
      : "乡镇不能解决的，转县级部门办理：选择承办部门，写明转办原因。"
    : ACTIONS[action].hint;

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const note = String(form.get("note") || "");
    const body = { note };
    const found = {};
    if (!note.trim()) found.note = "必填：答复、转办或办结情况，或群众不满意的原因";
    if (needsDepartment) {
      body.department = String(form.get("department") || "") || null;
      if (!body.department) found.department = "必填：乡镇转县级部门时须指定承办部门";
    }
    setErrors(found);
    setFailure(null);
    if (Object.keys(found).length) {
      document.getElementById(found.department && !found.note ? "issue-department" : "issue-note").focus();
      return;
    }
    setBusy(true);
    try {
      const next = await api.post(`/ledger/${issue.id}/${action}`, body);
      notify(ACTIONS[action].done + "：" + next.status_name);
      onDone(next);
    } catch (error) {
      const fields = error.fields || {};
      if (error.status === 422 && Object.keys(fields).length) setErrors(fields);
      else setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  const summary = Object.values(errors);
  return html`<form class="action-form" id="issue-action-form" onSubmit=${submit} novalidate aria-labelledby="issue-action-title">
    <h3 id="issue-action-title">${title}</h3>
    ${hint ? html`<p class="hint">${hint}</p>` : null}
    ${summary.length ? html`<div class="state error form-summary" role="alert"><p><strong>请修改：</strong>${summary.join("；")}</p></div>` : null}
    ${failure
      ? html`<div class="state error" role="alert">
          <p><strong>${failure.message}</strong></p>
          <p>${failure.status === 409 || failure.status === 403
            ? "问题可能已被他人办理或已转走：请刷新后再看。"
            : "请稍后重试；如仍不行，请联系系统管理员。"}</p>
          <button type="button" onClick=${reload}>刷新问题</button>
        </div>`
      : null}
    ${needsDepartment
      ? html`<${Field} label="承办的县级部门" required id="issue-department" error=${errors.department}>
          ${({ id, described }) => html`<select id=${id} name="department" required
            aria-invalid=${errors.department ? "true" : null} aria-describedby=${described || null}>
            <option value="">请选择部门</option>
            ${(departments.data || []).map((d) => html`<option value=${d.code}>${d.name}</option>`)}
          </select>`}
        <//>
        ${departments.error ? html`<p class="notice warn">部门名单暂时读不到：<button type="button" class="link" onClick=${departments.reload}>重试</button></p>` : null}`
      : null}
    <${Field} label="说明" required id="issue-note" error=${errors.note}
      hint=${action === "reopen" ? "群众不满意的原因" : action === "transfer" ? "转办原因" : "答复或办结的情况"}>
      ${({ id, described }) => html`<textarea id=${id} name="note" ref=${noteRef} maxlength="1000" rows="3" required
        aria-invalid=${errors.note ? "true" : null} aria-describedby=${described || null}></textarea>`}
    <//>
    <div class="form-buttons">
      <button type="submit" class="primary" disabled=${busy}>${busy ? "正在提交…" : "确定" + title}</button>
      <button type="button" onClick=${onCancel}>取消</button>
    </div>
  </form>`;
}

// ------------------------------------------------------------ recording

function newKey() {
  if (window.crypto && typeof window.crypto.randomUUID === "function") return window.crypto.randomUUID();
  return `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

// The API's field names and the form's ids.
const RECORD_FIELDS = {
  village: "record-village",
  "resident.name": "record-name",
  "resident.phone": "record-phone",
  category: "record-category",
  source: "record-source",
  content: "record-content",
};

function Record({ user }) {
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const key = useRef(newKey());
  if (!user.roles.includes("village_agent")) {
    return html`<${Page} title="登记问题"><div class="sv">
      <${Empty}>
        <p>问题台账由村（社区）代办员登记。</p>
        <p>群众向您反映的问题，请转告所在村（社区）的代办员登记；<a href="#/ledger">返回问题台账</a>。</p>
      <//>
    </div><//>`;
  }

  async function submit(event) {
    event.preventDefault();
    const form = new FormData(event.target);
    const value = (name) => String(form.get(name) || "");
    const body = {
      village: user.org_unit,
      resident: { name: value("name"), phone: value("phone").trim() || null },
      category: value("category"),
      source: value("source"),
      content: value("content"),
    };
    const found = {};
    if (!body.resident.name.trim()) found["resident.name"] = "必填：反映人姓名";
    if (!body.category) found.category = "请选择问题类别";
    if (!body.source) found.source = "请选择问题来源";
    if (!body.content.trim()) found.content = "必填：群众反映的问题";
    setFailure(null);
    setErrors(found);
    if (Object.keys(found).length) {
      focusFirst(found);
      return;
    }
    setBusy(true);
    try {
      const issue = await api.post("/ledger", body, { headers: { "Idempotency-Key": key.current } });
      notify(`已登记：${issue.number}`);
      navigate(`/ledger/${issue.id}`);
    } catch (error) {
      const fields = error.fields || {};
      if (error.status === 422 && Object.keys(fields).length) {
        setErrors(fields);
        focusFirst(fields);
      } else setFailure(error);
    } finally {
      setBusy(false);
    }
  }

  function focusFirst(found) {
    const first = Object.keys(RECORD_FIELDS).find((name) => found[name]);
    const element = first && document.getElementById(RECORD_FIELDS[first]);
    if (element) element.focus();
  }

  const control = (name) => ({
    "aria-invalid": errors[name] ? "true" : null,
  });
  const summary = Object.entries(errors);
  return html`<${Page} title="登记问题" actions=${html`<a class="button" href="#/ledger">返回台账</a>`}><div class="sv">
    <form class="card record-form" onSubmit=${submit} novalidate aria-label="登记群众反映的问题">
      <p class="hint">转录台账：把群众在碰头会、走访、来电等场合反映的问题登记下来。登记后可在本村答复群众，本村解决不了的转乡镇办理。</p>
      ${summary.length
        ? html`<div class="state error form-summary" role="alert" id="record-errors">
            <p><strong>有 ${summary.length} 处需要修改：</strong></p>
            <ul>${summary.map(([name, reason]) => html`<li><a href=${"#/ledger/new"} onClick=${(e) => {
              e.preventDefault();
              const element = document.getElementById(RECORD_FIELDS[name] || "record-content");
              element && element.focus();
            }}>${LABELS[name] || name}：${reason}</a></li>`)}</ul>
          </div>`
        : null}
      ${failure ? html`<${ErrorBox} error=${failure} />` : null}
      <${Field} label="村（社区）" id="record-village" error=${errors.village}>
        ${({ id, described }) => html`<input id=${id} value=${user.org_unit_name || user.org_unit} readonly
          aria-describedby=${described || null} ...${control("village")} />`}
      <//>
      <${Field} label="反映人姓名" required id="record-name" error=${errors["resident.name"]}>
        ${({ id, described }) => html`<input id=${id} name="name" maxlength="50" autocomplete="off" required
          aria-describedby=${described || null} ...${control("resident.name")} />`}
      <//>
      <${Field} label="联系电话" id="record-phone" error=${errors["resident.phone"]} hint="可不填：11 位手机号或 0818-1234567 式座机号">
        ${({ id, described }) => html`<input id=${id} name="phone" type="tel" inputmode="tel" maxlength="20" autocomplete="off"
          aria-describedby=${described || null} ...${control("resident.phone")} />`}
      <//>
      <${Field} label="问题类别" required id="record-category" error=${errors.category}>
        ${({ id, described }) => html`<select id=${id} name="category" required aria-describedby=${described || null} ...${control("category")}>
          <option value="">请选择</option>
          ${Object.entries(CATEGORIES).map(([code, name]) => html`<option value=${code}>${name}</option>`)}
        </select>`}
      <//>
      <${Field} label="问题来源" required id="record-source" error=${errors.source}>
        ${({ id, described }) => html`<select id=${id} name="source" required aria-describedby=${described || null} ...${control("source")}>
          <option value="">请选择</option>
          ${Object.entries(SOURCES).map(([code, name]) => html`<option value=${code}>${name}</option>`)}
        </select>`}
      <//>
      <${Field} label="群众反映的问题" required id="record-content" error=${errors.content}>
        ${({ id, described }) => html`<textarea id=${id} name="content" maxlength="2000" rows="4" required
          aria-describedby=${described || null} ...${control("content")}></textarea>`}
      <//>
      <div class="form-buttons">
        <button type="submit" class="primary" disabled=${busy}>${busy ? "正在登记…" : "登记"}</button>
        <a class="button" href="#/ledger">取消</a>
      </div>
    </form>
  </div><//>`;
}

const LABELS = {
  village: "村（社区）",
  "resident.name": "反映人姓名",
  "resident.phone": "联系电话",
  category: "问题类别",
  source: "问题来源",
  content: "群众反映的问题",
};
