// The service's script: GOV.UK Frontend's and MOJ Frontend's components
// started on every page. Loaded as a module with the page's CSP nonce; the
// pages work without it (filters, sorting and paging are done on the server).
import { initAll as initGovuk } from "./govuk-frontend.min.js";
import { initAll as initMoj } from "./moj-frontend.min.js";

initGovuk();
initMoj();
