// Runs first in <body>, before the page paints: marks the page as scripted so NHS.UK
// frontend's components style themselves for JavaScript. A file of its own because the
// Content-Security-Policy allows no inline script.
document.body.className +=
  " js-enabled" + ("noModule" in HTMLScriptElement.prototype ? " nhsuk-frontend-supported" : "");
