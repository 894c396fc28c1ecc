/** The Opik icon of the side bar tab and the trace tabs (colours follow the theme). */
import { LabIcon } from "@jupyterlab/ui-components";

const svgstr = `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 24 24" width="16" height="16">
  <g class="jp-icon3" fill="#616161">
    <path d="M12 3a9 9 0 1 0 0 18 9 9 0 0 0 0-18zm0 2.2a6.8 6.8 0 1 1 0 13.6 6.8 6.8 0 0 1 0-13.6z"/>
    <circle cx="12" cy="12" r="2.6"/>
    <rect x="11" y="1" width="2" height="4.2" rx="1"/>
  </g>
</svg>`;

export const opikIcon = new LabIcon({ name: "opik-jupyter:opik", svgstr });
