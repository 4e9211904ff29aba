// Starts Swagger UI on the docs page (a file, not an inline script, so the page's CSP can forbid inline code).
window.addEventListener("load", () => {
  window.ui = window.SwaggerUIBundle({ url: "openapi.json", dom_id: "#ui", deepLinking: false, tryItOutEnabled: false });
});
