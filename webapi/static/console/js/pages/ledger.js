// 问题台账 (三转): the issues in the person's scope (GET /ledger), filtered by status,
// township, village and the day recorded, a page at a time; a village agent records a new
// one (#/ledger/new). Also the pieces the issue and export pages share: the names of the
// ledger's codes, and the townships, villages and items to choose from.
import * as api from "../api.js";
import {
  Empty,
  Field,
  Loaded,
  Loading,
  Page,
  Pager,
  dateTime,
  html,
  routeQuery,
  setRouteQuery,
  today,
  useEffect,
  useLoad,
  useState,
} from "../ui.js";

// The ledger's codes and their names (engine/labels.py: ISSUE_STATUSES, ISSUE_CATEGORIES,
// ISSUE_SOURCES); the API answers with the names of what it returns.
export const STATUSES = { open: "办理中", answered: "已答复", resolved: "已解决" };
export const CATEGORIES = {
  livelihood: "民生保障",
  industry: "产业发展",
  infrastructure: "基础设施",
  land: "土地林地",
  dispute: "矛盾纠纷",
  environment: "环境卫生",
  policy: "政策咨询",
  other: "其他",
};
export const SOURCES = {
  meeting: "碰头会",
  visit: "走访",
  phone: "来电",
  window: "代办点窗口",
  courtyard: "院坝会",
  other: "其他",
};
export const STATUS_TONE = { open: "yellow", answered: "blue", resolved: "green" };

const TOWNSHIP_ROLES = ["township_window", "township_backoffice", "township_leader", "mobile_agent"];

// Which unit filters a person gets: the supervisor chooses township and village, township
// staff a village of their township; others see one village or one department's issues.
export function unitFilters(user) {
  if (user.roles.includes("supervisor")) return { township: true, village: true };
  if (user.roles.some((role) => TOWNSHIP_ROLES.includes(role))) return { township: false, village: true };
  return { township: false, village: false };
}

// The townships and villages the person's scope covers, with their names: once per session.
const unitCache = new Map();
export function loadUnits(user) {
  if (!unitCache.has(user.id)) {
    // GET /units: the county's townships, villages and communities (public, one call).
    // Township and village staff are offered their own township only, as the API
    // answers them nothing else.
    const local = /^\d{9,}$/.test(user.org_unit || "") ? user.org_unit.slice(0, 9) : null;
    const found = api.get("/units").then(({ items }) => ({
      townships: items
        .filter((u) => u.kind === "township" && (!local || u.code === local))
        .map((u) => ({ code: u.code, name: u.name })),
      villages: items
        .filter((u) => (u.kind === "village" || u.kind === "community") && (!local || u.township === local))
        .map((u) => ({ code: u.code, name: u.name, township: u.township })),
    }));
    found.catch(() => unitCache.delete(user.id));
    unitCache.set(user.id, found);
  }
  return unitCache.get(user.id);
}

// The item catalogue (GET /items, 100 a page: the catalogue's size decides the number of
// calls, not what a page shows), read once per session.
let itemCache = null;
export function loadItems() {
  if (!itemCache) {
    itemCache = (async () => {
      const first = await api.get("/items", { page: 1, page_size: 100 });
      const pages = Math.ceil(first.total / 100);
      const rest = await Promise.all(
        Array.from({ length: Math.max(0, pages - 1) }, (_, i) => api.get("/items", { page: i + 2, page_size: 100 })),
      );
      return [first, ...rest].flatMap((page) => page.items);
    })();
    itemCache.catch(() => {
      itemCache = null;
    });
  }
  return itemCache;
}

// The county departments the catalogue's items go to (code and name).
export async function loadDepartments() {
  const { items } = await api.get("/units", { kind: "department" });
  return items.map((u) => ({ code: u.code, name: u.name }));
}

