// 办件查询: the cases of the caller's scope (GET /cases, scoped by the API: the page shows
// what the API returns, nothing else), searched by case number, applicant name or the last
// characters of the ID number, filtered by item, status, township/village (where the caller
// may choose), registration dates and overdue. The filters live in the address
// (#/cases?item=MZ004&overdue=true&from=2026-09-01...), so a drill-down link opens the list.
import * as api from "../api.js";
import {
  DueMark,
  Empty,
  ErrorBox,
  Field,
  Loading,
  Page,
  Pager,
  dateTime,
  html,
  routeQuery,
  setRouteQuery,
  useEffect,
  useLoad,
  useState,
} from "../ui.js";

const PAGE_SIZE = 20;
// The filters this page reads from and writes to the address, in the API's names.
const FILTERS = [
  "number", "applicant", "id_tail", "item", "status", "township", "village", "department", "from", "to", "overdue",
];
const SEARCHES = ["number", "applicant", "id_tail"];
const STATUSES = [
  ["", "全部"],
  ["open", "在办"],
  ["completed", "已办结"],
  ["cancelled", "已撤件"],
];
const LABELS = {
  number: "办件编号",
  applicant: "申请人姓名",
  id_tail: "身份证号后几位",
  item: "事项",
  status: "状态",
  township: "乡镇（街道）",
  village: "村（社区）",
  department: "县级部门",
  from: "登记日期起",
  to: "登记日期止",
  overdue: "只看已超期",
};

function fromAddress() {
  const query = routeQuery();
  const found = {};
  for (const name of FILTERS) if (query[name]) found[name] = query[name];
  if (found.overdue && found.overdue !== "true") delete found.overdue;
  const page = Number(query.page);
  return { filters: found, page: Number.isInteger(page) && page > 1 ? page : 1 };
}

// Township and village choices: the county's units (GET /units), named.
function unitsOf(kind, within) {
  return api.get("/units", { kind, within }).then((answer) => answer.items.map((u) => ({ code: u.code, name: u.name })));
}

async function allItems() {
  const first = await api.get("/items", { page_size: 100 });
  const pages = Math.ceil(first.total / 100);
  const rest = await Promise.all(
    Array.from({ length: Math.max(0, pages - 1) }, (_, i) => api.get("/items", { page_size: 100, page: i + 2 })),
  );
  return [first, ...rest].flatMap((p) => p.items);
}

function countyWide(user) {
  return user.roles.includes("supervisor");
}

function townshipStaff(user) {
  return /^[0-9]{9}$/.test(user.org_unit || "") &&
    user.roles.some((r) => ["township_window", "township_backoffice", "township_leader", "mobile_agent"].includes(r));
}

