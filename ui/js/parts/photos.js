// Photo thumbnails: a photo's small JPEG from the core (the device's copy, else the server's),
// shown through a blob URL kept for the session, and a cart line's photos with "Ajouter une
// photo" (a file or the phone's camera) and a remove button on each.

import * as commands from "../commands.js";
import { t } from "../i18n/index.js";
import { h } from "../dom.js";
import { icon } from "../icons.js";

/** Blob URLs of the thumbnails already read, by photo id. */
const urls = new Map();

/** An `<img>` of a photo's thumbnail, filled once the core has answered. */
export function thumbnail(id, alt) {
  const img = h("img", { class: "photo-thumb", alt, width: 72, height: 72, dataset: { photo: id } });
  const known = urls.get(id);
  if (known) {
    img.src = known;
    return img;
  }
  commands.photo_thumbnail(id).then((bytes) => {
    const url = URL.createObjectURL(new Blob([Uint8Array.from(bytes)], { type: "image/jpeg" }));
    urls.set(id, url);
    img.src = url;
  }).catch(() => img.classList.add("missing"));
  return img;
}

/** A file's line photos (thumbnails only), or nothing when it has none. */
export function photoStrip(photos, reference) {
  if (!photos?.length) return null;
  return h("ul", { class: "photo-strip", "aria-label": t("linePhotos", reference) },
    photos.map((id, i) => h("li", {}, thumbnail(id, t("photoAlt", i + 1, reference)))));
}

/**
 * A cart line's photos: what its reason asks, the thumbnails with their remove buttons, and
 * "Ajouter une photo" (hidden once the line has 5). `change` runs an edit returning the cart.
 */
export function cartLinePhotos(line, id, change) {
  const photos = line.photos || [];
  const rule = line.photo_rule || "none";
  const input = h("input", { id: `${id}-photo-input`, type: "file", accept: "image/*", capture: "environment", class: "visually-hidden" });
  input.addEventListener("change", () => {
    const chosen = input.files?.[0];
    if (!chosen) return;
    change(async () => {
      const bytes = Array.from(new Uint8Array(await chosen.arrayBuffer()));
      return commands.add_line_photo(line.delivery_note, line.line_no, bytes);
    }, `${id}-add-photo`).finally(() => { input.value = ""; });
  });
  const add = photos.length < 5
    ? h("label", { id: `${id}-add-photo`, class: "button secondary add-photo", for: `${id}-photo-input`, tabindex: "0",
        onkeydown: (e) => { if (e.key === "Enter" || e.key === " ") { e.preventDefault(); input.click(); } } },
      icon("plus"), t("addPhoto"))
    : h("span", { class: "muted photos-full" }, t("photosFull"));
  const hint = rule === "required"
    ? h("span", { class: `photo-rule required${line.photo_missing ? " missing" : ""}` }, t("photoRequired"))
    : rule === "optional" ? h("span", { class: "photo-rule optional" }, t("photoOptional")) : null;
  return h("div", { class: "field photos", dataset: { count: photos.length } },
    h("span", { class: "field-label" }, t("photos"), " ", h("span", { class: "muted photo-count" }, t("photoCount", photos.length)), hint ? " " : null, hint),
    h("ul", { class: "photo-strip", "aria-label": t("linePhotos", line.reference) },
      photos.map((photo, i) => h("li", { class: "photo-item" },
        thumbnail(photo, t("photoAlt", i + 1, line.reference)),
        h("button", { id: `${id}-photo-${i}-remove`, class: "icon ghost remove-photo", type: "button", "aria-label": t("removePhoto", i + 1), title: t("removePhoto", i + 1),
          onclick: () => change(() => commands.remove_line_photo(line.delivery_note, line.line_no, photo), `${id}-add-photo`) }, icon("close", 18))))),
    input, add);
}
