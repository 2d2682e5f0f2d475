// 效能监督: the supervision figures (GET /stats, docs/supervision.md) of a period, with the
// change from the previous period of equal length, grouped by township, village, item or
// department (table and chart), a ranking of the townships, and every figure linked to the
// cases behind it (#/cases?... with the case search's own filters).
//
// Calls: the period and the previous one in the chosen grouping, and — for the ranking,
// when the grouping is not by township — the same two by township: at most four, whatever
// the number of rows.
import * as api from "../api.js";
import {
  Empty,
  Field,
  Loaded,
  Loading,
  Page,
  dateTime,
  html,
  loadScript,
  percent,
  routeQuery,
  setRouteQuery,
  today,
  useEffect,
  useLoad,
  useRef,
  useState,
} from "../ui.js";
import { Reports } from "../parts/reports.js";

const CHART_JS = "/console/vendor/chart.umd.min.js";
const GROUPINGS = [
  ["township", "乡镇"],
  ["village", "村（社区）"],
  ["item", "事项"],
  ["department", "县级部门"],
  ["kind", "事项类别（下放/代办）"],
];
// The headline figures (cards), the columns of the group table, and what the chart may show.
const HEADLINE = [
  "on_time_rate",
  "overdue",
  "step_overdue",
  "yellow_warnings",
  "red_warnings",
  "satisfaction_rate",
  "registered",
  "completed",
];
const COLUMNS = [
  "registered",
  "accepted",
  "completed",
  "on_time_rate",
  "overdue",
  "step_overdue",
  "yellow_warnings",
  "red_warnings",
  "satisfaction_rate",
  "ledger_resolution_rate",
];
// Which way is better, for the tone of a change (the arrow and words say it too).
const LOWER_BETTER = new Set([
  "returned", "return_rate", "supplemented", "supplement_rate", "overdue_completed",
  "overdue_open", "overdue", "overdue_rate", "handling_days", "avg_handling_days",
  "step_overdue_done", "step_overdue_open", "step_overdue", "village_holding_days",
  "avg_village_holding_days", "yellow_warnings", "red_warnings", "bad_ratings",
]);
const HIGHER_BETTER = new Set([
  "on_time", "on_time_rate", "early", "early_rate", "first_time_right", "first_time_right_rate",
  "handover_on_time", "handover_on_time_rate", "satisfied", "satisfaction_rate", "rectified",
  "rectified_on_time", "rectification_rate", "ledger_resolved", "ledger_resolution_rate",
]);
// Figures of the case that ends (办结) and of ratings: the closest list is the period's
// completed cases; the ledger's figures go to the ledger.
const COMPLETED_FAMILY = new Set([
  "completed", "completed_with_due_date", "on_time", "on_time_rate", "early", "early_rate",
  "overdue_completed", "handling_days", "handling_cases", "avg_handling_days", "ratings",
  "ratings_by_level", "satisfied", "satisfaction_rate", "bad_ratings", "rectified",
  "rectified_on_time", "rectification_rate", "entered_ratings", "appeal_upheld_ratings",
]);
const LEDGER = new Set(["ledger_recorded", "ledger_resolved", "ledger_resolution_rate"]);
// Only the residents' own ratings (by the link) count; entered and upheld ones are apart.
const RATINGS = new Set([
  "ratings", "ratings_by_level", "satisfied", "satisfaction_rate", "bad_ratings", "rectified",
  "rectified_on_time", "rectification_rate", "entered_ratings", "appeal_upheld_ratings",
]);

// ------------------------------------------------------------------- dates

const DAY = 86400000;
const pad = (n) => String(n).padStart(2, "0");
const DATE_RE = /^\d{4}-\d{2}-\d{2}$/;

function dayMs(text) {
  const [y, m, d] = text.split("-").map(Number);
  return Date.UTC(y, m - 1, d);
}

