// The API reference at /docs: Swagger UI (vendored) reading the service's own OpenAPI
// document. Requests made from "Try it out" go to this service, with its token cookie.
"use strict";
(function () {
  const root = document.getElementById("docs");
  window.SwaggerUIBundle({
    url: root.dataset.openapi,
    domNode: root,
    deepLinking: true,
    tryItOutEnabled: false,
    validatorUrl: null, // never ask swagger.io to validate the document
  });
})();