// A township select and a village select (the villages of the chosen township).
export function UnitSelects({ units, filters, value, onChange, prefix, errors = {} }) {
  if (!units) return null;
  const villages = units.villages.filter((v) => !value.township || v.township === value.township);
  return html`
    ${filters.township
      ? html`<${Field} label="乡镇" id=${prefix + "-township"} error=${errors.township}>
          ${({ id, described }) => html`<select id=${id} value=${value.township || ""}
            aria-invalid=${errors.township ? "true" : null} aria-describedby=${described || null}
            onChange=${(e) => onChange({ township: e.target.value, village: "" })}>
            <option value="">全部乡镇</option>
            ${units.townships.map((t) => html`<option value=${t.code}>${t.name}</option>`)}
          </select>`}
        <//>`
      : null}
    ${filters.village
      ? html`<${Field} label="村（社区）" id=${prefix + "-village"} error=${errors.village}>
          ${({ id, described }) => html`<select id=${id} value=${value.village || ""}
            aria-invalid=${errors.village ? "true" : null} aria-describedby=${described || null}
            onChange=${(e) => onChange({ village: e.target.value })}>
            <option value="">全部村（社区）</option>
            ${villages.map((v) => html`<option value=${v.code}>${v.name}</option>`)}
          </select>`}
        <//>`
      : null}`;
}

// ------------------------------------------------------------------ the list

const PAGE_SIZE = 20;
const FILTERS = ["status", "township", "village", "from", "to"];

function fromAddress() {
  const query = routeQuery();
  const found = {};
  for (const name of FILTERS) if (query[name]) found[name] = query[name];
  const page = Number.parseInt(query.page || "1", 10);
  return { filter: found, page: Number.isFinite(page) && page > 0 ? page : 1 };
}

export default function Ledger({ user }) {
  const [start] = useState(fromAddress);
  const [filter, setFilter] = useState(start.filter);
  const [draft, setDraft] = useState(start.filter);
  const [page, setPage] = useState(start.page);
  const filters = unitFilters(user);
  const recorder = user.roles.includes("village_agent");
  const units = useLoad(
    () => (filters.township || filters.village ? loadUnits(user) : Promise.resolve(null)),
    [],
  );

  useEffect(() => {
    setRouteQuery({ ...filter, page: page > 1 ? page : null });
  }, [filter, page]);

  const state = useLoad(
    () => api.get("/ledger", { ...filter, page, page_size: PAGE_SIZE }),
    [JSON.stringify(filter), page],
  );
  const [checked, setChecked] = useState({});
  const fieldErrors = { ...(state.error && state.error.status === 422 ? state.error.fields : {}), ...checked };

  function apply(event) {
    event.preventDefault();
    const found = {};
    if (draft.from && draft.to && draft.to < draft.from) found.to = "止日不能早于起日";
    setChecked(found);
    if (found.to) {
      document.getElementById("ledger-to").focus();
      return;
    }
    setPage(1);
    setFilter({ ...draft });
  }

  function clear() {
    setChecked({});
    setDraft({});
    setPage(1);
    setFilter({});
  }

  const input = (name, label, type) => html`<${Field} label=${label} id=${"ledger-" + name} error=${fieldErrors[name]}>
    ${({ id, described }) => html`<input id=${id} type=${type} value=${draft[name] || ""}
      aria-invalid=${fieldErrors[name] ? "true" : null} aria-describedby=${described || null}
      onInput=${(e) => setDraft({ ...draft, [name]: e.target.value })} />`}
  <//>`;

  return html`<${Page} title="问题台账"
    actions=${recorder ? html`<a class="button primary" href="#/ledger/new">登记问题</a>` : null}><div class="sv">
    <form class="card filters" onSubmit=${apply} aria-label="筛选问题" novalidate>
      ${Object.keys(fieldErrors).length
        ? html`<div class="state error form-summary" role="alert"><p><strong>筛选条件有误：</strong>${Object.values(fieldErrors).join("；")}</p></div>`
        : null}
      <${Field} label="状态" id="ledger-status">
        ${({ id }) => html`<select id=${id} value=${draft.status || ""} onChange=${(e) => setDraft({ ...draft, status: e.target.value })}>
          <option value="">全部状态</option>
          ${Object.entries(STATUSES).map(([code, name]) => html`<option value=${code}>${name}</option>`)}
        </select>`}
      <//>
      ${units.data
        ? html`<${UnitSelects} units=${units.data} filters=${filters} value=${draft} prefix="ledger" errors=${fieldErrors}
            onChange=${(changed) => setDraft({ ...draft, ...changed })} />`
        : null}
      ${input("from", "登记日期起", "date")}
      ${input("to", "登记日期止", "date")}
      <div class="field filter-buttons">
        <button type="submit" class="primary">查询</button>
        <button type="button" onClick=${clear}>清除条件</button>
      </div>
    </form>
    ${units.error ? html`<p class="notice warn">乡镇、村（社区）名单暂时读不到，可先不按单位筛选。</p>` : null}
    ${state.loading && state.data ? html`<${Loading} text="正在更新…" />` : null}
    <${Loaded} state=${state} loadingText="正在读取台账…">
      ${(data) => data && html`<${IssueList} data=${data} recorder=${recorder} filtered=${Object.keys(filter).length > 0}
        page=${page} onPage=${setPage} />`}
    <//>
  </div><//>`;
}

function IssueList({ data, recorder, filtered, page, onPage }) {
  if (!data.items.length) {
    return html`<${Empty}>
      <p>${filtered ? "没有符合条件的问题。" : "台账中还没有您范围内的问题。"}</p>
      <p>${filtered ? "请放宽筛选条件，或点“清除条件”。" : recorder ? "群众反映的问题，请点右上角“登记问题”录入。" : "村（社区）代办员登记问题后会在这里列出。"}</p>
    <//>`;
  }
  return html`<div class="table-wrap">
      <table class="list stack issues">
        <caption class="visually-hidden">问题台账（第 ${page} 页）</caption>
        <thead><tr>
          <th scope="col">台账编号</th><th scope="col">状态</th><th scope="col">所在层级</th>
          <th scope="col">村（社区）</th><th scope="col">类别</th><th scope="col">反映的问题</th>
          <th scope="col">反映人</th><th scope="col">登记时间</th><th scope="col">最近办理</th>
        </tr></thead>
        <tbody>
          ${data.items.map((issue) => html`<tr data-issue=${issue.id}>
            <td data-label="台账编号"><a href=${"#/ledger/" + issue.id}>${issue.number}</a></td>
            <td data-label="状态"><span class=${"tag " + (STATUS_TONE[issue.status] || "")} data-status=${issue.status}>${issue.status_name}</span></td>
            <td data-label="所在层级">${issue.level_name}${issue.department_name ? "·" + issue.department_name : ""}</td>
            <td data-label="村（社区）">${issue.village_name || issue.village}<span class="muted">（${issue.township_name || issue.township}）</span></td>
            <td data-label="类别">${issue.category_name}</td>
            <td data-label="反映的问题" class="content">${issue.content.length > 40 ? issue.content.slice(0, 40) + "…" : issue.content}</td>
            <td data-label="反映人">${issue.resident_name}${issue.resident_phone ? html`<br /><span class="phone">${issue.resident_phone}</span>` : null}</td>
            <td data-label="登记时间" class="when">${dateTime(issue.recorded_at)}</td>
            <td data-label="最近办理" class="when">${dateTime(issue.updated_at)}</td>
          </tr>`)}
        </tbody>
      </table>
    </div>
    <${Pager} page=${data.page} pageSize=${data.page_size} total=${data.total} onPage=${onPage} />`;
}
