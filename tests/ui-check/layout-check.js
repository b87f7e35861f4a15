// The layout and accessibility check of the real-window tests (tests/tests/ui_e2e.rs), run in the
// app's page (WebDriver "execute", which wraps it in a function) once a screen is reached, at each
// window size. It needs axe-core in the page (`window.axe`, injected by the test) and resolves to
// the list of problems found, one readable line each; an empty list means the screen passes:
// - axe-core: no serious or critical violation (its color-contrast rule: text ≥ 4.5:1, 3:1 large);
// - every visible control is hit-testable at its centre (`elementFromPoint` returns it, a
//   descendant, or a label of it) where a person finds it on the screen as painted (scrolled to
//   the top): those in view where they stand, each of the others once scrolled just into view
//   (`block: "nearest"`, as a person's scroll brings it); a bar stuck to the window's edge that
//   covers it there is a failure (nobody can scroll a control out from under a sticky footer);
// - nothing overflows horizontally: the page is no wider than the window, no text or control
//   sticks out of the window or out of a box that clips it, no text is cut off in its own box;
// - no pop-up (the toast, a non-modal dialog) covers a control.
return (async () => {
  const problems = [];
  const width = window.innerWidth;
  const height = window.innerHeight;

  const describe = (el) => {
    let name = el.tagName.toLowerCase();
    if (el.id) name += `#${el.id}`;
    else if (typeof el.className === "string" && el.className.trim())
      name += `.${el.className.trim().split(/\s+/).join(".")}`;
    const text = (el.innerText || el.value || el.getAttribute("aria-label") || "")
      .trim()
      .replace(/\s+/g, " ")
      .slice(0, 40);
    return text ? `${name} "${text}"` : name;
  };

  // Shown: a box of its own, not hidden nor folded away, not transparent (itself or an
  // ancestor), and not parked out of reach (left of the page or above it, like the skip link
  // until it has focus).
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) return false;
    if (box.right <= 0 || box.bottom <= -window.scrollY) return false;
    if (getComputedStyle(el).visibility !== "visible") return false;
    // The body of a closed <details> keeps its boxes in WebKit, unpainted.
    const folded = el.closest("details:not([open])");
    if (folded && !folded.querySelector(":scope > summary")?.contains(el)) return false;
    if (el.checkVisibility && !el.checkVisibility()) return false;
    for (let node = el; node instanceof Element; node = node.parentElement) {
      if (Number(getComputedStyle(node).opacity) === 0) return false;
    }
    return true;
  };

  // 1. axe-core, serious and critical violations only.
  const audit = await window.axe.run(document, { resultTypes: ["violations"] });
  for (const rule of audit.violations) {
    for (const node of rule.nodes) {
      const impact = node.impact || rule.impact;
      if (impact !== "serious" && impact !== "critical") continue;
      const why = (node.failureSummary || "").split("\n").slice(1).join(" ").trim();
      problems.push(`axe ${rule.id} (${impact}) at ${node.target.join(" ")}: ${why}`);
    }
  }

  // The controls a person can reach: those of the open modal dialog if there is one (everything
  // behind it is inert), else those of the page.
  const modal = [...document.querySelectorAll("dialog[open]")].find((d) => d.matches(":modal"));
  const controlSelector =
    "a[href], button, input:not([type=hidden]), select, textarea, summary, label[for], [role=button], [tabindex]:not([tabindex='-1'])";
  const controls = [...(modal || document).querySelectorAll(controlSelector)].filter(shown);

  // 2. No pop-up over a control (checked where the page stands now, before anything scrolls).
  const popups = [...document.querySelectorAll(".toast.show, dialog[open]")].filter(
    (p) => shown(p) && !p.matches(":modal"),
  );
  for (const popup of popups) {
    const over = popup.getBoundingClientRect();
    for (const control of controls) {
      if (popup.contains(control)) continue;
      const box = control.getBoundingClientRect();
      const overlapX = Math.min(over.right, box.right) - Math.max(over.left, box.left);
      const overlapY = Math.min(over.bottom, box.bottom) - Math.max(over.top, box.top);
      if (overlapX > 1 && overlapY > 1)
        problems.push(`pop-up ${describe(popup)} covers ${describe(control)}`);
    }
  }

  // 3. Nothing wider than the window, nothing sticking out of it or of a box that clips it, no
  // text cut off in its own box.
  const pageWidth = document.documentElement.scrollWidth;
  if (pageWidth > width + 1)
    problems.push(`overflow: the page is ${pageWidth}px wide in a ${width}px window`);
  const clips = (style) => ["hidden", "clip"].includes(style.overflowX);
  const scrolls = (style) => ["auto", "scroll"].includes(style.overflowX);
  const hasOwnText = (el) =>
    [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
  for (const el of document.body.querySelectorAll("*")) {
    if (!(el.matches(controlSelector) || hasOwnText(el)) || !shown(el)) continue;
    if (modal && !modal.contains(el)) continue;
    const box = el.getBoundingClientRect();
    const style = getComputedStyle(el);
    if (clips(style) && el.scrollWidth > el.clientWidth + 1 && hasOwnText(el))
      problems.push(`overflow: the text of ${describe(el)} is cut off (${el.scrollWidth}px in ${el.clientWidth}px)`);
    let inScroller = false;
    for (let up = el.parentElement; up && up !== document.body; up = up.parentElement) {
      const upStyle = getComputedStyle(up);
      if (scrolls(upStyle)) {
        inScroller = true;
        break;
      }
      if (clips(upStyle)) {
        const frame = up.getBoundingClientRect();
        if (box.right > frame.right + 1 || box.left < frame.left - 1)
          problems.push(`overflow: ${describe(el)} is cut off by ${describe(up)}`);
        break;
      }
    }
    if (!inScroller && (box.right > width + 1 || box.left < -1))
      problems.push(`overflow: ${describe(el)} sticks out of the window (${Math.round(box.left)}–${Math.round(box.right)}px of ${width}px)`);
  }

  // 4. Every control hit-testable at its centre: on the screen as painted (at the top), those
  // in view where they stand; each of the others scrolled just into view, as a person's scroll
  // brings it (to the edge it came from, where a sticky bar may sit), then put back.
  const scrolled = [window.scrollX, window.scrollY];
  window.scrollTo({ left: 0, top: 0, behavior: "instant" });
  const reaches = (control, hit) =>
    hit &&
    (control === hit ||
      control.contains(hit) ||
      [...(control.labels || [])].some((label) => label.contains(hit)));
  const centre = (control) => {
    const box = control.getBoundingClientRect();
    return [box.left + box.width / 2, box.top + box.height / 2];
  };
  // The boxes that scroll or clip around a control (a dialog's body, say).
  const framesOf = (control) => {
    const frames = [];
    for (let up = control.parentElement; up && up !== document.body; up = up.parentElement) {
      const style = getComputedStyle(up);
      if (style.overflowX !== "visible" || style.overflowY !== "visible") frames.push(up);
    }
    return frames;
  };
  // In view: its centre inside the window and inside every box that clips it.
  const inView = (control) => {
    const [x, y] = centre(control);
    if (x < 0 || y < 0 || x >= width || y >= height) return false;
    return framesOf(control).every((frame) => {
      const f = frame.getBoundingClientRect();
      return x >= f.left && x < f.right && y >= f.top && y < f.bottom;
    });
  };
  const hitTest = (control) => {
    const hit = document.elementFromPoint(...centre(control));
    if (!reaches(control, hit))
      problems.push(
        `hidden control: ${describe(control)} is under ${hit ? describe(hit) : "nothing (out of the window)"} at its centre`,
      );
  };
  const outOfView = [];
  for (const control of controls) {
    if (inView(control)) hitTest(control);
    else outOfView.push(control);
  }
  for (const control of outOfView) {
    const frames = framesOf(control).map((frame) => [frame, frame.scrollLeft, frame.scrollTop]);
    control.scrollIntoView({ block: "nearest", inline: "nearest", behavior: "instant" });
    hitTest(control);
    for (const [frame, left, top] of frames) {
      frame.scrollLeft = left;
      frame.scrollTop = top;
    }
    window.scrollTo({ left: 0, top: 0, behavior: "instant" });
  }
  window.scrollTo({ left: scrolled[0], top: scrolled[1], behavior: "instant" });

  return [...new Set(problems)];
})();
