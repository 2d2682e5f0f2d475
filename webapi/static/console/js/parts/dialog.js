// A modal dialog (the native <dialog>, shown with showModal: focus stays inside, Esc
// closes it, the page behind is inert) for the administrator's pages: confirm a change,
// then show its outcome. Focus starts on the element marked data-initial (else the first
// control) and returns to the control that opened it.
import { html, useEffect, useRef } from "../ui.js";

let dialogCounter = 0;

// ``step``: when it changes (a confirmation became its outcome), focus moves again to the
// new content's data-initial element.
export function Dialog({ title, onClose, children, wide, step }) {
  const ref = useRef(null);
  const id = useRef("dialog-" + ++dialogCounter).current;
  useEffect(() => {
    const dialog = ref.current;
    const opener = document.activeElement;
    if (dialog && !dialog.open) dialog.showModal();
    return () => {
      if (dialog && dialog.open) dialog.close();
      if (opener && opener.isConnected && typeof opener.focus === "function") opener.focus();
    };
  }, []);
  useEffect(() => {
    const initial = ref.current && ref.current.querySelector("[data-initial]");
    if (initial) initial.focus();
  }, [step]);
  function cancel(event) {
    event.preventDefault();
    onClose();
  }
  return html`<dialog ref=${ref} class=${"dialog" + (wide ? " wide" : "")} aria-labelledby=${id + "-title"}
    onCancel=${cancel}>
    <h2 id=${id + "-title"}>${title}</h2>
    ${children}
  </dialog>`;
}
