// OnTrack's progressive enhancements. Every page works without this script.
//
// - NHS.UK frontend components (header menu, skip link, error summary focus).
// - Quick entry on the session form: typing a questionnaire's answers ("210110000")
//   ticks the matching radios, and ticking a radio updates the typed answers, so either
//   way of entering gives the same answers and the server checks they agree.
// - The print button on the homework sheet.

import { initAll } from "../nhsuk/nhsuk-frontend.min.js";

function radiosFor(key) {
  const rows = [];
  document.querySelectorAll(`input[type="radio"][name^="${key}_"]`).forEach((input) => {
    const match = input.name.match(new RegExp(`^${key}_(\\d+)$`));
    if (!match) return;
    const index = Number(match[1]) - 1;
    (rows[index] ||= []).push(input);
  });
  return rows;
}

function parseQuick(text, { items, min, max, digits }) {
  const trimmed = text.trim();
  if (!trimmed) return [];
  let tokens;
  if (/[\s,;]/.test(trimmed)) tokens = trimmed.split(/[\s,;]+/).filter(Boolean);
  else if (digits) tokens = Array.from(trimmed);
  else tokens = [trimmed];
  return tokens.slice(0, items).map((token) => {
    if (token === "-") return null;
    if (!/^\d+$/.test(token)) return undefined;
    const value = Number(token);
    return value >= min && value <= max ? value : undefined;
  });
}

function setUpQuickEntry(field) {
  const key = field.dataset.quick;
  const options = {
    items: Number(field.dataset.items),
    min: Number(field.dataset.min),
    max: Number(field.dataset.max),
    digits: field.dataset.digits === "1",
  };
  const rows = radiosFor(key);
  const status = document.createElement("p");
  status.className = "app-quick-status";
  status.id = `${field.id}-status`;
  status.setAttribute("aria-live", "polite");
  field.insertAdjacentElement("afterend", status);

  const fromField = () => {
    const answers = parseQuick(field.value, options);
    rows.forEach((inputs, index) => {
      const value = answers[index];
      inputs.forEach((input) => {
        input.checked = value !== undefined && value !== null && Number(input.value) === value;
      });
    });
    const given = answers.filter((a) => a !== undefined).length;
    const bad = answers.findIndex((a) => a === undefined);
    if (bad >= 0) {
      status.textContent = `Question ${bad + 1}: type ${options.min} to ${options.max}, or - if unanswered.`;
    } else if (given === 0) {
      status.textContent = "";
    } else if (given < options.items) {
      status.textContent = `${given} of ${options.items} answers.`;
    } else {
      const total = answers.reduce((sum, a) => sum + (a ?? 0), 0);
      status.textContent = `All ${options.items} answers (sum ${total}).`;
    }
    field.classList.toggle("app-quick--done", given === options.items && bad < 0);
  };

  const fromRadios = () => {
    const values = rows.map((inputs) => {
      const checked = inputs.find((input) => input.checked);
      return checked ? checked.value : "-";
    });
    if (values.every((v) => v === "-")) field.value = "";
    else field.value = values.join(options.digits ? "" : " ");
    fromField();
  };

  field.addEventListener("input", fromField);
  rows.flat().forEach((input) => input.addEventListener("change", fromRadios));
  if (field.value) fromField();
  else if (rows.flat().some((input) => input.checked)) fromRadios();
}

function setUpPrint(button) {
  button.hidden = false;
  button.addEventListener("click", () => window.print());
}

document.addEventListener("DOMContentLoaded", () => {
  try {
    initAll();
  } catch (error) {
    // NHS.UK frontend enhancements are optional; the pages work without them.
    console.warn("NHS.UK frontend did not start", error);
  }
  document.querySelectorAll("input[data-quick]").forEach(setUpQuickEntry);
  document.querySelectorAll("[data-print]").forEach(setUpPrint);
});
