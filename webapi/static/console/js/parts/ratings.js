// 好差评 on the case page: the case's ratings (who rated, by which channel, the appeal and
// its ruling), the resident's one-time link while the case waits for its rating (staff
// hand it over; the resident rates on /rating, never here), a form to enter a rating the
// resident gave on paper or on the counter's rating pad (flagged as entered), 申诉 for the
// township's staff and 裁定申诉 for the supervisor. GET /cases/{id}/ratings, POST
// /cases/{id}/ratings, .../ratings/appeal, .../ratings/appeal/decision; the API decides
// who may do what, this only leaves out what it would refuse.
// The case page renders it: <Ratings detail=${case} user=${user} onDone=${fn} />.

import * as api from "../api.js";
import { ErrorBox, Field, dateTime, html, notify, useLoad, useState } from "../ui.js";

const LEVELS = [
  [5, "very_satisfied", "非常满意"],
  [4, "satisfied", "满意"],
  [3, "basic", "基本满意"],
  [2, "dissatisfied", "不满意"],
  [1, "very_dissatisfied", "非常不满意"],
];
const REASONS = {
  slow: "办理时间长",
  many_trips: "多次跑腿",
  attitude: "服务态度不好",
  unclear: "告知不清楚、不一次性",
  materials: "要求的材料多",
  result: "对办理结果不满意",
  other: "其他",
};
const CHANNELS = {
  link: "群众本人（评价链接）",
  paper: "纸质评价表（工作人员录入）",
  pad: "窗口评价器（工作人员录入）",
  message: "工作人员以消息提交（启用评价链接前）",
};
const BAD = new Set(["dissatisfied", "very_dissatisfied"]);
const TOWNSHIP_STAFF = ["township_window", "township_backoffice", "township_leader"];

function roles(user) {
  return (user && user.roles) || [];
}

// One POST of the part; the answer's field errors, or a failure to show.
async function send(path, body, setErrors, setFailure, done) {
  setErrors({});
  setFailure(null);
  try {
    await api.request("POST", path, { body });
    done();
  } catch (failed) {
    if (failed.status === 422) setErrors(failed.fields || {});
    else setFailure(failed);
  }
}

function Failure({ failure }) {
  return failure ? html`<div class="state error" role="alert"><p><strong>${failure.message}</strong></p></div>` : null;
}

function Choices({ name, legend, options, value, onChange, type = "radio", error }) {
  const selected = type === "radio" ? [value] : value;
  return html`<fieldset class="choices" aria-describedby=${error ? name + "-error" : null}>
    <legend>${legend}<span class="required" aria-hidden="true"> *</span></legend>
    ${options.map(
      ([code, label]) => html`<label class="choice" key=${code}>
        <input type=${type} name=${name} value=${code} checked=${selected.includes(code)}
          onChange=${() => onChange(code)} />
        ${label}
      </label>`,
    )}
    ${error ? html`<p class="field-error" id=${name + "-error"}>${error}</p>` : null}
  </fieldset>`;
}

function EnterRating({ detail, onDone }) {
  const [channel, setChannel] = useState("paper");
  const [level, setLevel] = useState(null);
  const [reasons, setReasons] = useState([]);
  const [comment, setComment] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const bad = level !== null && level <= 2;
  const toggle = (code) => setReasons((old) => (old.includes(code) ? old.filter((c) => c !== code) : [...old, code]));
  async function submit(event) {
    event.preventDefault();
    if (level === null) {
      setErrors({ level: "请选择评价等级" });
      return;
    }
    setBusy(true);
    await send(`/cases/${detail.id}/ratings`, { level, channel, reasons: bad ? reasons : [], comment },
      setErrors, setFailure, () => { notify("已录入评价（不计入满意率）"); onDone(); });
    setBusy(false);
  }
  return html`<form class="rating-entry" onSubmit=${submit} novalidate aria-labelledby="rating-entry-title">
    <h3 id="rating-entry-title">录入纸质/评价器评价</h3>
    <p class="hint">只录入群众本人在纸质评价表或窗口评价器上作出的评价；录入人记入办件历史，统计中另列，不计入满意率。</p>
    <${Failure} failure=${failure} />
    <${Choices} name="rating-channel" legend="评价来自" value=${channel} onChange=${setChannel}
      options=${[["paper", CHANNELS.paper], ["pad", CHANNELS.pad]]} error=${errors.channel} />
    <${Choices} name="rating-level" legend="评价等级" value=${level} onChange=${setLevel}
      options=${LEVELS.map(([score, , name]) => [score, `${score} ${name}`])} error=${errors.level} />
    ${bad
      ? html`<${Choices} name="rating-reasons" legend="不满意的原因" type="checkbox" value=${reasons} onChange=${toggle}
          options=${Object.entries(REASONS)} error=${errors.reasons} />`
      : null}
    <${Field} label="评价意见" id="rating-comment" error=${errors.comment}>
      <textarea id="rating-comment" maxlength="2000" value=${comment} onInput=${(e) => setComment(e.target.value)}></textarea>
    <//>
    <button type="submit" class="primary" disabled=${busy}>${busy ? "正在录入…" : "录入评价"}</button>
  </form>`;
}

