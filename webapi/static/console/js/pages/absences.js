// 离岗登记 (administrator, township leader): the absence register (GET /absences: away now
// and to come, or all of them), registering an absence (POST /absences) and a return, 返岗
// (POST /absences/{id}/end). While someone is away their tasks reach their A/B partner or
// stand-in; absences of the organisation file are shown but changed only in that file.
import * as api from "../api.js";
import { Dialog } from "../parts/dialog.js";
import {
  Empty,
  Field,
  Loaded,
  Page,
  Pager,
  dateTime,
  html,
  notify,
  routeQuery,
  setRouteQuery,
  today,
  useLoad,
  useState,
} from "../ui.js";

const PAGE_SIZE = 20;
const STATUS_TAGS = { current: "yellow", upcoming: "blue", ended: "", withdrawn: "" };

export default function Absences({ user }) {
  const [query, setQuery] = useState(() => {
    const q = routeQuery();
    return { all: q.all === "true", page: Math.max(1, Number(q.page) || 1) };
  });
  const [ending, setEnding] = useState(null);
  const list = useLoad(
    () => api.get("/absences", { all: query.all ? "true" : undefined, page: query.page, page_size: PAGE_SIZE }),
    [query.all, query.page],
  );
  function change(next) {
    const merged = { ...query, ...next };
    setRouteQuery({ all: merged.all ? "true" : "", page: merged.page > 1 ? merged.page : "" });
    setQuery(merged);
  }
  const scope = user.roles.includes("admin") ? "全县" : "本乡镇";
  return html`<${Page} title="离岗登记" wide>
    <p class="lede">${scope}人员的离岗：离岗期间，其待办和可办理的任务由 AB 岗搭档或替岗人办理，返岗后回到本人。组织机构文件中的离岗只能在该文件中修改。</p>
    <${RegisterAbsence} onDone=${list.reload} />
    <section class="card" aria-labelledby="register-title">
      <div class="section-head">
        <h2 id="register-title">离岗记录</h2>
        <label class="check">
          <input type="checkbox" checked=${query.all} onChange=${(e) => change({ all: e.target.checked, page: 1 })} />
          包括已结束、已撤销的</label>
      </div>
      <${Loaded} state=${list} loadingText="正在读取离岗记录…">
        ${(data) =>
          data.items.length
            ? html`<div class="table-wrap">
                  <table class="list stack absences">
                    <caption class="visually-hidden">离岗记录，按开始日期排列</caption>
                    <thead><tr>
                      <th scope="col">人员</th><th scope="col">开始</th><th scope="col">结束</th>
                      <th scope="col">原因</th><th scope="col">接替办理</th><th scope="col">状态</th>
                      <th scope="col">来源</th><th scope="col">登记</th><th scope="col">操作</th>
                    </tr></thead>
                    <tbody>
                      ${data.items.map(
                        (a, index) => html`<${AbsenceRow} key=${a.id === null ? "file-" + index : a.id} absence=${a}
                          onEnd=${() => setEnding(a)} />`,
                      )}
                    </tbody>
                  </table>
                </div>
                <${Pager} page=${data.page} pageSize=${data.page_size} total=${data.total}
                  onPage=${(page) => change({ page })} />`
            : html`<${Empty}>
                <p>${query.all ? "还没有任何离岗记录。" : "现在没有人离岗，也没有登记将来的离岗。"}</p>
                <p>有人休假、外出培训时，请在上方登记离岗，其待办会转给 AB 岗搭档或替岗人。</p>
              <//>`}
      <//>
    </section>
    ${ending
      ? html`<${EndAbsence} absence=${ending} onClose=${(changed) => {
          setEnding(null);
          if (changed) list.reload();
        }} />`
      : null}
  <//>`;
}