function dayText(ms) {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())}`;
}

function validDay(text) {
  return DATE_RE.test(text || "") && dayText(dayMs(text)) === text;
}

// The previous period of equal length: the same number of days, ending the day before.
export function previousPeriod(from, to) {
  const days = Math.round((dayMs(to) - dayMs(from)) / DAY) + 1;
  return { from: dayText(dayMs(from) - days * DAY), to: dayText(dayMs(from) - DAY), days };
}

// A month (YYYY-MM): its first day up to its last, or up to today for the current month.
function monthPeriod(month) {
  const [y, m] = month.split("-").map(Number);
  const from = `${month}-01`;
  const last = dayText(Date.UTC(y, m, 0));
  const now = today();
  return { from, to: from <= now && now < last ? now : last };
}

// --------------------------------------------------------------- formatting

export function shown(kind, value, levels) {
  if (value === null || value === undefined) return "—";
  if (kind === "rate") return percent(value);
  if (kind === "days") return String(Number(Number(value).toFixed(2)));
  if (kind === "levels") {
    return (levels || []).map((l) => `${l.name} ${value[l.code] || 0}`).join("、");
  }
  return String(value);
}

// The change from the previous period: direction and amount as shown.
function change(kind, now, before) {
  if (now === null || now === undefined || before === null || before === undefined) return null;
  let amount;
  let difference;
  if (kind === "rate") {
    difference = Math.round((now - before) * 1000) / 10; // percentage points, 1 decimal
    amount = Math.abs(difference).toFixed(1) + " 个百分点";
  } else if (kind === "days") {
    difference = Math.round((now - before) * 100) / 100;
    amount = String(Math.abs(difference)) + " 个工作日";
  } else {
    difference = now - before;
    amount = String(Math.abs(difference));
  }
  if (difference === 0) return { direction: "same", amount: "" };
  return { direction: difference > 0 ? "up" : "down", amount };
}

function Delta({ code, kind, now, before, unit }) {
  if (kind === "levels") return html`<span class="delta none">—</span>`;
  const found = change(kind, now, before);
  if (!found) {
    return html`<span class="delta none" title="本期或上期无此数（无分母）">—<span class="visually-hidden">无可比数据</span></span>`;
  }
  if (found.direction === "same") return html`<span class="delta same">持平</span>`;
  const up = found.direction === "up";
  let tone = "";
  if (LOWER_BETTER.has(code)) tone = up ? "worse" : "better";
  if (HIGHER_BETTER.has(code)) tone = up ? "better" : "worse";
  const words = (up ? "比上期增加" : "比上期减少") + (tone ? (tone === "better" ? "，向好" : "，变差") : "");
  return html`<span class=${"delta " + found.direction + (tone ? " " + tone : "")}>
    <span aria-hidden="true">${up ? "↑" : "↓"}</span>${found.amount}${unit || ""}<span class="visually-hidden">（${words}）</span>
  </span>`;
}

// ------------------------------------------------------------ drill-down

const UNIT_PARAM = { township: "township", village: "village", item: "item", department: "department" };

function address(path, query) {
  const params = new URLSearchParams();
  for (const [name, value] of Object.entries(query)) if (value) params.set(name, value);
  const text = params.toString();
  return "#" + path + (text ? "?" + text : "");
}

// The case list (or the ledger) that reproduces a figure, and how closely, in words.
export function drill(code, { from, to, endsToday, supervisor }, group) {
  if (group && group.by === "kind") return null; // the case search has no filter by kind
  const unit = group && group.unit ? group.unit : null;
  const filter = {};
  let caveat = "";
  if (group && unit && UNIT_PARAM[group.by]) filter[UNIT_PARAM[group.by]] = unit;
  if (LEDGER.has(code)) {
    if (group && (group.by === "item" || group.by === "department")) return null;
    const query = { from, to };
    if (group && unit && (group.by === "township" || group.by === "village")) query[group.by] = unit;
    if (code === "ledger_resolved") query.status = "resolved";
    const title = code === "ledger_recorded"
      ? "统计期内登记的问题（与此数一致）"
      : code === "ledger_resolved"
        ? "统计期内登记、现已解决的问题（此数按统计期末计，之后重新办理的会不同）"
        : "统计期内登记的问题：解决率 = 已解决 / 登记数";
    return { href: address("/ledger", query), title };
  }
  if (code === "overdue_open" || code === "overdue" || code === "overdue_rate") {
    const exact = code === "overdue_open" && endsToday;
    const title = exact
      ? "现已超期的在办件（与此数一致）"
      : code === "overdue_open"
        ? "现已超期的在办件：办件查询只能按今天筛选超期，与统计期末的数字可能不同"
        : "现已超期的在办件：超期已办结的办件无法按超期筛选，列表只含超期未办结部分";
    return { href: address("/cases", { ...filter, overdue: "true" }), title: title + caveat };
  }
  if (code === "registered" && !caveat) {
    const title = supervisor
      ? "统计期内登记的办件（与此数一致）"
      : "统计期内登记的办件（与此数一致；办件查询另含本窗口为其他乡镇登记的办件）";
    return { href: address("/cases", { ...filter, from, to }), title };
  }
  if (COMPLETED_FAMILY.has(code)) {
    const what = RATINGS.has(code) ? "评价" : "办结日期";
    return {
      href: address("/cases", { ...filter, status: "completed", from, to }),
      title: `办件查询不能按${what}筛选：列表为统计期内登记、现已办结的办件，与此数不完全一致${caveat}`,
    };
  }
  return {
    href: address("/cases", { ...filter, from, to }),
    title: `办件查询不能按此指标筛选：列表为统计期内登记的办件，与此数不完全一致${caveat}`,
  };
}

function FigureLink({ link, label, children }) {
  if (!link || children === "—") return children; // no figure (no denominator): no cases
  return html`<a href=${link.href} title=${link.title}>${label ? html`<span class="visually-hidden">${label}：</span>` : null}${children}</a>`;
}

// -------------------------------------------------------------- the ranking

// Townships by on-time rate, ties by volume (completed cases with a due date, then cases
// registered); those without such a completed case are not ranked.
export function ranking(groups) {
  const ranked = groups
    .filter((g) => g.unit && g.figures.on_time_rate !== null)
    .sort(
      (a, b) =>
        b.figures.on_time_rate - a.figures.on_time_rate ||
        b.figures.completed_with_due_date - a.figures.completed_with_due_date ||
        b.figures.registered - a.figures.registered ||
        String(a.unit).localeCompare(String(b.unit)),
    );
  const ranks = new Map();
  ranked.forEach((g, index) => {
    const previous = ranked[index - 1];
    const tied =
      previous &&
      previous.figures.on_time_rate === g.figures.on_time_rate &&
      previous.figures.completed_with_due_date === g.figures.completed_with_due_date;
    ranks.set(g.unit, tied ? ranks.get(previous.unit) : index + 1);
  });
  const unranked = groups.filter((g) => g.unit && g.figures.on_time_rate === null);
  return { ranked, unranked, ranks };
}

function Ranking({ now, before, period }) {
  const current = ranking(now.groups);
  const earlier = ranking(before ? before.groups : []);
  const previousByUnit = new Map((before ? before.groups : []).map((g) => [g.unit, g]));
  if (!current.ranked.length && !current.unranked.length) return null;
  return html`<section class="card" aria-labelledby="ranking-title">
    <h2 id="ranking-title">乡镇排名</h2>
    <p class="hint">按按期办结率从高到低；相同时有承诺期限的办结数多者在前。统计期内没有有承诺期限的办结件的乡镇不参与排名，列在最后。</p>
    <div class="table-wrap">
      <table class="list stack ranking" id="ranking">
        <caption class="visually-hidden">乡镇排名（${period.from} 至 ${period.to}），与上期比较</caption>
        <thead><tr>
          <th scope="col">名次</th><th scope="col">乡镇</th><th scope="col" class="num">按期办结率</th>
          <th scope="col" class="num">有承诺期限的办结数</th><th scope="col">名次变化</th><th scope="col">按期办结率变化</th>
        </tr></thead>
        <tbody>
          ${[...current.ranked, ...current.unranked].map((g) => {
            const rank = current.ranks.get(g.unit);
            const earlierRank = earlier.ranks.get(g.unit);
            const prev = previousByUnit.get(g.unit);
            let move = html`<span class="delta none">—</span>`;
            if (rank && earlierRank) {
              const moved = earlierRank - rank;
              move = moved === 0
                ? html`<span class="delta same">持平</span>`
                : html`<span class=${"delta " + (moved > 0 ? "up better" : "down worse")}><span aria-hidden="true">${moved > 0 ? "↑" : "↓"}</span>${Math.abs(moved)} 位<span class="visually-hidden">（${moved > 0 ? "名次上升" : "名次下降"}，上期第 ${earlierRank} 名）</span></span>`;
            } else if (rank) move = html`<span class="delta none">上期未排名</span>`;
            return html`<tr data-unit=${g.unit}>
              <td data-label="名次" class="rank">${rank ? `第 ${rank} 名` : "未排名"}</td>
              <th scope="row" data-label="乡镇">${g.name}</th>
              <td data-label="按期办结率" class="num" data-figure="on_time_rate">
                <${FigureLink} link=${drill("on_time_rate", period, { by: "township", unit: g.unit })} label=${g.name + " 按期办结率"}>${percent(g.figures.on_time_rate)}<//>
              </td>
              <td data-label="有承诺期限的办结数" class="num" data-figure="completed_with_due_date">${g.figures.completed_with_due_date}</td>
              <td data-label="名次变化" class="move">${move}</td>
              <td data-label="按期办结率变化" class="rate-change">
                <${Delta} code="on_time_rate" kind="rate" now=${g.figures.on_time_rate} before=${prev ? prev.figures.on_time_rate : null} />
              </td>
            </tr>`;
          })}
        </tbody>
      </table>
    </div>
  </section>`;
}

// -------------------------------------------------------------------- chart

function GroupChart({ groups, entry, groupName }) {
  const canvas = useRef(null);
  const box = useRef(null);
  const [failed, setFailed] = useState(null);
  const rows = groups.filter((g) => g.figures[entry.code] !== null);
  useEffect(() => {
    let live = true;
    let chart = null;
    const horizontal = groups.length > 8;
    if (box.current) box.current.style.height = horizontal ? `${Math.max(12, groups.length * 1.8 + 4)}rem` : "";
    loadScript(CHART_JS).then(
      () => {
        if (!live || !canvas.current) return;
        const rate = entry.kind === "rate";
        chart = new window.Chart(canvas.current, {
          type: "bar",
          data: {
            labels: groups.map((g) => g.name),
            datasets: [{
              label: entry.name + (rate ? "（%）" : ""),
              data: groups.map((g) => {
                const value = g.figures[entry.code];
                if (value === null || value === undefined) return null;
                return rate ? Math.round(value * 1000) / 10 : value;
              }),
              backgroundColor: "#1f5fa8",
            }],
          },
          options: {
            indexAxis: horizontal ? "y" : "x",
            animation: false,
            responsive: true,
            maintainAspectRatio: false,
            plugins: { legend: { display: false } },
            scales: {
              [horizontal ? "x" : "y"]: {
                beginAtZero: true,
                ...(rate ? { max: 100, ticks: { callback: (v) => v + "%" } } : {}),
                ...(entry.kind === "count" ? { ticks: { precision: 0 } } : {}),
              },
            },
          },
        });
      },
      (error) => live && setFailed(error),
    );
    return () => {
      live = false;
      if (chart) chart.destroy();
    };
  }, [groups, entry.code]);
  const label = `柱状图：按${groupName}的${entry.name}` +
    (rows.length ? `，${rows.length} 个${groupName}有数；各数见下方表格` : "，均无数据");
  return html`<figure class="chart">
    <figcaption>${entry.name} · 按${groupName}${entry.kind === "rate" ? "（单位：%）" : ""}；同样的数据见下表。</figcaption>
    ${failed ? html`<p class="notice warn">图表加载失败，请看下方表格。</p>` : null}
    <div class="chart-box" ref=${box}>
      <canvas ref=${canvas} role="img" aria-label=${label}></canvas>
    </div>
  </figure>`;
}

// ---------------------------------------------------------------- the page

function Headline({ entry, now, before, period }) {
  const link = drill(entry.code, period, null);
  return html`<li class="kpi" data-figure=${entry.code}>
    <span class="kpi-name" title=${entry.description}>${entry.name}</span>
    <span class="kpi-value value">${shown(entry.kind, now[entry.code])}</span>
    <span class="kpi-change">上期 <span class="before">${shown(entry.kind, before ? before[entry.code] : null)}</span>
      <${Delta} code=${entry.code} kind=${entry.kind} now=${now[entry.code]} before=${before ? before[entry.code] : null} /></span>
    ${link ? html`<a class="kpi-link" href=${link.href} title=${link.title}>查看办件<span class="visually-hidden">：${entry.name}，${link.title}</span></a>` : null}
  </li>`;
}

function GroupTable({ report, columns, period, tableId }) {
  const legend = new Map(report.legend.map((e) => [e.code, e]));
  const by = report.group_by;
  return html`<div class="table-wrap">
    <table class="list stack groups" id=${tableId}>
      <caption class="visually-hidden">按${report.group_by_name}分组的主要指标（${period.from} 至 ${period.to}）</caption>
      <thead><tr>
        <th scope="col">${report.group_by_name}</th>
        ${columns.map((code) => html`<th scope="col" class="num" title=${legend.get(code).description}>${legend.get(code).name}</th>`)}
      </tr></thead>
      <tbody>
        ${report.groups.map(
          (g) => html`<tr data-unit=${g.unit === null ? "" : g.unit}>
            <th scope="row" data-label=${report.group_by_name}>${g.name}${g.unit && by !== "county" && by !== "kind" ? html` <span class="code">${g.unit}</span>` : null}</th>
            ${columns.map((code) => {
              const entry = legend.get(code);
              const link = drill(code, period, { by, unit: g.unit });
              return html`<td class="num" data-label=${entry.name} data-figure=${code}>
                <${FigureLink} link=${link} label=${`${g.name} ${entry.name}`}>${shown(entry.kind, g.figures[code])}<//>
              </td>`;
            })}
          </tr>`,
        )}
      </tbody>
      <tfoot>
        <tr data-unit="total">
          <th scope="row" data-label=${report.group_by_name}>合计</th>
          ${columns.map((code) => html`<td class="num" data-label=${legend.get(code).name} data-figure=${code}>${shown(legend.get(code).kind, report.total[code])}</td>`)}
        </tr>
      </tfoot>
    </table>
  </div>`;
}

function AllFigures({ report, before, period }) {
  return html`<div class="table-wrap">
    <table class="list stack figures" id="all-figures">
      <caption class="visually-hidden">全部指标：本期、上期与变化</caption>
      <thead><tr>
        <th scope="col">指标</th><th scope="col" class="num">本期</th><th scope="col" class="num">上期</th>
        <th scope="col">变化</th><th scope="col">口径</th><th scope="col">办件</th>
      </tr></thead>
      <tbody>
        ${report.legend.map((entry) => {
          const now = report.total[entry.code];
          const then = before ? before.total[entry.code] : null;
          const link = drill(entry.code, period, null);
          return html`<tr data-figure=${entry.code}>
            <th scope="row" data-label="指标">${entry.name}</th>
            <td class="num value" data-label="本期">${shown(entry.kind, now, entry.levels)}</td>
            <td class="num before" data-label="上期">${shown(entry.kind, then, entry.levels)}</td>
            <td data-label="变化" class="change">${entry.kind === "levels" && before
              ? html`<ul class="levels">${entry.levels.map((l) => html`<li>${l.name} <${Delta} code=${entry.code} kind="count" now=${now[l.code] || 0} before=${then[l.code] || 0} /></li>`)}</ul>`
              : html`<${Delta} code=${entry.code} kind=${entry.kind} now=${now} before=${then} />`}</td>
            <td data-label="口径" class="description">${entry.description}</td>
            <td data-label="办件">${link ? html`<a href=${link.href} title=${link.title}>${entry.code.startsWith("ledger_") ? "查看台账" : "查看办件"}<span class="visually-hidden">：${entry.name}</span></a>` : "—"}</td>
          </tr>`;
        })}
      </tbody>
    </table>
  </div>`;
}

function initial(user) {
  const query = routeQuery();
  const now = today();
  const fallback = monthPeriod(now.slice(0, 7));
  const from = validDay(query.from) ? query.from : fallback.from;
  const to = validDay(query.to) ? query.to : fallback.to;
  const supervisor = user.roles.includes("supervisor");
  const groupings = GROUPINGS.map(([code]) => code);
  const groupBy = groupings.includes(query.group_by) ? query.group_by : supervisor ? "township" : "village";
  return { from, to, groupBy, figure: query.figure || "on_time_rate" };
}

export default function Dashboard({ user }) {
  const [start] = useState(() => initial(user));
  const [period, setPeriod] = useState({ from: start.from, to: start.to });
  const [groupBy, setGroupBy] = useState(start.groupBy);
  const [figure, setFigure] = useState(start.figure);
  const [draft, setDraft] = useState({ from: start.from, to: start.to });
  const [errors, setErrors] = useState({});
  const supervisor = user.roles.includes("supervisor");

  useEffect(() => {
    setRouteQuery({ from: period.from, to: period.to, group_by: groupBy, figure: figure === "on_time_rate" ? null : figure });
  }, [period, groupBy, figure]);

  const state = useLoad(async () => {
    const earlier = previousPeriod(period.from, period.to);
    const comparable = earlier.from >= "2000-01-01";
    const ask = (p, by) => api.get("/stats", { from: p.from, to: p.to, group_by: by });
    const rank = supervisor && groupBy !== "township";
    const [now, before, townsNow, townsBefore] = await Promise.all([
      ask(period, groupBy),
      comparable ? ask(earlier, groupBy) : null,
      rank ? ask(period, "township") : null,
      rank && comparable ? ask(earlier, "township") : null,
    ]);
    return {
      now,
      before,
      earlier,
      townsNow: groupBy === "township" ? now : townsNow,
      townsBefore: groupBy === "township" ? before : townsBefore,
    };
  }, [period.from, period.to, groupBy]);

  useEffect(() => {
    // A period the API refused: its reasons beside the fields.
    if (state.error && state.error.status === 422) setErrors(state.error.fields || {});
  }, [state.error]);

  function pickMonth(event) {
    const month = event.target.value;
    if (!/^\d{4}-\d{2}$/.test(month)) return;
    const chosen = monthPeriod(month);
    setDraft(chosen);
    setErrors({});
    setPeriod(chosen);
  }

  function apply(event) {
    event.preventDefault();
    const found = {};
    if (!validDay(draft.from)) found.from = "请填写起日（年-月-日）";
    if (!validDay(draft.to)) found.to = "请填写止日（年-月-日）";
    if (!found.from && !found.to && draft.to < draft.from) found.to = "止日不能早于起日";
    setErrors(found);
    if (Object.keys(found).length) {
      const first = document.getElementById(found.from ? "dash-from" : "dash-to");
      first && first.focus();
      return;
    }
    setPeriod({ from: draft.from, to: draft.to });
  }

  const month = period.from.slice(0, 7);
  const wholeMonth = period.from.endsWith("-01") && monthPeriod(month).to === period.to;
  const errorList = Object.entries(errors).filter(([name]) => name === "from" || name === "to");
  return html`<${Page} title="效能监督" wide><div class="sv">
    <form class="card filters dashboard-filters" onSubmit=${apply} novalidate aria-label="统计期与分组">
      ${errorList.length
        ? html`<div class="state error form-summary" role="alert">
            <p><strong>统计期有误：</strong>${errorList.map(([, reason]) => reason).join("；")}</p>
          </div>`
        : null}
      <${Field} label="月份" id="dash-month" hint="选月份即按该月统计">
        ${({ id, described }) => html`<input id=${id} type="month" value=${wholeMonth ? month : ""}
          aria-describedby=${described || null} onChange=${pickMonth} />`}
      <//>
      <${Field} label="起日" id="dash-from" error=${errors.from}>
        ${({ id, described }) => html`<input id=${id} type="date" value=${draft.from} required
          aria-invalid=${errors.from ? "true" : null} aria-describedby=${described || null}
          onInput=${(e) => setDraft({ ...draft, from: e.target.value })} />`}
      <//>
      <${Field} label="止日" id="dash-to" error=${errors.to}>
        ${({ id, described }) => html`<input id=${id} type="date" value=${draft.to} required
          aria-invalid=${errors.to ? "true" : null} aria-describedby=${described || null}
          onInput=${(e) => setDraft({ ...draft, to: e.target.value })} />`}
      <//>
      <div class="field"><button type="submit" class="primary">统计</button></div>
      <${Field} label="分组" id="dash-group">
        ${({ id }) => html`<select id=${id} value=${groupBy} onChange=${(e) => setGroupBy(e.target.value)}>
          ${GROUPINGS.map(([code, name]) => html`<option value=${code}>按${name}</option>`)}
        </select>`}
      <//>
    </form>
    ${state.loading && state.data ? html`<${Loading} text="正在更新统计…" />` : null}
    <${Loaded} state=${state} loadingText="正在统计…">
      ${(data) => data && html`<${Figures} data=${data}
        figure=${figure} setFigure=${setFigure} supervisor=${supervisor} />`}
    <//>
    <${Reports} user=${user} month=${month} />
  </div><//>`;
}