function Choices({ user, draft, setDraft, errors }) {
  const items = useLoad(allItems, []);
  const mayTownship = countyWide(user);
  const villageTownship = mayTownship ? draft.township : townshipStaff(user) ? user.org_unit : null;
  const townships = useLoad(() => (mayTownship ? unitsOf("township") : Promise.resolve([])), [mayTownship]);
  const villages = useLoad(
    () => (villageTownship ? unitsOf("village", villageTownship) : Promise.resolve([])),
    [villageTownship],
  );
  const set = (name) => (event) => setDraft({ ...draft, [name]: event.target.value });
  const control = (name) => ({
    "aria-invalid": errors[name] ? "true" : null,
    "aria-describedby": errors[name] ? `cases-${name}-error` : null,
  });
  const itemOptions = items.data || [];
  const known = itemOptions.some((i) => i.code === draft.item);
  return html`
    <${Field} label=${LABELS.item} id="cases-item" error=${errors.item}>
      <select id="cases-item" value=${draft.item || ""} onChange=${set("item")} ...${control("item")}>
        <option value="">${items.loading ? "正在加载事项…" : "全部事项"}</option>
        ${draft.item && !known ? html`<option value=${draft.item}>${draft.item}</option>` : null}
        ${itemOptions.map((i) => html`<option value=${i.code}>${i.code} ${i.name}</option>`)}
      </select>
    <//>
    <${Field} label=${LABELS.status} id="cases-status" error=${errors.status}>
      <select id="cases-status" value=${draft.status || ""} onChange=${set("status")} ...${control("status")}>
        ${STATUSES.map(([code, name]) => html`<option value=${code}>${name}</option>`)}
      </select>
    <//>
    ${mayTownship
      ? html`<${Field} label=${LABELS.township} id="cases-township" error=${errors.township}>
          <select id="cases-township" value=${draft.township || ""} ...${control("township")}
            onChange=${(e) => setDraft({ ...draft, township: e.target.value, village: "" })}>
            <option value="">全县</option>
            ${draft.township && !(townships.data || []).some((t) => t.code === draft.township)
              ? html`<option value=${draft.township}>${draft.township}</option>`
              : null}
            ${(townships.data || []).map((t) => html`<option value=${t.code}>${t.name}</option>`)}
          </select>
        <//>`
      : null}
    ${villageTownship
      ? html`<${Field} label=${LABELS.village} id="cases-village" error=${errors.village}>
          <select id="cases-village" value=${draft.village || ""} onChange=${set("village")} ...${control("village")}>
            <option value="">全部村（社区）</option>
            ${draft.village && !(villages.data || []).some((v) => v.code === draft.village)
              ? html`<option value=${draft.village}>${draft.village}</option>`
              : null}
            ${(villages.data || []).map((v) => html`<option value=${v.code}>${v.name}</option>`)}
          </select>
        <//>`
      : null}`;
}

function Filters({ user, filters, errors, onSearch }) {
  const [draft, setDraft] = useState(filters);
  useEffect(() => setDraft(filters), [JSON.stringify(filters)]);
  const set = (name) => (event) => setDraft({ ...draft, [name]: event.target.value });
  const control = (name) => ({
    "aria-invalid": errors[name] ? "true" : null,
    "aria-describedby": errors[name] ? `cases-${name}-error` : null,
  });
  function submit(event) {
    event.preventDefault();
    const chosen = {};
    for (const name of FILTERS) {
      const value = typeof draft[name] === "string" ? draft[name].trim() : draft[name];
      if (value) chosen[name] = value;
    }
    onSearch(chosen);
  }
  function clear() {
    setDraft({});
    onSearch({});
  }
  const listed = Object.keys(errors).filter((name) => LABELS[name]);
  return html`<form class="card case-search" role="search" aria-label="办件查询条件" onSubmit=${submit} novalidate>
    ${draft.department
      ? html`<p class="notice info">只看县级部门 ${draft.department} 主管事项的办件（来自效能监督）。
          <button type="button" class="link" onClick=${() => setDraft({ ...draft, department: "" })}>不按部门</button></p>`
      : null}
    ${listed.length
      ? html`<div class="state error" role="alert">
          <p><strong>查询条件有 ${listed.length} 处需要修改：</strong></p>
          <ul>${listed.map((name) => html`<li><a href=${"#cases-" + name} onClick=${(e) => {
            e.preventDefault();
            document.getElementById("cases-" + name)?.focus();
          }}>${LABELS[name]}：${errors[name]}</a></li>`)}</ul>
        </div>`
      : null}
    <div class="filters search-row">
      <${Field} label=${LABELS.number} id="cases-number" error=${errors.number} hint="完整编号或其开头（至少 4 位）">
        <input id="cases-number" name="number" value=${draft.number || ""} onInput=${set("number")}
          maxlength="40" autocomplete="off" inputmode="numeric" ...${control("number")}
          aria-describedby=${["cases-number-hint", errors.number ? "cases-number-error" : null].filter(Boolean).join(" ")} />
      <//>
      <${Field} label=${LABELS.applicant} id="cases-applicant" error=${errors.applicant}>
        <input id="cases-applicant" name="applicant" value=${draft.applicant || ""} onInput=${set("applicant")}
          maxlength="50" autocomplete="off" ...${control("applicant")} />
      <//>
      <${Field} label=${LABELS.id_tail} id="cases-id_tail" error=${errors.id_tail} hint="4–6 位，末位可为 X">
        <input id="cases-id_tail" name="id_tail" value=${draft.id_tail || ""} onInput=${set("id_tail")}
          maxlength="6" size="8" autocomplete="off" ...${control("id_tail")}
          aria-describedby=${["cases-id_tail-hint", errors.id_tail ? "cases-id_tail-error" : null].filter(Boolean).join(" ")} />
      <//>
    </div>
    <div class="filters">
      <${Choices} user=${user} draft=${draft} setDraft=${setDraft} errors=${errors} />
      <${Field} label=${LABELS.from} id="cases-from" error=${errors.from}>
        <input id="cases-from" type="date" value=${draft.from || ""} onInput=${set("from")} ...${control("from")} />
      <//>
      <${Field} label=${LABELS.to} id="cases-to" error=${errors.to}>
        <input id="cases-to" type="date" value=${draft.to || ""} onInput=${set("to")} ...${control("to")} />
      <//>
      <div class="field overdue-check">
        <input id="cases-overdue" type="checkbox" checked=${draft.overdue === "true"}
          onChange=${(e) => setDraft({ ...draft, overdue: e.target.checked ? "true" : "" })} />
        <label for="cases-overdue">${LABELS.overdue}</label>
      </div>
    </div>
    <div class="search-actions">
      <button type="submit" class="primary">查询</button>
      <button type="button" onClick=${clear}>清空条件</button>
    </div>
  </form>`;
}

function Results({ page, filters, onPage }) {
  const { data } = page;
  const searched = Object.keys(filters).length > 0;
  if (!data.items.length) {
    return html`<${Empty}>
      <p><strong>没有找到</strong>${searched ? "符合条件的办件。" : "办件。"}</p>
      <p>${searched
        ? "请核对办件编号、申请人姓名或身份证号后几位，或放宽筛选条件后再查。只能查到您办理范围内的办件。"
        : "您的办理范围内还没有办件。"}</p>
    <//>`;
  }
  return html`<div class="table-wrap">
      <table class="list stack case-list" aria-describedby="cases-count">
        <caption class="visually-hidden">办件查询结果</caption>
        <thead><tr>
          <th scope="col">办件编号</th><th scope="col">事项</th><th scope="col">状态</th>
          <th scope="col">办理地</th><th scope="col">登记时间</th><th scope="col">办结期限</th>
        </tr></thead>
        <tbody>
          ${data.items.map(
            (c) => html`<tr>
              <td data-label="办件编号"><a href=${"#/cases/" + c.id}>${c.case_number || "#" + c.id}</a></td>
              <td data-label="事项">${c.item_name || c.item_code}</td>
              <td data-label="状态"><span class=${"tag " + statusTag(c.status)}>${c.status_name}</span></td>
              <td data-label="办理地">${[c.township_name, c.village_name].filter(Boolean).join(" · ") || "—"}</td>
              <td data-label="登记时间">${dateTime(c.created_at)}</td>
              <td data-label="办结期限">${c.status === "open"
                ? html`<${DueMark} due=${c.due_date} overdue=${c.overdue} />`
                : html`<span class="due none">${c.due_date || "—"}</span>`}</td>
            </tr>`,
          )}
        </tbody>
      </table>
    </div>
    <p id="cases-count" class="visually-hidden">${data.total_exact === false ? `超过 ${data.total} 条` : `共 ${data.total} 条`}</p>
    <${Pager} page=${data.page} pageSize=${data.page_size} total=${data.total} exact=${data.total_exact !== false} onPage=${onPage} />`;
}