function AbsenceRow({ absence: a, onEnd }) {
  const open = a.source === "register" && (a.status === "current" || a.status === "upcoming");
  return html`<tr>
    <td data-label="人员"><strong>${a.user_name}</strong> <span class="user-id">${a.user}</span>
      ${a.unit_name ? html`<span class="office">${a.unit_name}</span>` : null}</td>
    <td data-label="开始">${a.from}</td>
    <td data-label="结束">${a.to}${a.returned_on ? html`<span class="office">${a.returned_on} 返岗</span>` : null}</td>
    <td data-label="原因">${a.reason}</td>
    <td data-label="接替办理">${a.deputy ? a.deputy.name : html`<span class="tag red">无人接替</span>`}</td>
    <td data-label="状态"><span class=${"tag " + (STATUS_TAGS[a.status] || "")}>${a.status_name}</span></td>
    <td data-label="来源">${a.source_name}</td>
    <td data-label="登记">${a.recorded_by
      ? html`${a.recorded_by_name || a.recorded_by}<span class="office">${dateTime(a.recorded_at)}</span>
          ${a.ended_at ? html`<span class="office">返岗由${a.ended_by_name || a.ended_by}登记</span>` : null}`
      : html`<span class="muted">—</span>`}</td>
    <td data-label="操作">${open
      ? html`<button type="button" onClick=${onEnd} aria-label=${(a.status === "current" ? "登记返岗：" : "撤销离岗：") + a.user_name}>
          ${a.status === "current" ? "返岗" : "撤销"}</button>`
      : a.source === "org_file" && a.status !== "ended"
        ? html`<span class="muted">在组织机构文件中修改</span>`
        : null}</td>
  </tr>`;
}

// ------------------------------------------------------------- registering

function personLabel(p) {
  const deputy = p.ab_partner ? "AB 岗：" + p.ab_partner.name : p.stand_in ? "替岗：" + p.stand_in.name : "无 B 岗或替岗人";
  return `${p.name}（${p.id}）· ${p.unit_name || p.unit} · ${deputy}${p.absent_today ? " · 今天已离岗" : ""}`;
}

function RegisterAbsence({ onDone }) {
  const day = today();
  const [search, setSearch] = useState("");
  const people = useLoad(() => api.get("/users", { q: search || undefined, page_size: 100 }), [search]);
  const [chosen, setChosen] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [done, setDone] = useState(null);
  const [busy, setBusy] = useState(false);

  function find(event) {
    event.preventDefault();
    const form = event.target.form || event.target.closest("form");
    const text = String(form.elements["person-q"].value || "").trim();
    setSearch(text);
    setChosen("");
  }
  async function submit(event) {
    event.preventDefault();
    const element = event.target;
    const form = new FormData(element);
    const body = {};
    for (const name of ["user", "from", "to", "reason"]) {
      const value = String(form.get(name) || "").trim();
      if (value) body[name] = value;
    }
    setBusy(true);
    setErrors({});
    setFailure(null);
    setDone(null);
    try {
      const absence = await api.post("/absences", body);
      setDone(absence);
      notify(`已登记${absence.user_name}离岗。`);
      setChosen("");
      element.reset();
      onDone();
    } catch (error) {
      const fields = error.fields || {};
      setErrors(fields);
      setFailure(error);
    } finally {
      setBusy(false);
    }
  }
  const described = (name, hint) =>
    [hint ? `absence-${name}-hint` : null, errors[name] ? `absence-${name}-error` : null].filter(Boolean).join(" ") || null;
  const invalid = (name) => (errors[name] ? "true" : null);
  const found = people.data ? people.data.items : [];
  return html`<section class="card absence-form" aria-labelledby="new-absence-title">
    <h2 id="new-absence-title">登记离岗</h2>
    <form onSubmit=${submit} novalidate>
      ${failure
        ? html`<div class="state error" role="alert" id="absence-problem">
            <p><strong>${Object.keys(errors).length
              ? `离岗未登记：有 ${Object.keys(errors).length} 处需要修改`
              : failure.message}</strong></p>
            <p>${Object.keys(errors).length
              ? "请按各项旁的提示修改后再登记。"
              : failure.status === 409
                ? "请先登记原离岗的返岗，或改登记其他日期。"
                : "请稍后重试；如仍不行，请联系系统管理员。"}</p>
          </div>`
        : null}
      ${done
        ? html`<p class="notice ok" role="status" id="absence-done">已登记：${done.user_name} ${done.from} 至 ${done.to} 离岗（${done.reason}），期间由${done.deputy ? done.deputy.name : "—"}办理其待办。</p>`
        : null}
      <div class="person-picker">
        <div class="field">
          <label for="person-q">查找人员</label>
          <div class="inline">
            <input id="person-q" name="person-q" type="search" maxlength="50" placeholder="姓名或用户名"
              defaultValue=${search} onKeyDown=${(e) => { if (e.key === "Enter") find(e); }} />
            <button type="button" onClick=${find}>查找</button>
          </div>
        </div>
        <${Field} label="离岗人员" required id="absence-user" error=${errors.user}
          hint=${people.loading ? "正在读取人员…" : people.error ? "人员读取失败：" + people.error.message
            : `${search ? "“" + search + "”：" : ""}共 ${people.data ? people.data.total : 0} 人${people.data && people.data.total > found.length ? "，只列出前 " + found.length + " 人，请查找缩小范围" : ""}`}>
          <select id="absence-user" name="user" value=${chosen} onChange=${(e) => setChosen(e.target.value)}
            aria-invalid=${invalid("user")} aria-describedby=${described("user", true)}>
            <option value="">${found.length ? "请选择" : "没有找到人员，请换个关键词"}</option>
            ${found.map(
              (p) => html`<option key=${p.id} value=${p.id} disabled=${!p.ab_partner && !p.stand_in}>${personLabel(p)}</option>`,
            )}
          </select>
        <//>
      </div>
      <div class="period">
        <${Field} label="开始日期" required id="absence-from" error=${errors.from}>
          <input id="absence-from" name="from" type="date" defaultValue=${day}
            aria-invalid=${invalid("from")} aria-describedby=${described("from")} />
        <//>
        <${Field} label="结束日期（含）" required id="absence-to" error=${errors.to}>
          <input id="absence-to" name="to" type="date" defaultValue=${day} min=${day}
            aria-invalid=${invalid("to")} aria-describedby=${described("to")} />
        <//>
        <${Field} label="原因" required id="absence-reason" error=${errors.reason} hint="如 年休假、外出培训、病假">
          <input id="absence-reason" name="reason" maxlength="200"
            aria-invalid=${invalid("reason")} aria-describedby=${described("reason", true)} />
        <//>
      </div>
      <button type="submit" class="primary" disabled=${busy}>${busy ? "正在登记…" : "登记离岗"}</button>
    </form>
  </section>`;
}

