// The layout and accessibility check of the real-window tests (tests/tests/ui_e2e.rs), run in the
// app's page (WebDriver "execute", which wraps it in a function) once a screen is reached, at each
// window size. It needs axe-core in the page (`window.axe`, injected by the test) and resolves to
// the list of problems found, one readable line each; an empty list means the screen passes:
// - axe-core: no serious or critical violation (its color-contrast rule: text ≥ 4.5:1, 3:1 large);
// - every visible control is hit-testable at its centre (`elementFromPoint` returns it, a
//   descendant, or a label of it), where it stands or else once scrolled to the window's middle
//   (a person scrolls what a sticky bar hides);
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

  // Shown: a box of its own, not hidden, not transparent (itself or an ancestor), and not
  // parked out of reach (left of the page or above it, like the skip link until it has focus).
  const shown = (el) => {
    const box = el.getBoundingClientRect();
    if (box.width < 2 || box.height < 2) return false;
    if (box.right <= 0 || box.bottom <= -window.scrollY) return false;
    if (getComputedStyle(el).visibility !== "visible") return false;
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

  // 4. Every control hit-testable at its centre, brought into view first if it is outside.
  const scrolled = [window.scrollX, window.scrollY];
  const reaches = (control, hit) =>
    hit &&
    (control === hit ||
      control.contains(hit) ||
      [...(control.labels || [])].some((label) => label.contains(hit)));
  const hitAtCentre = (control) => {
    const box = control.getBoundingClientRect();
    return document.elementFromPoint(box.left + box.width / 2, box.top + box.height / 2);
  };
  for (const control of controls) {
    let hit = hitAtCentre(control);
    if (!reaches(control, hit)) {
      // Out of the window, or under a bar that sticks to its edge: a person scrolls it into view.
      control.scrollIntoView({ block: "center", inline: "center", behavior: "instant" });
      hit = hitAtCentre(control);
    }
    if (!reaches(control, hit))
      problems.push(
        `hidden control: ${describe(control)} is under ${hit ? describe(hit) : "nothing (out of the window)"} at its centre`,
      );
  }
  window.scrollTo({ left: scrolled[0], top: scrolled[1], behavior: "instant" });

  return [...new Set(problems)];
})();