function TextAction({ id, title, label, hint, button, path, extra, onDone, children }) {
  const [text, setText] = useState("");
  const [errors, setErrors] = useState({});
  const [failure, setFailure] = useState(null);
  const [busy, setBusy] = useState(false);
  const field = extra ? "opinion" : "reason";
  async function submit(event) {
    event.preventDefault();
    if (!text.trim()) {
      setErrors({ [field]: `请填写${label}` });
      return;
    }
    setBusy(true);
    await send(path, { ...(extra || {}), [field]: text.trim() }, setErrors, setFailure, () => {
      notify(`已提交：${title}`);
      onDone();
    });
    setBusy(false);
  }
  return html`<form class=${"rating-" + id} onSubmit=${submit} novalidate aria-labelledby=${id + "-title"}>
    <h3 id=${id + "-title"}>${title}</h3>
    <${Failure} failure=${failure} />
    ${children}
    <${Field} label=${label} required id=${id + "-text"} error=${errors[field]} hint=${hint}>
      <textarea id=${id + "-text"} maxlength="2000" value=${text} onInput=${(e) => setText(e.target.value)}
        aria-invalid=${errors[field] ? "true" : null}></textarea>
    <//>
    <button type="submit" class="primary" disabled=${busy}>${busy ? "正在提交…" : button}</button>
  </form>`;
}

function Decide({ detail, onDone }) {
  const [upheld, setUpheld] = useState("no");
  return html`<${TextAction} id="appeal-decision" title="裁定申诉" label="裁定意见" button="提交裁定"
    hint="申诉成立的评价不计入满意率，在统计中另列" path=${`/cases/${detail.id}/ratings/appeal/decision`}
    extra=${{ upheld: upheld === "yes" }} onDone=${onDone}>
    <${Choices} name="appeal-upheld" legend="申诉是否成立" value=${upheld} onChange=${setUpheld}
      options=${[["yes", "成立（不计入满意率）"], ["no", "不成立"]]} />
  <//>`;
}

function Rating({ rating, detail, user, onDone }) {
  const level = LEVELS.find(([, code]) => code === rating.level);
  const appeal = rating.appeal;
  const mayAppeal = !detail.read_only && roles(user).some((r) => TOWNSHIP_STAFF.includes(r));
  const mayDecide = roles(user).includes("supervisor");
  return html`<li class="rating">
    <p><strong class="rating-level">${level ? level[2] : rating.level}</strong>
      ${" · "}${CHANNELS[rating.channel] || rating.channel}
      ${rating.entered_by ? html` · 录入：${rating.entered_by}` : null} · ${dateTime(rating.at)}
      ${rating.genuine ? null : html` <span class="tag grey">不计入满意率</span>`}</p>
    ${rating.reasons.length ? html`<p>原因：${rating.reasons.map((r) => REASONS[r] || r).join("、")}</p>` : null}
    ${rating.comment ? html`<p>意见：${rating.comment}</p>` : null}
    ${appeal
      ? html`<p class="rating-appeal">申诉（${appeal.by}，${dateTime(appeal.at)}）：${appeal.reason}
          ${appeal.decided_seq
            ? html`<br />裁定（${appeal.decided_by}）：<strong>${appeal.upheld ? "申诉成立" : "申诉不成立"}</strong>，${appeal.opinion}`
            : html`<br /><span class="tag">待裁定</span>`}</p>`
      : null}
    ${!appeal && BAD.has(rating.level) && mayAppeal
      ? html`<${TextAction} id="appeal" title="申诉" label="申诉理由" button="提交申诉"
          hint="由效能监督裁定；每条评价只能申诉一次" path=${`/cases/${detail.id}/ratings/appeal`} onDone=${onDone} />`
      : null}
    ${appeal && !appeal.decided_seq && mayDecide ? html`<${Decide} detail=${detail} onDone=${onDone} />` : null}
  </li>`;
}

export function Ratings({ detail, user, onDone }) {
  const loaded = useLoad(() => api.get(`/cases/${detail.id}/ratings`), [detail.id, detail.version]);
  const done = () => {
    loaded.reload();
    onDone && onDone();
  };
  if (loaded.error) return html`<${ErrorBox} error=${loaded.error} retry=${loaded.reload} />`;
  const shown = loaded.data;
  if (!shown || (!shown.waiting && !shown.ratings.length)) return null;
  return html`<section class="card no-print case-ratings" aria-labelledby="case-ratings-title">
    <h2 id="case-ratings-title">好差评</h2>
    ${shown.waiting
      ? html`<p>办件等待群众评价：评价只能由群众本人作出（扫描办结通知书上的二维码，或打开短信中的链接）。</p>`
      : null}
    ${shown.invitation_url
      ? html`<${Field} label="群众的评价链接（一次性）" id="rating-link" hint="交给群众本人，请勿代为评价">
          <input id="rating-link" class="rating-link" readonly value=${shown.invitation_url} />
        <//>`
      : null}
    ${shown.ratings.length
      ? html`<ul class="ratings">${shown.ratings.map((r) => html`<${Rating} key=${r.seq} rating=${r} detail=${detail} user=${user} onDone=${done} />`)}</ul>`
      : null}
    ${shown.waiting && !detail.read_only ? html`<${EnterRating} detail=${detail} onDone=${done} />` : null}
  </section>`;
}
