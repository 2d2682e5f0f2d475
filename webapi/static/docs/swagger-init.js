// Starts Swagger UI on the docs page. A file rather than an inline script, so that the
// page's Content-Security-Policy can forbid inline scripts (webapi/openapi.py).
(function () {
  "use strict";
  var container = document.getElementById("swagger-ui-container");
  var config = JSON.parse(container.getAttribute("data-config") || "{}");
  config.url = container.getAttribute("data-spec-url");
  config.dom_id = "#swagger-ui-container";
  window.ui = window.SwaggerUIBundle(config);
})();