function Figures({ data, figure, setFigure, supervisor }) {
  const { now, before, earlier } = data;
  const legend = new Map(now.legend.map((e) => [e.code, e]));
  const context = {
    from: now.from,
    to: now.to,
    endsToday: now.to >= today(),
    supervisor,
  };
  const chartable = now.legend.filter((e) => e.kind !== "levels");
  const entry = legend.get(figure) && legend.get(figure).kind !== "levels" ? legend.get(figure) : legend.get("on_time_rate");
  const columns = COLUMNS.includes(entry.code) ? COLUMNS : [...COLUMNS, entry.code];
  const nothing = now.total.registered === 0 && now.total.completed === 0 && now.total.accepted === 0 &&
    now.total.steps_done === 0 && now.total.ratings === 0 && !now.total.ledger_recorded &&
    now.total.overdue_open === 0;
  return html`
    <p class="period-line" id="period-line">
      统计期 <strong>${now.from}</strong> 至 <strong>${now.to}</strong>（统计时点 ${dateTime(now.as_of)}）；
      ${before
        ? html`与上期 <strong class="previous-period">${earlier.from} 至 ${earlier.to}</strong>（同为 ${earlier.days} 天）比较。`
        : "上期超出可统计的年份，不作比较。"}
    </p>
    ${nothing
      ? html`<${Empty}><p>这一统计期内没有办件、评价或台账问题，各项均为 0。</p><p>请换一个月份或起止日期。</p><//>`
      : null}
    <section aria-labelledby="headline-title">
      <h2 id="headline-title">主要指标</h2>
      <ul class="kpis">
        ${HEADLINE.map((code) => html`<${Headline} entry=${legend.get(code)} now=${now.total} before=${before && before.total} period=${context} />`)}
      </ul>
      <p class="hint">点“查看办件”打开相应的办件列表；列表与指标口径不完全一致时，链接的提示中有说明。</p>
    </section>
    ${supervisor && data.townsNow
      ? html`<${Ranking} now=${data.townsNow} before=${data.townsBefore} period=${context} />`
      : null}
    <section class="card" aria-labelledby="groups-title">
      <h2 id="groups-title">按${now.group_by_name}</h2>
      <div class="filters">
        <${Field} label="图表指标" id="dash-figure">
          ${({ id }) => html`<select id=${id} value=${entry.code} onChange=${(e) => setFigure(e.target.value)}>
            ${chartable.map((e) => html`<option value=${e.code}>${e.name}</option>`)}
          </select>`}
        <//>
      </div>
      ${now.groups.length
        ? html`<${GroupChart} groups=${now.groups} entry=${entry} groupName=${now.group_by_name} />
          <${GroupTable} report=${now} columns=${columns} period=${context} tableId="group-table" />`
        : html`<${Empty}><p>统计期内没有可按${now.group_by_name}分组的办件。</p><p>请换一个统计期或分组。</p><//>`}
    </section>
    <section class="card" aria-labelledby="all-title">
      <h2 id="all-title">全部指标</h2>
      <p class="hint">黄牌预警点：时限已用 ${Math.round(now.warning_share * 100)}%。各项口径见 docs/supervision.md。</p>
      <${AllFigures} report=${now} before=${before} period=${context} />
    </section>`;
}