export function statusTag(status) {
  return { open: "blue", completed: "green", cancelled: "" }[status] || "";
}

export default function Cases({ user }) {
  const [where, setWhere] = useState(fromAddress);
  useEffect(() => {
    // A link to another filter while this page is open (#/cases?item=...): read it again.
    const changed = () => {
      if (location.hash.startsWith("#/cases") && !/^#\/cases\/[^?]/.test(location.hash)) setWhere(fromAddress());
    };
    window.addEventListener("hashchange", changed);
    return () => window.removeEventListener("hashchange", changed);
  }, []);
  const key = JSON.stringify(where);
  const list = useLoad(
    () => api.get("/cases", { ...where.filters, page: where.page, page_size: PAGE_SIZE }),
    [key],
  );
  function go(filters, page = 1) {
    setRouteQuery({ ...filters, page: page > 1 ? page : undefined });
    setWhere({ filters, page });
  }
  const invalid = list.error && list.error.status === 422 ? list.error.fields : {};
  const searchedBy = SEARCHES.filter((s) => where.filters[s]);
  return html`<${Page} title="办件查询">
    <${Filters} user=${user} filters=${where.filters} errors=${invalid} onSearch=${(f) => go(f)} />
    <section aria-labelledby="cases-results-title" aria-busy=${list.loading ? "true" : "false"}>
      <h2 id="cases-results-title">查询结果${searchedBy.length
        ? html`<span class="searched-by">（按${searchedBy.map((s) => LABELS[s]).join("、")}）</span>`
        : null}</h2>
      ${list.loading
        ? html`<${Loading} text="正在查询…" />`
        : list.error && list.error.status === 422
          ? html`<p class="state empty">请按上面的提示修改查询条件后再查。</p>`
          : list.error
            ? html`<${ErrorBox} error=${list.error} retry=${list.reload} />`
            : html`<${Results} page=${list} filters=${where.filters} onPage=${(p) => go(where.filters, p)} />`}
    </section>
  <//>`;
}
