// 领导审批: the township leader's desk — the approvals and escalations in the leader's
// queue (GET /tasks, the leader's role), the township's overdue cases and those close to
// their due date (GET /cases for the township), and reassigning a task of a case to a
// person of the township (GET /users for the township, POST /tasks/{id}/assign with
// If-Match). One request per list; a case's tasks are read when the leader opens it.
import * as api from "../api.js";
import {
  DueMark,
  Empty,
  ErrorBox,
  Loaded,
  Loading,
  Page,
  html,
  notify,
  routeQuery,
  setRouteQuery,
  today,
  useEffect,
  useLoad,
  useRef,
  useState,
} from "../ui.js";

const LEADER = "township_leader";
const NEAR_DAYS = 3; // "即将到期": due within three days

function daysUntil(due, from) {
  return Math.round((Date.parse(due + "T00:00:00Z") - Date.parse(from + "T00:00:00Z")) / 86400000);
}

function Approvals({ queue }) {
  return html`<section class="card" aria-labelledby="leader-queue-title">
    <h2 id="leader-queue-title">待我审批与督办</h2>
    <${Loaded} state=${queue} loadingText="正在读取待办…">
      ${(data) => {
        const mine = data.items.filter((t) => t.role === LEADER);
        if (!mine.length) return html`<${Empty}><p>没有等您审批或督办的任务。</p><p>新的审批到来时会出现在这里和“我的待办”中。</p><//>`;
        return html`<div class="table-wrap"><table class="list stack leader-queue">
          <thead><tr><th scope="col">办件编号</th><th scope="col">事项</th><th scope="col">环节</th>
            <th scope="col">时限</th><th scope="col">操作</th></tr></thead>
          <tbody>${mine.map(
            (t) => html`<tr data-task=${t.id}>
              <td data-label="办件编号"><a href=${"#/cases/" + t.case_id}>${t.case_number || "#" + t.case_id}</a></td>
              <td data-label="事项">${t.item_name || t.item_code}</td>
              <td data-label="环节">${t.name}</td>
              <td data-label="时限"><${DueMark} due=${t.due_at} overdue=${t.overdue} /></td>
              <td data-label="操作"><a class="button primary" href=${"#/tasks/" + t.id}>审批</a></td>
            </tr>`,
          )}</tbody>
        </table></div>`;
      }}
    <//>
  </section>`;
}

function CaseRows({ items, label, onPick, picked }) {
  return html`<div class="table-wrap"><table class="list stack leader-cases" aria-label=${label}>
    <thead><tr><th scope="col">办件编号</th><th scope="col">事项</th><th scope="col">村（社区）</th>
      <th scope="col">办结期限</th><th scope="col">操作</th></tr></thead>
    <tbody>${items.map(
      (c) => html`<tr data-case=${c.id} class=${picked === c.id ? "picked" : null}>
        <td data-label="办件编号"><a href=${"#/cases/" + c.id}>${c.case_number || "#" + c.id}</a></td>
        <td data-label="事项">${c.item_name || c.item_code}</td>
        <td data-label="村（社区）">${c.village_name || "—"}</td>
        <td data-label="办结期限"><${DueMark} due=${c.due_date} overdue=${c.overdue} warning=${c.overdue ? null : "yellow"} /></td>
        <td data-label="操作"><button type="button" onClick=${() => onPick(c.id)}
          aria-label=${`改派办件 ${c.case_number || c.id} 的任务`}>改派任务…</button></td>
      </tr>`,
    )}</tbody>
  </table></div>`;
}

function Overdue({ overdue, onPick, picked }) {
  return html`<section class="card" aria-labelledby="leader-overdue-title">
    <h2 id="leader-overdue-title">本乡镇超期办件</h2>
    <${Loaded} state=${overdue} loadingText="正在读取超期办件…">
      ${(data) =>
        data.items.length
          ? html`<p class="muted">共 ${data.total} 件${data.total > data.items.length ? `，显示前 ${data.items.length} 件` : ""}。
                <a href=${`#/cases?township=${data.township}&overdue=true`}>在办件查询中查看全部</a></p>
              <${CaseRows} items=${data.items} label="本乡镇超期办件" onPick=${onPick} picked=${picked} />`
          : html`<${Empty}><p>本乡镇没有超期的在办件。</p><//>`}
    <//>
  </section>`;
}

function NearDue({ open, onPick, picked }) {
  return html`<section class="card" aria-labelledby="leader-near-title">
    <h2 id="leader-near-title">即将到期（${NEAR_DAYS} 日内）</h2>
    <${Loaded} state=${open} loadingText="正在读取在办件…">
      ${(data) => {
        const now = today();
        const near = data.items
          .filter((c) => c.due_date && !c.overdue && daysUntil(c.due_date, now) <= NEAR_DAYS)
          .sort((a, b) => a.due_date.localeCompare(b.due_date));
        const partial = data.total > data.items.length
          ? html`<p class="muted">在办件较多，只核对了最近登记的 ${data.items.length} 件；全部请到<a href=${`#/cases?township=${data.township}&status=open`}>办件查询</a>。</p>`
          : null;
        return near.length
          ? html`${partial}<${CaseRows} items=${near} label="即将到期的办件" onPick=${onPick} picked=${picked} />`
          : html`${partial}<${Empty}><p>${NEAR_DAYS} 日内没有到期的在办件。</p><//>`;
      }}
    <//>
  </section>`;
}

// ---------------------------------------------------------------- reassigning

// The people of the township (its villages included), every page of them: one list.
async function townshipPeople(unit) {
  const first = await api.get("/users", { unit, page_size: 100 });
  const pages = Math.ceil(first.total / 100);
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, pages - 1) }, (_, i) => api.get("/users", { unit, page_size: 100, page: i + 2 })),
  );
  return [first, ...rest].flatMap((p) => p.items);
}

function fits(person, task) {
  return person.roles.includes(task.role) && (task.org_unit || "").startsWith(person.unit || "\u0000");
}

function AssignForm({ task, version, people, onDone, focus }) {
  const [chosen, setChosen] = useState("");
  const [error, setError] = useState(null);
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const ref = useRef(null);
  useEffect(() => {
    if (focus && ref.current) ref.current.focus();
  }, [focus]);
  const options = people.filter((p) => fits(p, task));
  const selectId = "assign-" + task.id;
  async function submit(event) {
    event.preventDefault();
    setFailure(null);
    if (!chosen) {
      setError("请选择接手的人");
      ref.current && ref.current.focus();
      return;
    }
    setError(null);
    setBusy(true);
    try {
      await api.request("POST", `/tasks/${task.id}/assign`, {
        body: { user: chosen },
        headers: { "If-Match": `"${version}"` },
      });
      const person = people.find((p) => p.id === chosen);
      notify(`已把“${task.name}”改派给 ${person ? person.name : chosen}，已在其待办中。`);
      setChosen("");
      onDone();
    } catch (failed) {
      if (failed.status === 422 && failed.fields.user) setError(failed.fields.user);
      else setFailure(failed);
      if (failed.status === 412 || failed.status === 409) onDone();
    } finally {
      setBusy(false);
    }
  }
  return html`<form class="assign-form" onSubmit=${submit} novalidate aria-label=${"改派：" + task.name}>
    ${failure
      ? html`<div class="state error" role="alert">
          <p><strong>${failure.status === 412 ? "办件已被他人改变，没有改派。" : failure.message}</strong></p>
          <p>${failure.status === 412 ? "已重新读取办件：请核对后再改派。" : "请核对后重试。"}</p>
        </div>`
      : null}
    ${error ? html`<p class="visually-hidden" role="alert">${error}</p>` : null}
    <div class=${"field" + (error ? " invalid" : "")}>
      <label for=${selectId}>改派给</label>
      ${options.length
        ? html`<select id=${selectId} ref=${ref} value=${chosen} onChange=${(e) => setChosen(e.target.value)}
            aria-invalid=${error ? "true" : null} aria-describedby=${error ? selectId + "-error" : null}>
            <option value="">请选择…</option>
            ${options.map(
              (p) => html`<option value=${p.id} disabled=${p.absent_today || p.id === task.claimed_by}>
                ${p.name}（${(p.role_names || p.roles).join("、")}）${p.absent_today ? " · 今日离岗" : ""}${p.id === task.claimed_by ? " · 现认领人" : ""}
              </option>`,
            )}
          </select>`
        : html`<p class="muted" id=${selectId}>本乡镇没有担任“${task.role_name || task.role}”的其他人员。</p>`}
      ${error ? html`<p class="field-error" id=${selectId + "-error"}>${error}</p>` : null}
    </div>
    ${options.length ? html`<button type="submit" class="primary" disabled=${busy}>${busy ? "正在改派…" : "改派"}</button>` : null}
  </form>`;
}

function Reassign({ caseId, taskId, user, people, onChanged, onClose }) {
  const detail = useLoad(async () => {
    const { data } = await api.request("GET", `/cases/${caseId}`);
    return data;
  }, [caseId]);
  const heading = useRef(null);
  useEffect(() => {
    heading.current && !taskId && heading.current.focus();
  }, [caseId]);
  function done() {
    detail.reload();
    onChanged();
  }
  return html`<section class="card reassign" aria-labelledby="reassign-title">
    <div class="reassign-head">
      <h2 id="reassign-title" tabindex="-1" ref=${heading}>改派任务</h2>
      <button type="button" onClick=${onClose}>关闭</button>
    </div>
    <${Loaded} state=${detail} loadingText="正在读取办件的待办任务…">
      ${(c) => {
        if (c.township !== user.org_unit || c.read_only) {
          return html`<${Empty}><p>只能改派本乡镇办件的任务。</p><//>`;
        }
        return html`<p>办件 <a href=${"#/cases/" + c.id}>${c.case_number}</a> · ${c.item_name} · ${c.status_name}</p>
          ${!c.tasks.length
            ? html`<${Empty}><p>这个办件现在没有待办任务可改派。</p><//>`
            : html`<ul class="reassign-tasks">
                ${c.tasks.map(
                  (t) => html`<li class=${"reassign-task" + (t.id === taskId ? " picked" : "")} data-task=${t.id}>
                    <h3>${t.name}</h3>
                    <p class="muted">${t.role_name || t.role} · ${t.org_unit_name || t.org_unit} ·
                      时限 <${DueMark} due=${t.due_at} overdue=${t.overdue} /> ·
                      ${t.claimed_by ? "认领人：" + (t.claimed_by_name || t.claimed_by) : "未认领"}</p>
                    ${!people.data && !people.error
                      ? html`<${Loading} text="正在读取本乡镇人员…" />`
                      : people.error
                        ? html`<${ErrorBox} error=${people.error} retry=${people.reload} />`
                        : html`<${AssignForm} task=${t} version=${c.version} people=${people.data}
                            onDone=${done} focus=${t.id === taskId} />`}
                  </li>`,
                )}
              </ul>`}`;
      }}
    <//>
  </section>`;
}

export default function Leader({ user }) {
  const township = user.org_unit;
  const [picked, setPicked] = useState(() => {
    const query = routeQuery();
    const id = Number(query.case);
    return Number.isInteger(id) && id > 0 ? { caseId: id, taskId: query.task || null } : null;
  });
  const queue = useLoad(() => api.get("/tasks", { page_size: 100 }), []);
  const overdue = useLoad(
    () => api.get("/cases", { township, overdue: true, page_size: 100 }).then((d) => ({ ...d, township })),
    [],
  );
  const open = useLoad(
    () => api.get("/cases", { township, status: "open", page_size: 100 }).then((d) => ({ ...d, township })),
    [],
  );
  const [wantPeople, setWantPeople] = useState(picked !== null);
  const people = useLoad(
    () => (wantPeople ? townshipPeople(township) : Promise.resolve(null)),
    [wantPeople],
  );
  function pick(id) {
    setRouteQuery({ case: id });
    setPicked({ caseId: id, taskId: null });
    setWantPeople(true);
  }
  function close() {
    setRouteQuery({});
    setPicked(null);
  }
  function changed() {
    queue.reload();
    overdue.reload();
    open.reload();
  }
  if (!user.roles.includes(LEADER)) {
    return html`<${Page} title="领导审批"><${Empty}><p>此页供乡镇分管领导使用。</p><p>请从左侧菜单进入您的工作页面。</p><//><//>`;
  }
  return html`<${Page} title="领导审批">
    <p class="muted">${user.org_unit_name || township} · 今天 ${today()}</p>
    <div class="leader-grid">
      <div class="leader-lists">
        <${Approvals} queue=${queue} />
        <${Overdue} overdue=${overdue} onPick=${pick} picked=${picked && picked.caseId} />
        <${NearDue} open=${open} onPick=${pick} picked=${picked && picked.caseId} />
      </div>
      ${picked
        ? html`<${Reassign} key=${picked.caseId} caseId=${picked.caseId} taskId=${picked.taskId} user=${user}
            people=${people} onChanged=${changed} onClose=${close} />`
        : null}
    </div>
  <//>`;
}