// ------------------------------------------------------------------ return

function EndAbsence({ absence, onClose }) {
  const current = absence.status === "current";
  const day = today();
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState(null);
  const [error, setError] = useState(null);
  async function submit(event) {
    event.preventDefault();
    const on = current ? String(new FormData(event.target).get("on") || "") : "";
    setBusy(true);
    setFailure(null);
    setError(null);
    try {
      const ended = await api.post(`/absences/${absence.id}/end`, on ? { on } : {});
      notify(
        ended.status === "withdrawn"
          ? `已撤销${ended.user_name}的离岗。`
          : `已登记${ended.user_name}于 ${ended.returned_on} 返岗，其待办回到本人。`,
      );
      onClose(true);
    } catch (problem) {
      const fields = problem.fields || {};
      if (fields.on) setError(fields.on);
      else setFailure(problem);
    } finally {
      setBusy(false);
    }
  }
  return html`<${Dialog} title=${current ? "登记返岗" : "撤销离岗"} onClose=${() => onClose(false)} step="end">
    <form onSubmit=${submit} novalidate>
      <p><strong>${absence.user_name}</strong>（${absence.user}）${absence.from} 至 ${absence.to} 离岗（${absence.reason}）。</p>
      ${current
        ? html`<p>自返岗日期起，其待办和可办理的任务回到本人${absence.deputy ? `，${absence.deputy.name}不再代办` : ""}。</p>
            <${Field} label="返岗日期" required id="end-on" error=${error}>
              <input id="end-on" name="on" type="date" defaultValue=${day} min=${absence.from} max=${absence.to}
                aria-invalid=${error ? "true" : null} aria-describedby=${error ? "end-on-error" : null} />
            <//>`
        : html`<p>这次离岗尚未开始：撤销后不再生效。</p>`}
      ${failure
        ? html`<div class="state error" role="alert"><p><strong>${failure.message}</strong></p>
            <p>${failure.status === 409 ? "请关闭后刷新离岗记录再看。" : "请稍后重试；如仍不行，请联系系统管理员。"}</p></div>`
        : null}
      <div class="dialog-actions">
        <button type="submit" class="primary" disabled=${busy}>${busy ? "正在保存…" : current ? "确认返岗" : "确认撤销"}</button>
        <button type="button" onClick=${() => onClose(false)} data-initial>取消</button>
      </div>
    </form>
  <//>`;
}
